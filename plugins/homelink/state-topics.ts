import { setTimeout as sleep } from 'node:timers/promises';
import { topicLevel, type Logger, type RetainedTopics } from '../../core/index.js';
import type { AlertBook, ListedAlert } from './alert-book.js';
import { manufacturerName } from './device-info.js';
import { eventCategory } from './event-types.js';
import type { DeviceRecord, Registry } from './registry.js';

/** One of the device's topics: `<statePrefix>/<property>/<device>/<leaf>`. */
export type DeviceLeaf = 'state' | 'alerts' | 'event';
/** One of the property's topics: `<statePrefix>/<property>/<leaf>`. */
export type PropertyLeaf = 'state' | 'alarm' | 'problem';
const PROPERTY_LEAVES: readonly PropertyLeaf[] = ['state', 'alarm', 'problem'];
/** Properties or devices set again at start before waiting for the retained topics to publish them. */
const REPUBLISH_BATCH = 500;
const REPUBLISH_WAIT_MS = 10;

/**
 * A value serialized when it is published, so that marking a topic changed costs nothing per message. Made
 * afresh each time (it lives only until the next flush) rather than kept per device: at 100 000 devices a
 * kept pair of closures per device was tens of megabytes.
 */
class LazyJson {
  readonly #build: (id: string) => unknown;
  readonly #id: string;

  constructor(build: (id: string) => unknown, id: string) {
    this.#build = build;
    this.#id = id;
  }

  toJSON(): unknown {
    return this.#build(this.#id);
  }
}

export interface StateTopicsDeps {
  retained: RetainedTopics;
  prefix: string;
  registry: Registry;
  alerts: AlertBook;
  log: Logger;
  /** Counts ids that had to be escaped to become topic levels. */
  unsafeIds: { inc(): void };
  /** What an id becomes before it is a topic level (the runtime's ctx.id: no personal data in topics). */
  id?: (id: string) => string;
}

/**
 * The retained topics of properties and devices. Handlers only mark a topic changed (`device`,
 * `property`); what is published is built from the registry and the alerts when the retained topics
 * are flushed, once per interval however many messages came in. Ids become topic levels through
 * topicLevel (wildcards, "/" and control characters escaped), and an escaped id is logged.
 */
export class StateTopics {
  readonly #retained: RetainedTopics;
  readonly #prefix: string;
  readonly #registry: Registry;
  readonly #alerts: AlertBook;
  readonly #log: Logger;
  readonly #unsafeIds: { inc(): void };
  readonly #id: (id: string) => string;
  readonly #levels = new Map<string, string>();
  readonly #deviceState = (serial: string): unknown => this.#deviceStateOf(serial);
  readonly #deviceAlerts = (serial: string): unknown => this.#alertList(serial);
  readonly #propertyState = (reference: string): unknown => this.#propertyStateOf(reference);

  constructor(deps: StateTopicsDeps) {
    this.#retained = deps.retained;
    this.#prefix = deps.prefix;
    this.#registry = deps.registry;
    this.#alerts = deps.alerts;
    this.#log = deps.log;
    this.#unsafeIds = deps.unsafeIds;
    this.#id = deps.id ?? ((id) => id);
  }

  deviceTopic(device: DeviceRecord, leaf: DeviceLeaf): string {
    return `${this.#prefix}/${this.#level(device.property, 'propertyReference')}/${this.#level(device.serial, 'deviceSerialNumber')}/${leaf}`;
  }

  propertyTopic(reference: string, leaf: PropertyLeaf): string {
    return `${this.#prefix}/${this.#level(reference, 'propertyReference')}/${leaf}`;
  }

  /** The device's state or alerts changed. */
  device(serial: string): void {
    const device = this.#registry.device(serial);
    if (!device) return;
    this.#retained.set(this.deviceTopic(device, 'state'), new LazyJson(this.#deviceState, serial));
    this.#retained.set(this.deviceTopic(device, 'alerts'), new LazyJson(this.#deviceAlerts, serial));
  }

