import { createAjv } from '../../../core/config/ajv.js';
import type { BusEvent, OutboundMessage } from '../../../core/index.js';
import { compileRules, type Rule } from '../../../plugins/privacy/rules.js';
import { Sanitizer, type Tally } from '../../../plugins/privacy/sanitizer.js';
import { schema, type PrivacyOptions } from '../../../plugins/privacy/schema.js';

export const SECRET = 'correct horse battery staple';
export const EVENTS_PREFIX = 'switchboard/events';

/** What a sanitizer reported: counts by `<rule>.hashed` / `<rule>.masked`, drops as `<rule>:<event|message>`. */
export class Recorder implements Tally {
  readonly counts: Record<string, number> = {};
  readonly drops: string[] = [];
  unscannedPayloads = 0;

  hashed(rule: Rule): void {
    this.#add(`${rule.name}.hashed`);
  }

  masked(rule: Rule): void {
    this.#add(`${rule.name}.masked`);
  }

  dropped(rule: Rule, what: 'event' | 'message'): void {
    this.drops.push(`${rule.name}:${what}`);
  }

  unscanned(): void {
    this.unscannedPayloads++;
  }

  #add(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

/** Options as the runtime would give them: validated against the schema, defaults filled in. */
const validate = createAjv().compile(schema);

export function options(raw: Record<string, unknown>): PrivacyOptions {
  const copy = structuredClone(raw);
  if (!validate(copy)) throw new Error(`invalid test options: ${JSON.stringify(validate.errors)}`);
  return copy as PrivacyOptions;
}

/** A sanitizer of these options (validated as the runtime would), and what it reports. */
export function sanitizer(raw: Record<string, unknown>): { sanitizer: Sanitizer; tally: Recorder } {
  const tally = new Recorder();
  return { sanitizer: new Sanitizer(compileRules(options(raw)), EVENTS_PREFIX, tally), tally };
}

export function event(type: string, data: unknown): BusEvent {
  return { type, data, time: '2026-11-20T10:00:00.000Z', source: 'test' };
}

export function message(topic: string, payload: unknown): OutboundMessage {
  return { connection: 'local', topic, payload, qos: 1, retain: false, origin: 'test' };
}

/** Freezes a value and everything in it, so that a test fails if the sanitizer changes its input in place. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
