import type { StateMap } from '../../core/index.js';
import { CANCEL, NONE, nextAlertState, type AlertInput, type AlertState, type AlertStep } from './alert-status.js';
import type { RecentIds } from './recent-ids.js';

/** An alert listed against a device, as persisted and published. */
export interface ListedAlert {
  eventId: string;
  device: string;
  property: string;
  /** The alarm type, or CANCEL once silenced. */
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
  /** The device the alert is (or was) listed against, when the change concerns one. */
  owner: AlertOwner | undefined;
}

const NO_ALERTS: ReadonlyMap<string, ListedAlert> = new Map();

/**
 * Every alert's state: the listed ones (persisted, indexed by device and counted by property, so that
 * nothing is scanned per message) and the cleared ones as tombstones. Moves go through the state machine
 * of alert-status.ts; an alert raised with no device to list it against is remembered like a cleared one,
 * so that its repeats are still recognised.
 */
export class AlertBook {
  readonly #listed: StateMap<ListedAlert>;
  readonly #tombstones: RecentIds;
  readonly #byDevice = new Map<string, Map<string, ListedAlert>>();
  readonly #perProperty = new Map<string, number>();

  constructor(listed: StateMap<ListedAlert>, tombstones: RecentIds) {
    this.#listed = listed;
    this.#tombstones = tombstones;
    for (const alert of listed.values()) this.#index(alert);
  }

  /** How many alerts are listed. */
  get size(): number {
    return this.#listed.size;
  }

  state(eventId: string): AlertState {
    const listed = this.#listed.get(eventId);
    if (listed) return { phase: 'listed', status: listed.status, at: listed.at };
    const at = this.#tombstones.get(eventId);
    return at === undefined ? NONE : { phase: 'cleared', at };
  }

  /** Applies what a message says about alert `eventId`; `owner` and `details` come with a raise. */
  apply(eventId: string, input: AlertInput, owner?: AlertOwner, details?: AlertDetails): AlertChange {
    const before = this.state(eventId);
    const step = nextAlertState(before, input);
    const current = this.#listed.get(eventId);
    const next = step.state;
    if (step.stale || next === before || next.phase === 'none') return { step, owner: current };
    if (next.phase === 'cleared') {
      if (current) this.#remove(current);
      this.#tombstones.set(eventId, next.at);
      return { step, owner: current };
    }
    if (current) {
      current.status = next.status;
      current.at = next.at;
      if (details) Object.assign(current, details);
      this.#listed.touch(eventId);
      return { step, owner: current };
    }
    if (!owner) {
      this.#tombstones.set(eventId, next.at);
      return { step, owner: undefined };
    }
    const alert: ListedAlert = { eventId, device: owner.device, property: owner.property, status: next.status, at: next.at, eventType: null, severity: null, raisedDate: null, description: null, ...details };
    this.#tombstones.delete(eventId);
    this.#listed.set(eventId, alert);
    this.#index(alert);
    return { step, owner };
  }

  /** The device's listed alerts, oldest first. */
  ofDevice(device: string): ReadonlyMap<string, ListedAlert> {
    return this.#byDevice.get(device) ?? NO_ALERTS;
  }

  /** Ids of the device's alerts that are in an alarm state (not silenced). */
  alarming(device: string): string[] {
    const ids: string[] = [];
    for (const alert of this.ofDevice(device).values()) if (alert.status !== CANCEL) ids.push(alert.eventId);
    return ids;
  }

  /** How many alerts are listed against the property's devices. */
  countOfProperty(property: string): number {
    return this.#perProperty.get(property) ?? 0;
  }

  /** Clears the device's alerts (the device was deleted); each keeps a tombstone at `at` or its own later time. */
  clearDevice(device: string, at: number): void {
    for (const alert of [...this.ofDevice(device).values()]) {
      this.#remove(alert);
      this.#tombstones.set(alert.eventId, Math.max(at, alert.at));
    }
  }

  #index(alert: ListedAlert): void {
    let alerts = this.#byDevice.get(alert.device);
    if (!alerts) this.#byDevice.set(alert.device, (alerts = new Map()));
    alerts.set(alert.eventId, alert);
    this.#perProperty.set(alert.property, this.countOfProperty(alert.property) + 1);
  }

  #remove(alert: ListedAlert): void {
    this.#listed.delete(alert.eventId);
    const alerts = this.#byDevice.get(alert.device);
    alerts?.delete(alert.eventId);
    if (alerts?.size === 0) this.#byDevice.delete(alert.device);
    const left = this.countOfProperty(alert.property) - 1;
    if (left > 0) this.#perProperty.set(alert.property, left);
    else this.#perProperty.delete(alert.property);
  }
}
