import { isUtf8 } from 'node:buffer';
import type { BusEvent, OutboundMessage } from '../../core/index.js';
import { eachChild, updateAt } from './json-path.js';
import { canonical } from './detectors.js';
import type { KeyedHash } from './keyed-hash.js';
import { mask } from './mask.js';
import { appliesToEvent, appliesToMessage, Plan, type Rule, type ValueKind } from './rules.js';

/** Where the sanitizer reports what it did: metrics in the runtime, a report in `privacy test`. */
export interface Tally {
  hashed(rule: Rule): void;
  masked(rule: Rule): void;
  dropped(rule: Rule, what: 'event' | 'message'): void;
  /** A payload that is not UTF-8 text went out as it was: there is no text to look for data in. */
  unscanned(): void;
  /** A string longer than maxScanChars was cut before it was scanned. */
  truncated?(): void;
}

export interface SanitizerOptions {
  /** Longest string scanned; the rest of a longer one is withheld. */
  maxScanChars?: number;
  /** The keyed hash ids are tokenised with (see `id`); without it, ids go out as they are. */
  ids?: KeyedHash;
}

/** Strings are scanned up to this many characters by default: far more than any real message's text. */
export const MAX_SCAN_CHARS = 65536;

// Topic levels and ids seen lately, with what they became; forgotten all at once past this many.
const ID_CACHE_ENTRIES = 8192;

class Dropped {
  constructor(readonly rule: Rule) {}
}

type Replace = (value: string, kind: ValueKind) => string;

/** A string something was found in: what it became, and the rule of each find (counted again on every use). */
interface Found {
  readonly out: string;
  readonly counted: readonly Rule[];
}

// Strings up to this long, this many per set of rules, are remembered with what they became; the table starts again when full.
const FOUND_CACHE_MAX_CHARS = 1024;
const FOUND_CACHE_ENTRIES = 1024;

/** A rule that makes the same of a string every time: a custom expression stops when out of time, so it may not. */
function deterministic(rule: Rule): boolean {
  return rule.scanner === null || !rule.scanner.custom;
}
type Update = (value: unknown) => unknown;

// Topics and event types seen; forgotten all at once past this many (a plan is cheap to work out again).
const PLAN_CACHE_ENTRIES = 4096;

/**
 * Applies the rules to events (after every transform) and to outgoing messages. Values are copied only
 * where something changes; an event's data, once checked, is not scanned again when the events output
 * (or a plugin) publishes it on a topic whose rules it was already checked by.
 */
export class Sanitizer {
  readonly #rules: readonly Rule[];
  readonly #eventsPrefix: string;
  readonly #tally: Tally;
  readonly #replace: Replace[];
  readonly #updates: Update[];
  readonly #drops: Dropped[];
  readonly #eventPlans = new Map<string, Plan>();
  readonly #messagePlans = new Map<string, Plan>();
  readonly #plans = new Map<string, Plan>();
  /** While a message is scanned: the data of the event it publishes, which this guard passed, and the plan it went through. */
  #checked: object | null = null;
  #checkedPlan: Plan | null = null;
  /** Events as this guard passed them, with the plan their data went through. */
  readonly #passed = new WeakMap<BusEvent, Plan>();
  readonly #maxScanChars: number;
  readonly #ids: KeyedHash | null;
  readonly #scanning: readonly Rule[];
  readonly #idCache = new Map<string, string>();
  /** Topics seen lately, with what they became (`topic`): a message's topic is worked out once, not level by level. */
  readonly #topicCache = new Map<string, string>();
  /** Set while JSON text is tried as text: what that finds is counted when the values are scanned. */
  #trying = false;
  /** Strings something was found in lately, per set of scanning rules, with what they became. */
  readonly #found = new WeakMap<readonly Rule[], Map<string, Found> | null>();
  /** The rules whose finds are being counted while a string is scanned (to count them again when it is met again). */
  readonly #counting: Rule[] = [];
  #recording = false;

