import { filterMatches } from '../../core/index.js';
import { canonical } from './detectors.js';
import { compilePath, type JsonPath } from './json-path.js';
import { KeyedHash, MIN_SECRET_LENGTH } from './keyed-hash.js';
import { mask } from './mask.js';
import { Scanner, type MatchKind } from './scanner.js';
import type { PrivacyOptions } from './schema.js';

/** What a value is to its rule: a detector's or the regex's match, or the whole value of a field named by a path. */
export type ValueKind = MatchKind | 'field';

/** A rule compiled at setup: nothing about it is worked out again per message. */
export interface Rule {
  readonly index: number;
  readonly name: string;
  readonly action: 'hash' | 'mask' | 'drop';
  /** MQTT topic filters (`+`, `#`), matched as a broker would (the core's filterMatches). */
  readonly topics: readonly string[] | null;
  readonly events: ReadonlySet<string> | null;
  readonly scanner: Scanner | null;
  readonly paths: readonly JsonPath[] | null;
  /** The hashed or masked form of a value (a drop rule has none). */
  readonly replace: ((value: string, kind: ValueKind) => string) | null;
}

/** The rules of the configuration, in order; throws when they cannot work as configured. */
export function compileRules(options: PrivacyOptions): Rule[] {
  const rules = options.rules ?? [];
  let hash: KeyedHash | null = null;
  if (rules.some((r) => r.action === 'hash')) {
    if (!options.secret || options.secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`a rule hashes, so "secret" must be set, at least ${MIN_SECRET_LENGTH} characters long (e.g. "secret": "\${SWITCHBOARD_PRIVACY_SECRET}")`);
    }
    hash = new KeyedHash(options.secret, options.hashLength ?? 16);
  }
  const names = new Map<string, number>();
  return rules.map((r, index): Rule => {
    const name = r.name ?? `rule${index}`;
    const earlier = names.get(name);
    if (earlier !== undefined) throw new Error(`rules[${index}] is named "${name}", like rules[${earlier}]; each rule needs its own name`);
    names.set(name, index);
    const detectors = r.detectors ?? [];
    const scanner = detectors.length > 0 || r.regex ? new Scanner(detectors, r.regex ? { source: r.regex, ignoreCase: r.ignoreCase ?? false } : undefined) : null;
    return {
      index,
      name,
      action: r.action,
      topics: r.topics ?? null,
      events: r.events ? new Set(r.events) : null,
      scanner,
      paths: r.paths ? r.paths.map(compilePath) : null,
      replace: r.action === 'hash' ? hasher(hash!) : r.action === 'mask' ? masker(r.keepStart ?? 0, r.keepEnd ?? 0, r.maskChar ?? '*', scanner) : null,
    };
  });
}

function hasher(hash: KeyedHash): (value: string, kind: ValueKind) => string {
  // A token found again (a field hashed before, published once more) stays the same token.
  return (value, kind) => (hash.isToken(value) ? value : hash.token(kind === 'field' ? value : canonical(kind, value)));
}

function masker(keepStart: number, keepEnd: number, char: string, scanner: Scanner | null): (value: string, kind: ValueKind) => string {
  return (value, kind) => {
    const masked = mask(value, keepStart, keepEnd, char);
    // What is kept of a match may itself look like data ("::0:0:0" keeping "::0"): then none of it is kept.
    return kind !== 'field' && scanner !== null && scanner.test(masked) ? mask(value, 0, 0, char) : masked;
  };
}

/** Whether a rule applies to the event of this type (whose topic on the events output is `topic`). */
export function appliesToEvent(rule: Rule, type: string, topic: string): boolean {
  return (!rule.events || rule.events.has(type)) && (!rule.topics || rule.topics.some((f) => filterMatches(f, topic)));
}

/** Whether a rule applies to a message on this topic; a rule for certain events applies to none. */
export function appliesToMessage(rule: Rule, topic: string): boolean {
  return !rule.events && (!rule.topics || rule.topics.some((f) => filterMatches(f, topic)));
}

/** One pass over a value: scan rules run together (one walk of the value), a path rule alone, a drop rule without content ends it. */
export type Step = { readonly kind: 'scan'; readonly rules: readonly Rule[] } | { readonly kind: 'path' | 'drop'; readonly rule: Rule };

/** What to do to everything that one set of rules applies to (shared by every topic and event type with that set). */
export class Plan {
  readonly steps: readonly Step[];
  /** Only built-in detectors, no paths: JSON text without escapes can be scanned as text, which gives what scanning its strings would. */
  readonly textSafe: boolean;
  readonly #scanRules: ReadonlySet<Rule>;

  constructor(rules: readonly Rule[]) {
    const steps: Step[] = [];
    for (const rule of rules) {
      const last = steps[steps.length - 1];
      if (rule.paths) steps.push({ kind: 'path', rule });
      else if (!rule.scanner) steps.push({ kind: 'drop', rule });
      else if (last?.kind === 'scan') (last.rules as Rule[]).push(rule);
      else steps.push({ kind: 'scan', rules: [rule] });
    }
    this.steps = steps;
    this.textSafe = steps.every((s) => s.kind === 'drop' || (s.kind === 'scan' && s.rules.every((r) => !r.scanner!.custom)));
    this.#scanRules = new Set(steps.flatMap((s) => (s.kind === 'scan' ? s.rules : [])));
  }

  /** Whether a value this plan scanned needs no scan by `rules` again: they are all among this plan's. */
  covers(rules: readonly Rule[]): boolean {
    return rules.every((r) => this.#scanRules.has(r));
  }
}
