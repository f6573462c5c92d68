import { MessageRejected, type Logger } from '../../core/index.js';
import { kindOf, type AlertBook, type ListedAlert } from './alert-book.js';
import type { Registry } from './registry.js';
import { admit, type QuietItems, type TrackingLimits } from './tracking-cap.js';

export interface TrackingLimiterDeps {
  deviceLimits: TrackingLimits;
  alertLimits: TrackingLimits;
  registry: Registry;
  alerts: AlertBook;
  /** Forgets a device (it has no listed alarm) to make room. */
  evictDevice(serial: string): void;
  /** Forgets a listed alert that is not an alarm to make room. */
  evictAlert(eventId: string): void;
  log: Logger;
  /** By kind (device, alert) and outcome (evicted, refused, over_limit). */
  counter: { inc(labels: { kind: string; outcome: string }): void };
  /** An id as it may appear in a log line. */
  id(id: string): string;
}

type Kind = 'device' | 'alert';
type Outcome = 'evicted' | 'refused' | 'over_limit';

// A flood at a limit would otherwise write a line per message: one line, then a summary at most this often.
const LOG_EVERY_MS = 60_000;

/**
 * Holds the homelink plugin to its limits on tracked devices and listed alerts (tracking-cap.ts decides):
 * before a new device or a new listed alert is tracked, the oldest quiet one is forgotten, or the message
 * is refused (MessageRejected, code `tracking_limit`). An alarm is never forgotten nor refused.
 */
export class TrackingLimiter {
  readonly #d: TrackingLimiterDeps;
  #loggedAt = -Infinity;
  readonly #since = new Map<string, number>();

  constructor(deps: TrackingLimiterDeps) {
    this.#d = deps;
  }

  /** Makes room for the new device `serial` of `property`; `alarm`: the message raises an alarm on it. */
  admitDevice(serial: string, property: string, alarm: boolean): void {
    const { registry, alerts } = this.#d;
    const quiet = (serials: Iterable<string>): string | undefined => {
      for (const s of serials) if (!alerts.deviceHas(s, 'alarm')) return s;
      return undefined;
    };
    const quietDevices: QuietItems = {
      oldestInProperty: () => quiet(registry.devicesOf(property)),
      oldestAnywhere: () => quiet(registry.serials()),
    };
    const counts = { property: registry.devicesOf(property).size, total: registry.deviceCount };
    this.#enforce('device', serial, property, admit(this.#d.deviceLimits, counts, alarm, quietDevices), (victim) => this.#d.evictDevice(victim));
  }

  /** Makes room for a new listed alert `eventId` against a device of `property`; `alarm`: it is an alarm. */
  admitAlert(eventId: string, property: string, alarm: boolean): void {
    const { registry, alerts } = this.#d;
    const problem = (list: Iterable<ListedAlert>): string | undefined => {
      for (const a of list) if (kindOf(a) === 'problem') return a.eventId;
      return undefined;
    };
    const quietAlerts: QuietItems = {
      oldestInProperty: () => {
        let oldest: ListedAlert | undefined;
        for (const serial of registry.devicesOf(property)) {
          for (const a of alerts.ofDevice(serial)) if (kindOf(a) === 'problem' && (!oldest || a.at < oldest.at)) oldest = a;
        }
        return oldest?.eventId;
      },
      oldestAnywhere: () => problem(alerts.all()),
    };
    const counts = { property: alerts.countOfProperty(property, 'alarm') + alerts.countOfProperty(property, 'problem'), total: alerts.size };
    this.#enforce('alert', eventId, property, admit(this.#d.alertLimits, counts, alarm, quietAlerts), (victim) => this.#d.evictAlert(victim));
  }

  #enforce(kind: Kind, id: string, property: string, admission: ReturnType<typeof admit>, evict: (victim: string) => void): void {
    const limits = kind === 'device' ? this.#d.deviceLimits : this.#d.alertLimits;
    if (!admission.track) {
      this.#note(kind, 'refused', { [kind]: this.#d.id(id), property: this.#d.id(property), reason: admission.reason, limits });
      throw new MessageRejected(`not tracking the new ${kind}: ${admission.reason}`, 'tracking_limit');
    }
    for (const victim of admission.evict) {
      evict(victim);
      this.#note(kind, 'evicted', { [kind]: this.#d.id(victim), for: this.#d.id(id), limits });
    }
    if (admission.overLimit) this.#note(kind, 'over_limit', { [kind]: this.#d.id(id), property: this.#d.id(property), limits });
  }

  #note(kind: Kind, outcome: Outcome, fields: Record<string, unknown>): void {
    this.#d.counter.inc({ kind, outcome });
    const key = `${kind} ${outcome}`;
    this.#since.set(key, (this.#since.get(key) ?? 0) + 1);
    const now = Date.now();
    if (now - this.#loggedAt < LOG_EVERY_MS) return;
    this.#loggedAt = now;
    const counts = Object.fromEntries(this.#since);
    this.#since.clear();
    this.#d.log.warn({ ...fields, outcome, counts }, MESSAGES[kind][outcome]);
  }
}

// Lines after the first in a minute are left out; `counts` in the next line says how many of each there were.
const MESSAGES: Record<Kind, Record<Outcome, string>> = {
  device: {
    evicted: 'tracking limit reached: forgot the oldest device without a listed alarm to make room for a new one',
    refused: 'tracking limit reached: refused a new device, since every tracked device has a listed alarm',
    over_limit: 'tracking limit reached: tracking a new device over the limit for its alarm, since every tracked device has a listed alarm',
  },
  alert: {
    evicted: 'tracking limit reached: forgot the oldest listed alert that is not an alarm to make room for a new one',
    refused: 'tracking limit reached: refused a new alert, since every listed alert is an alarm',
    over_limit: 'tracking limit reached: listing a new alarm over the limit, since every listed alert is an alarm',
  },
};
