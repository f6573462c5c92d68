import { DETECTOR_DEFS, type DetectorName } from './detectors.js';

export type MatchKind = DetectorName | 'regex';

/** Replaces one match; returns it unchanged to leave it. */
export type Replacer = (match: string, kind: MatchKind) => string;

interface Pass {
  readonly kind: MatchKind;
  readonly regex: RegExp;
  readonly maybe: ((text: string) => boolean) | undefined;
  readonly accept: ((match: string, next: string) => number) | undefined;
}

// The more specific detectors go first: an address such as 07700900123@example.com is an email, and a
// UUID starting with 0 is no phone number. What a pass puts in (a token, a mask) matches no later pass.
const PRECEDENCE: readonly DetectorName[] = ['email', 'uuid', 'ipv6', 'ipv4', 'phone'];

/**
 * The content a rule looks for in a string: some built-in detectors and/or a custom regular expression,
 * compiled once, at setup. Each is one pass over the string; a detector with a cheap test (email: an
 * "@") is not run on a string that fails it.
 */
export class Scanner {
  readonly #passes: readonly Pass[];

  constructor(detectors: readonly DetectorName[], regex?: { source: string; ignoreCase: boolean }) {
    const passes: Pass[] = PRECEDENCE.filter((d) => detectors.includes(d)).map((d) => ({
      kind: d,
      regex: new RegExp(DETECTOR_DEFS[d].source, 'gu'),
      maybe: DETECTOR_DEFS[d].maybe,
      accept: DETECTOR_DEFS[d].accept,
    }));
    if (regex) passes.push({ kind: 'regex', regex: new RegExp(regex.source, regex.ignoreCase ? 'giu' : 'gu'), maybe: undefined, accept: undefined });
    this.#passes = passes;
  }

  /** Whether it has a custom expression, whose matches in JSON text could cross the syntax of JSON. */
  get custom(): boolean {
    return this.#passes.some((p) => p.kind === 'regex');
  }

  /** Whether `text` holds anything this scanner would replace. */
  test(text: string): boolean {
    for (const pass of this.#passes) {
      if (pass.maybe && !pass.maybe(text)) continue;
      if (run(pass, text, null) !== null) return true;
    }
    return false;
  }

  /** `text` with each match replaced by `replacer`; `text` itself when nothing was replaced. */
  replace(text: string, replacer: Replacer): string {
    let out = text;
    for (const pass of this.#passes) {
      if (pass.maybe && !pass.maybe(out)) continue;
      out = run(pass, out, replacer) ?? out;
    }
    return out;
  }
}

/**
 * One pass of `pass` over `text`: with a replacer, the text with the matches replaced (null when none
 * was); without, a non-null string as soon as one match is found.
 */
function run(pass: Pass, text: string, replacer: Replacer | null): string | null {
  const regex = pass.regex;
  let out: string | null = null;
  let done = 0;
  // The position is kept here, not in the expression, which a replacer may use meanwhile (a mask checks what it made).
  for (let from = 0; from <= text.length; ) {
    regex.lastIndex = from;
    const m = regex.exec(text);
    if (m === null) break;
    const match = m[0];
    from = m.index + Math.max(match.length, 1);
    if (match === '') continue;
    const n = pass.accept ? pass.accept(match, text.charAt(m.index + match.length)) : match.length;
    if (n === 0) continue;
    if (!replacer) return '';
    const value = match.slice(0, n);
    const replaced = replacer(value, pass.kind);
    if (replaced === value) continue;
    out = (out ?? '') + text.slice(done, m.index) + replaced;
    done = m.index + n;
  }
  return out === null ? null : out + text.slice(done);
}