  /** The property's alarm, problem or state may have changed (refreshed after every alert, device and property message). */
  property(reference: string): void {
    if (!this.#registry.property(reference)) return;
    this.#retained.set(this.propertyTopic(reference, 'state'), new LazyJson(this.#propertyState, reference));
    this.#retained.set(this.propertyTopic(reference, 'alarm'), onOff(this.#alerts.countOfProperty(reference, 'alarm') > 0));
    this.#retained.set(this.propertyTopic(reference, 'problem'), onOff(this.#alerts.countOfProperty(reference, 'problem') > 0));
  }

  /** Clears a removed device's topics from the broker. */
  removeDevice(device: DeviceRecord): void {
    this.#retained.delete(this.deviceTopic(device, 'state'));
    this.#retained.delete(this.deviceTopic(device, 'alerts'));
    this.#levels.delete(device.serial);
  }

  removeProperty(reference: string): void {
    for (const leaf of PROPERTY_LEAVES) this.#retained.delete(this.propertyTopic(reference, leaf));
  }

  /**
   * Publishes every property's and device's topics from the persisted state, then clears those of earlier runs
   * that are gone. A batch at a time, the next once the retained topics have published most of the one before:
   * at 100 000 devices, setting every topic at once held 230 000 pending values in memory while the broker took
   * them. Given up (and nothing cleared) once `stopped` says so.
   */
  async publishAll(stopped: () => boolean): Promise<void> {
    let n = 0;
    const each = async (set: () => void): Promise<void> => {
      set();
      if (++n % REPUBLISH_BATCH === 0) while (this.#retained.pending > REPUBLISH_BATCH && !stopped()) await sleep(REPUBLISH_WAIT_MS);
    };
    for (const property of this.#registry.properties()) {
      if (stopped()) return;
      await each(() => this.property(property.reference));
    }
    for (const device of this.#registry.devices()) {
      if (stopped()) return;
      await each(() => this.device(device.serial));
    }
    if (!stopped()) this.#retained.clearUnset();
  }

  #deviceStateOf(serial: string): unknown {
    const device = this.#registry.device(serial);
    if (!device) return null;
    const readings: Record<string, number> = {};
    for (const [kind, reading] of Object.entries(device.readings)) readings[kind] = reading.value;
    return {
      serial: device.serial,
      deviceId: device.deviceId ?? null,
      property: device.property,
      alarm: onOff(this.#alerts.deviceHas(serial, 'alarm')),
      problem: onOff(this.#alerts.deviceHas(serial, 'problem')),
      alerts: this.#alertList(serial),
      model: device.model,
      modelType: device.modelType,
      manufacturer: manufacturerName(device),
      room: device.room,
      location: device.location,
      locationNickname: device.locationNickname ?? null,
      readings,
      installationDate: device.installationDate,
      replaceByDate: device.replaceByDate,
      lastTestedDate: device.lastTestedDate,
    };
  }

  #alertList(serial: string): unknown[] {
    return this.#alerts.ofDevice(serial).map(alertEntry);
  }

  #propertyStateOf(reference: string): unknown {
    const property = this.#registry.property(reference);
    if (!property) return null;
    // A summary per device in alarm: the property's whole alert list would be too large to publish on every change.
    const alerts: unknown[] = [];
    for (const serial of this.#registry.devicesOf(reference)) {
      const listed = this.#alerts.ofDevice(serial);
      if (listed.length === 0) continue;
      const device = this.#registry.device(serial)!;
      const statuses = new Set<string>();
      for (const alert of listed) statuses.add(alert.status);
      alerts.push({ device: serial, room: device.room, location: device.location, count: listed.length, alertstatus: [...statuses] });
    }
    return {
      reference: property.reference,
      propertyId: property.propertyId,
      displayReference: property.displayReference,
      alarm: onOff(this.#alerts.countOfProperty(reference, 'alarm') > 0),
      problem: onOff(this.#alerts.countOfProperty(reference, 'problem') > 0),
      devices: this.#registry.devicesOf(reference).size,
      alerts,
    };
  }

  #level(id: string, field: string): string {
    let level = this.#levels.get(id);
    if (level === undefined) {
      const guarded = this.#id(id);
      level = topicLevel(guarded);
      this.#levels.set(id, level);
      if (level !== guarded) {
        this.#unsafeIds.inc();
        this.#log.warn({ field, id: guarded, escaped: level }, `${field} ${JSON.stringify(guarded)} cannot be a topic level as it is (wildcards, "/", "%" or control characters); it is published as ${level}`);
      }
    }
    return level;
  }
}

function onOff(on: boolean): 'ON' | 'OFF' {
  return on ? 'ON' : 'OFF';
}

function alertEntry(alert: ListedAlert): unknown {
  return { alertid: alert.eventId, alertstatus: alert.status, eventtype: alert.eventType, category: eventCategory(alert.eventType) ?? null, severity: alert.severity, raiseddate: alert.raisedDate, description: alert.description };
}
