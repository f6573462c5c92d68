import type { StateMap } from '../../core/index.js';
import { NONE, nextAlertState, type AlertInput, type AlertState, type AlertStep } from './alert-status.js';
import { isAlarmType } from './event-types.js';
import type { RecentIds } from './recent-ids.js';
import { texts } from './string-pool.js';

/** The fields of a listed alert that many alerts repeat: one copy of each in memory. */
const POOLED: readonly (keyof ListedAlert)[] = ['property', 'status', 'eventType', 'severity', 'raisedDate'];

/** An alert listed against a device, as persisted and published. */
export interface ListedAlert {
  eventId: string;
  device: string;
  property: string;
  /** The alert's type, or CANCEL once silenced. */
  status: string;
  /** The last actionTimestamp (ms) that moved it. */
  at: number;
  eventType: string | null;
  severity: string | null;
  raisedDate: string | null;
  description: string | null;
}

export type AlertDetails = Pick<ListedAlert, 'eventType' | 'severity' | 'raisedDate' | 'description'>;

/** Where a raise lists a new alert. */
export interface AlertOwner {
  device: string;
  property: string;
}

export interface AlertChange {
  step: AlertStep;
  /** Whether the alert's state moved (listed, status changed, cleared). */
  changed: boolean;
  /** The device the alert is (or was) listed against, when the change concerns one. */
  owner: AlertOwner | undefined;
}

const NO_ALERTS: readonly ListedAlert[] = [];

/** What a listed alert puts its device and property in: `alarm` for an ALARM-category type, else `problem`. */
export type AlertKind = 'alarm' | 'problem';

export function kindOf(alert: Pick<ListedAlert, 'eventType'>): AlertKind {
  return isAlarmType(alert.eventType) ? 'alarm' : 'problem';
}

/**
 * Every alert's state: the listed ones (persisted, indexed by device and counted by property and kind, so that
 * nothing is scanned per message) and the cleared ones as tombstones. Moves go through the state machine
 * of alert-status.ts; an alert raised with no device to list it against is remembered like a cleared one,
 * so that its repeats are still recognised.
 */
export class AlertBook {
  readonly #listed: StateMap<ListedAlert>;
  readonly #tombstones: RecentIds;
  /** A device's one alert as it is (most devices list one at most), or its alerts by id: a Map per device would cost more than the alert. */
  readonly #byDevice = new Map<string, ListedAlert | Map<string, ListedAlert>>();
  readonly #perProperty: Record<AlertKind, Map<string, number>> = { alarm: new Map(), problem: new Map() };
  readonly #serial: (device: string) => string | undefined;

  /** `serial` gives the registry's copy of a device's serial, so that alerts read back from state do not keep one each. */
  constructor(listed: StateMap<ListedAlert>, tombstones: RecentIds, serial: (device: string) => string | undefined = () => undefined) {
    this.#listed = listed;
    this.#tombstones = tombstones;
    this.#serial = serial;
    for (const [eventId, alert] of listed) {
      alert.eventId = eventId;
      alert.device = serial(alert.device) ?? alert.device;
      texts.fields(alert, POOLED);
      this.#index(alert);
    }
  }

  /** How many alerts are listed. */
  get size(): number {
    return this.#listed.size;
  }

  state(eventId: string): AlertState {
    const listed = this.#listed.get(eventId);
    if (listed) return { phase: 'listed', type: listed.eventType ?? listed.status, status: listed.status, at: listed.at };
    const at = this.#tombstones.get(eventId);
    return at === undefined ? NONE : { phase: 'cleared', at };
  }

  /** The listed alert `eventId`, or undefined when it is not listed. */
  listed(eventId: string): Readonly<ListedAlert> | undefined {
    return this.#listed.get(eventId);
  }

