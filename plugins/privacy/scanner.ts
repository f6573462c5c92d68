import { DETECTOR_DEFS, type Detector, type DetectorName, type Span } from './detectors.js';
import { isPlain, normalize, type NormalText } from './normalize.js';

export type MatchKind = DetectorName | 'regex';

/** Replaces one match; returns it unchanged to leave it. */
export type Replacer = (match: string, kind: MatchKind) => string;

interface Pass {
  readonly kind: MatchKind;
  readonly detector: Detector;
  /** Built-in detectors read the text in normal form; a custom expression reads it as written. */
  readonly normal: boolean;
  /**
   * A built-in detector's second pass over the text as written, for text that is not its own normal form: decoding
   * can break an address as well as reveal one (`%22@example.com` is an address; read as `"@example.com`, none).
   * It takes only matches with an escape or another form in them: the first pass has read the others.
   */
  readonly asWritten?: Pass;
  readonly escapedOnly?: boolean;
}

// The more specific detectors go first: an address such as 07700900123@example.com is an email, and a
// UUID starting with 0 is no phone number. What a pass puts in (a token, a mask) matches no later pass.
const PRECEDENCE: readonly DetectorName[] = ['email', 'uuid', 'ipv6', 'ipv4', 'phone'];

/** Time a custom expression may take over one string; past it, the rest of the string is withheld. */
export const REGEX_BUDGET_MS = 50;

/** What replaces the part of a string a custom expression had no time to read. */
export const WITHHELD = '[withheld: not scanned in time]';

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
      detector: DETECTOR_DEFS[d],
      normal: true,
      asWritten: { kind: d, detector: DETECTOR_DEFS[d], normal: false, escapedOnly: true },
    }));
    if (regex) passes.push({ kind: 'regex', detector: budgeted(new RegExp(regex.source, regex.ignoreCase ? 'giu' : 'gu')), normal: false });
    this.#passes = passes;
  }

  /** Whether it has a custom expression, whose matches in JSON text could cross the syntax of JSON. */
  get custom(): boolean {
    return this.#passes.some((p) => p.kind === 'regex');
  }

  /** False when no pass can match `text` (see #nothingIn): then `test` is false and `replace` returns `text`. */
  mayFind(text: string): boolean {
    return !this.#nothingIn(text);
  }

  /** Whether `text` holds anything this scanner would replace. */
  test(text: string): boolean {
    if (this.#nothingIn(text)) return false;
    const normal = new NormalOnce();
    const plain = isPlain(text);
    for (const pass of this.#passes) {
      if (run(pass, text, null, normal) !== null) return true;
      if (pass.asWritten && !plain && run(pass.asWritten, text, null, normal) !== null) return true;
    }
    return false;
  }

  /** `text` with each match replaced by `replacer`; `text` itself when nothing was replaced. */
  replace(text: string, replacer: Replacer): string {
    if (this.#nothingIn(text)) return text;
    let out = text;
    const normal = new NormalOnce();
    for (const pass of this.#passes) {
      out = run(pass, out, replacer, normal) ?? out;
      if (pass.asWritten && !isPlain(out)) out = run(pass.asWritten, out, replacer, normal) ?? out;
    }
    return out;
  }

  /**
   * Whether plain text (its own normal form) fails every pass's cheap test, so no pass can match: most strings,
   * answered without working out a normal form. A custom expression has no cheap test.
   */
  #nothingIn(text: string): boolean {
    for (const pass of this.#passes) {
      if (!pass.normal || !pass.detector.maybe) return false;
    }
    if (!isPlain(text)) return false;
    for (const pass of this.#passes) {
      if (pass.detector.maybe!(text)) return false;
    }
    return true;
  }
}

/** Works a text's normal form out once however many passes read it unchanged. */
class NormalOnce {
  #last: string | null = null;
  #normal: NormalText | null = null;

  of(text: string): NormalText {
    if (text !== this.#last || this.#normal === null) {
      this.#last = text;
      this.#normal = normalize(text);
    }
    return this.#normal;
  }
}

/**
 * One pass of `pass` over `text`: with a replacer, the text with the matches replaced (null when none
 * was); without, a non-null string as soon as one match is found. A match found in the normal form is
 * replaced where it was written (escapes and invisible characters included), by what the replacer makes of
 * its normal form, so that an address hashes alike however it was written.
 */
function run(pass: Pass, text: string, replacer: Replacer | null, normalOf: NormalOnce): string | null {
  const normal = pass.normal ? normalOf.of(text) : null;
  const seen = normal ? normal.text : text;
  const maybe = pass.detector.maybe;
  if (maybe && !maybe(seen)) return null;
  let out: string | null = null;
  let done = 0;
  for (let from = 0; from <= seen.length; ) {
    const span = pass.detector.find(seen, from);
    if (span === null) break;
    const [s, e] = span;
    from = Math.max(e, s + 1);
    if (e <= s) continue;
    if (s < 0) {
      // A custom expression out of time: what it did not read goes nowhere.
      if (!replacer) return '';
      out = (out ?? '') + text.slice(done, -s - 1) + WITHHELD;
      done = text.length;
      break;
    }
    const value = seen.slice(s, e);
    if (pass.escapedOnly && normalize(value).text === value) continue;
    if (!replacer) return '';
    const replaced = replacer(value, pass.kind);
    const start = normal?.starts ? normal.starts[s]! : s;
    const end = normal?.ends ? normal.ends[e - 1]! : e;
    if (replaced === value && end - start === value.length && text.slice(start, end) === value) continue;
    out = (out ?? '') + text.slice(done, start) + replaced;
    done = end;
  }
  return out === null ? null : out + text.slice(done);
}

/**
 * A custom expression as a detector that stops when its time is up: then it reports a span starting at
 * `-(where it stopped) - 1`, and the rest of the string is withheld. The expression was checked for
 * catastrophic backtracking when the configuration was validated; this bounds what is left (a polynomial
 * expression over a long string).
 */
function budgeted(regex: RegExp): Detector {
  let deadline = 0;
  let text: string | null = null;
  return {
    find(t, from): Span | null {
      if (t !== text || from === 0) {
        text = t;
        deadline = performance.now() + REGEX_BUDGET_MS;
      } else if (performance.now() > deadline) {
        return [-from - 1, 0];
      }
      regex.lastIndex = from;
      const m = regex.exec(t);
      return m === null ? null : [m.index, m.index + m[0].length];
    },
  };
}