  constructor(rules: readonly Rule[], eventsPrefix: string, tally: Tally, options: SanitizerOptions = {}) {
    this.#rules = rules;
    this.#maxScanChars = options.maxScanChars ?? MAX_SCAN_CHARS;
    this.#ids = options.ids ?? null;
    this.#scanning = rules.filter((r) => r.scanner !== null);
    this.#eventsPrefix = eventsPrefix;
    this.#tally = tally;
    this.#drops = rules.map((r) => new Dropped(r));
    this.#replace = rules.map((r) => this.#counted(r));
    this.#updates = rules.map((r) => this.#pathUpdate(r));
  }

  /** The event as it may go to the publishers, or null when a rule drops it. */
  event(event: BusEvent): BusEvent | null {
    const plan = this.#eventPlans.get(event.type) ?? this.#planFor(this.#eventPlans, event.type, (r) => appliesToEvent(r, event.type, `${this.#eventsPrefix}/${event.type}`));
    if (plan.steps.length === 0) return event;
    let data: unknown;
    try {
      data = this.#run(plan, event.data, false);
    } catch (err) {
      if (!(err instanceof Dropped)) throw err;
      this.#tally.dropped(err.rule, 'event');
      return null;
    }
    const out = data === event.data ? event : { ...event, data };
    this.#passed.set(out, plan);
    return out;
  }

  /** The message as it may be published, or null when a rule drops it. */
  message(original: OutboundMessage): OutboundMessage | null {
    // Topic levels are ids: whatever a plugin made a topic of, no personal data goes out in it.
    const topic = this.topic(original.topic);
    const message = topic === original.topic ? original : { ...original, topic };
    const plan = this.#messagePlans.get(message.topic) ?? this.#planFor(this.#messagePlans, message.topic, (r) => appliesToMessage(r, message.topic));
    if (plan.steps.length === 0) return message;
    // The events output's copy of an event this guard passed: its data need not be scanned again (see OutboundMessage.event).
    const data = message.event?.data;
    const passed = data !== null && typeof data === 'object' ? this.#passed.get(message.event!) : undefined;
    if (passed) {
      this.#checked = data!;
      this.#checkedPlan = passed;
    }
    const payload = message.payload;
    let next: unknown;
    try {
      if (typeof payload === 'string') {
        next = this.#string(plan, payload);
      } else if (Buffer.isBuffer(payload)) {
        if (!isUtf8(payload)) {
          this.#tally.unscanned();
          return message;
        }
        const text = payload.toString('utf8');
        const out = this.#string(plan, text);
        next = out === text ? payload : Buffer.from(out, 'utf8');
      } else {
        next = this.#run(plan, payload, true);
      }
    } catch (err) {
      if (!(err instanceof Dropped)) throw err;
      this.#tally.dropped(err.rule, 'message');
      return null;
    } finally {
      this.#checked = null;
      this.#checkedPlan = null;
    }
    return next === payload ? message : { ...message, payload: next };
  }

