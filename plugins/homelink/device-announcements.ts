import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DEVICE_REMOVED, DEVICE_UPDATED, type Capability, type Device } from '../../core/index.js';
import { deviceModel, deviceName, manufacturerName } from './device-info.js';
import { DEVICE_EVENT_TYPES } from './homelink-message.js';
import { READING_KINDS } from './readings.js';
import type { DeviceRecord, PropertyRecord, Registry } from './registry.js';
import type { StateTopics } from './state-topics.js';

// The alarm a device's ALARM-category alerts are, by its sourceModelType. A combined fire/CO alarm is announced as
// a smoke alarm: fire is what it most often reports; its alerts say which. CO2 sensors raise CO2_VERY_HIGH.
// A Map, since model types come from payloads: "constructor" must not find Object's.
const ALARM_CLASSES: ReadonlyMap<string, string> = new Map([
  ['FIREALARM', 'smoke'],
  ['FIRECOALARM', 'smoke'],
  ['COALARM', 'carbon_monoxide'],
  ['CO2SENSOR', 'gas'],
  ['ENVCO2SENSOR', 'gas'],
  ['EIACCESSORY', 'safety'],
]);
// Model types that raise no alarm: only a problem (maintenance, fault).
const NO_ALARM: ReadonlySet<string> = new Set(['GATEWAY', 'ENVSENSOR', 'WEATHER', 'ELECTRICITY', 'SMARTMETERELEC', 'SMARTMETERGAS', 'SMARTMETERGASELEC']);
const PROBLEM: Capability = { key: 'problem', type: 'alarm', name: 'Problem', class: 'problem', field: 'problem', attributesField: 'alerts' };
const TIMESTAMPS: readonly [field: 'lastTestedDate' | 'replaceByDate' | 'installationDate', key: string, name: string][] = [
  ['lastTestedDate', 'last_tested', 'Last tested'],
  ['replaceByDate', 'replace_by', 'Replace by'],
  ['installationDate', 'installed', 'Installed'],
];
const SAFE_ID = /^[A-Za-z0-9_-]+$/;
const ANNOUNCE_BATCH = 1000;

export function propertyDeviceId(reference: string): string {
  return `homelink_property_${safeId(reference)}`;
}

export function deviceDeviceId(serial: string): string {
  return `homelink_device_${safeId(serial)}`;
}

/**
 * Tells the shared device registry (DEVICE_UPDATED / DEVICE_REMOVED bus events) about HomeLINK's
 * properties (hubs) and devices: what they are, their retained state topic, and how to read it.
 */
export class DeviceAnnouncer {
  readonly #emit: (type: string, data: unknown) => void;
  readonly #topics: StateTopics;
  readonly #connection: string;
  readonly #deviceEvents: boolean;
  readonly #id: (id: string) => string;

  /** `id`: what a reference or serial becomes before it is part of a device id (the runtime's ctx.id: no personal data in ids). */
  constructor(emit: (type: string, data: unknown) => void, topics: StateTopics, connection: string, deviceEvents: boolean, id: (id: string) => string = (i) => i) {
    this.#id = id;
    this.#emit = emit;
    this.#topics = topics;
    this.#connection = connection;
    this.#deviceEvents = deviceEvents;
  }

  property(property: PropertyRecord): void {
    const device: Device = {
      id: propertyDeviceId(this.#id(property.reference)),
      kind: 'hub',
      name: property.displayReference ? `${property.reference} (${property.displayReference})` : property.reference,
      manufacturer: 'AICO',
      model: 'HomeLINK property',
      connection: this.#connection,
      stateTopic: this.#topics.propertyTopic(property.reference, 'state'),
      capabilities: [{ key: 'alarm', type: 'alarm', name: 'Alarm', class: 'safety', field: 'alarm', attributesField: 'alerts' }, { ...PROBLEM }],
    };
    this.#emit(DEVICE_UPDATED, device);
  }

  device(record: DeviceRecord): void {
    const capabilities: Capability[] = [];
    if (!NO_ALARM.has(record.modelType ?? '')) {
      capabilities.push({ key: 'alarm', type: 'alarm', name: 'Alarm', class: ALARM_CLASSES.get(record.modelType ?? '') ?? 'safety', field: 'alarm', attributesField: 'alerts' });
    }
    capabilities.push({ ...PROBLEM });
    for (const [kind, reading] of Object.entries(record.readings)) {
      const known = READING_KINDS.get(kind);
      const measurement: Capability = { key: kind, type: 'measurement', name: known?.name ?? kind, unit: reading.unit, field: `readings.${kind}` };
      if (known) measurement.class = kind;
      capabilities.push(measurement);
    }
    for (const [field, key, name] of TIMESTAMPS) {
      if (record[field] !== null) capabilities.push({ key, type: 'timestamp', name, class: 'timestamp', field });
    }
    if (this.#deviceEvents) {
      capabilities.push({ key: 'events', type: 'events', name: 'Events', topic: this.#topics.deviceTopic(record, 'event'), eventTypes: [...DEVICE_EVENT_TYPES] });
    }
    const device: Device = {
      id: deviceDeviceId(this.#id(record.serial)),
      kind: 'device',
      name: deviceName(record),
      via: propertyDeviceId(this.#id(record.property)),
      connection: this.#connection,
      stateTopic: this.#topics.deviceTopic(record, 'state'),
      capabilities,
    };
    const manufacturer = manufacturerName(record);
    const model = deviceModel(record);
    const area = record.room ?? record.location;
    if (manufacturer) device.manufacturer = manufacturer;
    if (model) device.model = model;
    if (area) device.area = area;
    this.#emit(DEVICE_UPDATED, device);
  }

  removedProperty(reference: string): void {
    this.removed(propertyDeviceId(this.#id(reference)));
  }

  removedDevice(serial: string): void {
    this.removed(deviceDeviceId(this.#id(serial)));
  }

  removed(id: string): void {
    this.#emit(DEVICE_REMOVED, { id });
  }

  /**
   * Announces every known property and device again (at start, for plugins that keep no state of their own), a
   * batch per event-loop turn so that each batch's garbage can be collected before the next.
   */
  async all(registry: Registry): Promise<void> {
    let n = 0;
    for (const property of registry.properties()) {
      this.property(property);
      if (++n % ANNOUNCE_BATCH === 0) await nextTurn();
    }
    for (const device of registry.devices()) {
      this.device(device);
      if (++n % ANNOUNCE_BATCH === 0) await nextTurn();
    }
  }
}

/** The id as is when it fits a device id; otherwise its safe characters and a hash, so that distinct ids stay distinct. */
function safeId(id: string): string {
  if (SAFE_ID.test(id)) return id;
  return `${id.replace(/[^A-Za-z0-9_-]/g, '_')}_${createHash('sha1').update(id).digest('hex').slice(0, 8)}`;
}