  /** Applies what a message says about alert `eventId`; `owner` and `details` come with a raise. */
  apply(eventId: string, input: AlertInput, owner?: AlertOwner, details?: AlertDetails): AlertChange {
    const before = this.state(eventId);
    const step = nextAlertState(before, input);
    const current = this.#listed.get(eventId);
    const next = step.state;
    if (step.stale || next === before || next.phase === 'none') return { step, changed: false, owner: current };
    if (next.phase === 'cleared') {
      if (current) this.#remove(current);
      this.#tombstones.set(eventId, next.at);
      return { step, changed: true, owner: current };
    }
    if (current) {
      this.#count(current, -1);
      current.status = next.status;
      current.at = next.at;
      if (details) Object.assign(current, details);
      texts.fields(current, POOLED);
      this.#count(current, 1);
      this.#listed.touch(eventId);
      return { step, changed: true, owner: current };
    }
    if (!owner) {
      this.#tombstones.set(eventId, next.at);
      return { step, changed: true, owner: undefined };
    }
    const alert: ListedAlert = { eventId, device: this.#serial(owner.device) ?? owner.device, property: owner.property, status: next.status, at: next.at, eventType: null, severity: null, raisedDate: null, description: null, ...details };
    texts.fields(alert, POOLED);
    this.#tombstones.delete(eventId);
    this.#listed.set(eventId, alert);
    this.#index(alert);
    return { step, changed: true, owner };
  }

  /** Every listed alert, the first listed first. */
  all(): IterableIterator<ListedAlert> {
    return this.#listed.values();
  }

  /** Forgets a listed alert to make room (a tracking limit): cleared as of its last change, so that its repeats are still recognised. */
  evict(eventId: string): ListedAlert | undefined {
    const alert = this.#listed.get(eventId);
    if (!alert) return undefined;
    this.#remove(alert);
    this.#tombstones.set(eventId, alert.at);
    return alert;
  }

  /** The device's listed alerts, oldest first. */
  ofDevice(device: string): readonly ListedAlert[] {
    const listed = this.#byDevice.get(device);
    if (listed === undefined) return NO_ALERTS;
    return listed instanceof Map ? [...listed.values()] : [listed];
  }

  /** Whether the device has a listed alert of this kind (an alarm, in alarm or silenced; a problem). */
  deviceHas(device: string, kind: AlertKind): boolean {
    const listed = this.#byDevice.get(device);
    if (listed === undefined) return false;
    if (!(listed instanceof Map)) return kindOf(listed) === kind;
    for (const alert of listed.values()) if (kindOf(alert) === kind) return true;
    return false;
  }

  /** How many alerts of this kind are listed against the property's devices. */
  countOfProperty(property: string, kind: AlertKind): number {
    return this.#perProperty[kind].get(property) ?? 0;
  }

  /** Clears the device's alerts (the device was removed); each keeps a tombstone at `at` or its own later time. */
  clearDevice(device: string, at: number): void {
    for (const alert of this.ofDevice(device)) {
      this.#remove(alert);
      this.#tombstones.set(alert.eventId, Math.max(at, alert.at));
    }
  }

  #index(alert: ListedAlert): void {
    const listed = this.#byDevice.get(alert.device);
    if (listed === undefined || (!(listed instanceof Map) && listed.eventId === alert.eventId)) this.#byDevice.set(alert.device, alert);
    else if (listed instanceof Map) listed.set(alert.eventId, alert);
    else this.#byDevice.set(alert.device, new Map([[listed.eventId, listed], [alert.eventId, alert]]));
    this.#count(alert, 1);
  }

  #count(alert: ListedAlert, by: 1 | -1): void {
    const counts = this.#perProperty[kindOf(alert)];
    const n = (counts.get(alert.property) ?? 0) + by;
    if (n > 0) counts.set(alert.property, n);
    else counts.delete(alert.property);
  }

  #remove(alert: ListedAlert): void {
    this.#listed.delete(alert.eventId);
    const listed = this.#byDevice.get(alert.device);
    if (listed instanceof Map) {
      listed.delete(alert.eventId);
      if (listed.size === 1) this.#byDevice.set(alert.device, listed.values().next().value!);
    } else if (listed?.eventId === alert.eventId) {
      this.#byDevice.delete(alert.device);
    }
    this.#count(alert, -1);
  }
}