  /** A topic with every level that holds personal data made an id (see `id`). */
  topic(topic: string): string {
    if (this.#ids === null || this.#scanning.length === 0) return topic;
    let out = this.#topicCache.get(topic);
    if (out === undefined) {
      out = this.#topicIds(topic);
      if (this.#topicCache.size >= ID_CACHE_ENTRIES) this.#topicCache.clear();
      this.#topicCache.set(topic, out);
    }
    return out;
  }

  #topicIds(topic: string): string {
    const levels = topic.split('/');
    let changed = false;
    for (let i = 0; i < levels.length; i++) {
      const level = this.id(levels[i]!);
      if (level !== levels[i]) {
        levels[i] = level;
        changed = true;
      }
    }
    return changed ? levels.join('/') : topic;
  }

  /**
   * An id as it may leave in a topic level or another system's id: what any rule's detectors or expression find
   * in it becomes a keyed token, whatever the rule's action (masking would make two people one id), so that the
   * id stays stable and distinct.
   */
  id(id: string): string {
    const ids = this.#ids;
    if (ids === null || this.#scanning.length === 0) return id;
    let out = this.#idCache.get(id);
    if (out !== undefined) return out;
    out = this.#bounded(id);
    for (const rule of this.#scanning) out = rule.scanner!.replace(out, (value, kind) => (ids.isToken(value) ? value : ids.token(canonical(kind, value))));
    if (this.#idCache.size >= ID_CACHE_ENTRIES) this.#idCache.clear();
    this.#idCache.set(id, out);
    return out;
  }

  /** Text the runtime writes itself (a log line, a reason): each rule's matches hashed or masked as the rule says, a drop rule's masked. */
  text(text: string): string {
    let out = this.#bounded(text);
    for (const rule of this.#scanning) {
      out = rule.scanner!.replace(out, rule.replace ? this.#replace[rule.index]! : (value) => mask(value, 0, 0, '*'));
    }
    return out;
  }

  /** At most maxScanChars characters of `text`, the rest withheld (and counted); the result is never cut again. */
  #bounded(text: string): string {
    const max = this.#maxScanChars;
    if (text.length <= max) return text;
    this.#tally.truncated?.();
    const note = `[${text.length} characters, cut: longer than maxScanChars]`;
    let cut = Math.max(0, max - note.length);
    // Not between the two halves of a surrogate pair.
    if (cut > 0 && text.charCodeAt(cut - 1) >= 0xd800 && text.charCodeAt(cut - 1) <= 0xdbff) cut--;
    return text.slice(0, cut) + note;
  }

  /** The plan of the rules that apply to a topic or event type not seen (lately); topics with the same rules share one. */
  #planFor(cache: Map<string, Plan>, key: string, applies: (rule: Rule) => boolean): Plan {
    if (cache.size >= PLAN_CACHE_ENTRIES) cache.clear();
    const rules = this.#rules.filter(applies);
    const signature = rules.map((r) => r.index).join(',');
    let plan = this.#plans.get(signature);
    if (!plan) this.#plans.set(signature, (plan = new Plan(rules)));
    cache.set(key, plan);
    return plan;
  }

  #run(plan: Plan, root: unknown, outgoing: boolean): unknown {
    let value = root;
    for (const step of plan.steps) {
      if (step.kind === 'drop') throw this.#drops[step.rule.index]!;
      value = step.kind === 'scan' ? this.#walk(value, step.rules, outgoing) : this.#updates[step.rule.index]!(value);
    }
    return value;
  }

  /** A payload given as text: JSON text is treated as what it encodes, other text as text. */
  #string(plan: Plan, text: string): string {
    const json = looksLikeJson(text);
    if (plan.textSafe && !json) return this.#plainText(plan, text);
    // Without escapes, JSON's strings are its text verbatim and no built-in detector matches across its syntax, so
    // text with nothing found is passed whole. A find may be a number's digits, which the values are not scanned
    // for: then, and for JSON too long to scan whole (what is cut must be a string, not the JSON), value by value.
    if (plan.textSafe && !text.includes('\\') && text.length <= this.#maxScanChars && this.#findsNothing(plan, text)) return text;
    if (json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return this.#plainText(plan, text);
      }
      const out = this.#run(plan, parsed, true);
      return out === parsed ? text : JSON.stringify(out);
    }
    return this.#plainText(plan, text);
  }

  #findsNothing(plan: Plan, text: string): boolean {
    this.#trying = true;
    try {
      return this.#plainText(plan, text) === text;
    } finally {
      this.#trying = false;
    }
  }

  /** Text that is not JSON has no fields: only the scanning rules apply. */
  #plainText(plan: Plan, text: string): string {
    let out = text;
    for (const step of plan.steps) {
      if (step.kind === 'drop') throw this.#drops[step.rule.index]!;
      if (step.kind === 'scan') out = this.#text(out, step.rules);
    }
    return out;
  }

  #walk(value: unknown, rules: readonly Rule[], outgoing: boolean): unknown {
    if (typeof value === 'string') return this.#text(value, rules);
    if (value === null || typeof value !== 'object') return value;
    if (outgoing && value === this.#checked && this.#checkedPlan!.covers(rules)) return value;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return this.#serialized(value, rules, outgoing);
    if (Array.isArray(value)) return eachChild(value, (v) => this.#walk(v, rules, outgoing));
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | null = null;
    // While no key is renamed, the copy is made whole at once (one allocation) and changed values set in it; a renamed
    // key has to take the place of the original, so the copy is then built key by key.
    let keyed = false;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      const v = record[key];
      const k = this.#text(key, rules);
      const w = this.#walk(v, rules, outgoing);
      if (keyed) {
        define(out!, k, w);
      } else if (k !== key) {
        out = copyBefore(out ?? record, key);
        keyed = true;
        define(out, k, w);
      } else if (w !== v) {
        out ??= { ...record };
        define(out, k, w);
      }
    }
    return out ?? record;
  }

  /** A value that says itself how it is written as JSON (a Date, or anything with toJSON) is judged by what it writes. */
  #serialized(value: object, rules: readonly Rule[], outgoing: boolean): unknown {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) return value;
    const written: unknown = JSON.parse(json);
    const out = this.#walk(written, rules, outgoing);
    return out === written ? value : out;
  }

  #text(text: string, rules: readonly Rule[]): string {
    // Most strings fail every detector's cheap test: answered before any table is looked up.
    if (text.length <= this.#maxScanChars && !mayFindAny(rules, text)) return text;
    // A string something was found in is often published again (an event and its copy on the device's topic, the
    // same alert text): it is replaced from the cache, its finds counted again.
    let cache: Map<string, Found> | null = null;
    if (!this.#trying && text.length <= FOUND_CACHE_MAX_CHARS) {
      cache = this.#found.get(rules) ?? null;
      if (cache === null && !this.#found.has(rules)) this.#found.set(rules, (cache = rules.every(deterministic) ? new Map() : null));
    }
    if (cache !== null) {
      const hit = cache.get(text);
      if (hit !== undefined) {
        for (const rule of hit.counted) this.#count(rule);
        return hit.out;
      }
      this.#counting.length = 0;
      this.#recording = true;
    }
    let out = this.#bounded(text);
    try {
      for (const rule of rules) {
        if (rule.replace) out = rule.scanner!.replace(out, this.#replace[rule.index]!);
        else if (rule.scanner!.test(out)) throw this.#drops[rule.index]!;
      }
    } catch (err) {
      this.#recording = false;
      throw err;
    }
    this.#recording = false;
    if (cache !== null && out !== text) {
      if (cache.size >= FOUND_CACHE_ENTRIES) cache.clear();
      cache.set(text, { out, counted: this.#counting.slice() });
    }
    return out;
  }

  #counted(rule: Rule): Replace {
    const replace = rule.replace;
    if (!replace) return (value) => value;
    return (value, kind) => {
      const out = replace(value, kind);
      if (out !== value && !this.#trying) {
        this.#count(rule);
        if (this.#recording) this.#counting.push(rule);
      }
      return out;
    };
  }

  #count(rule: Rule): void {
    if (rule.action === 'hash') this.#tally.hashed(rule);
    else this.#tally.masked(rule);
  }

  /** What a path rule does to the values its paths lead to. */
  #pathUpdate(rule: Rule): Update {
    const paths = rule.paths;
    if (!paths) return (value) => value;
    const scanner = rule.scanner;
    const drop = this.#drops[rule.index]!;
    const replace = this.#replace[rule.index]!;
    let update: Update;
    if (!rule.replace) {
      update = (v) => {
        if (v !== undefined && v !== null && (!scanner || contains(v, (s) => scanner.test(s)))) throw drop;
        return v;
      };
    } else if (scanner) {
      const only = [rule];
      update = (v) => this.#walk(v, only, false);
    } else {
      const whole: Update = (v) =>
        typeof v === 'string' ? replace(v, 'field') : typeof v === 'number' || typeof v === 'bigint' ? replace(String(v), 'field') : eachChild(v, whole);
      update = whole;
    }
    return (value) => paths.reduce((v, path) => updateAt(v, path, update), value);
  }
}

function mayFindAny(rules: readonly Rule[], text: string): boolean {
  for (const rule of rules) if (rule.scanner!.mayFind(text)) return true;
  return false;
}

function looksLikeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b || c === 0x22; // { [ "
  }
  return false;
}

/** Whether any string in `value` (keys included) passes `test`. */
function contains(value: unknown, test: (s: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => contains(v, test));
  for (const key in value) {
    if (Object.hasOwn(value, key) && (test(key) || contains((value as Record<string, unknown>)[key], test))) return true;
  }
  return false;
}

function copyBefore(record: Record<string, unknown>, stop: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    if (key === stop) break;
    if (Object.hasOwn(record, key)) define(out, key, record[key]);
  }
  return out;
}

// Assigning "__proto__" would set the prototype instead of adding the key that JSON.parse made.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
