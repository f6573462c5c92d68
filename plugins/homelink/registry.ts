import type { StateMap } from '../../core/index.js';
import { text } from './homelink-message.js';
import { texts } from './string-pool.js';

export interface PropertyRecord {
  reference: string;
  propertyId: string | null;
  displayReference: string | null;
  /** actionTimestamp (ms) of the last property message applied. */
  changedAt: number | null;
}

export interface Reading {
  value: number;
  unit: string;
  /** When it was read (ms). */
  at: number;
}

export interface DeviceRecord {
  serial: string;
  /** HomeLINK's stable uuid of the installed device (absent in state saved by earlier versions). */
  deviceId?: string | null;
  property: string;
  /** The property's display reference (e.g. "Flat 3"), for the device's name. */
  propertyDisplayReference?: string | null;
  model: string | null;
  modelType: string | null;
  manufacturer: string | null;
  room: string | null;
  location: string | null;
  /** A name the landlord gave the device's location. */
  locationNickname?: string | null;
  installationDate: string | null;
  replaceByDate: string | null;
  lastTestedDate: string | null;
  /** Latest reading per kind (temperature, humidity, carbon_dioxide, ...). */
  readings: Record<string, Reading>;
  /** actionTimestamp (ms) of the last device message applied. */
  changedAt: number | null;
}

/**
 * What a message changed in a device or property: `description` when something the device registry is told
 * (name, model, room, a capability) changed, `value` when only what its state topic shows did, else `none`.
 */
export type Change = 'none' | 'value' | 'description';

type TextField<R> = { [K in keyof R]-?: R[K] extends string | null | undefined ? K : never }[keyof R];

/**
 * How a field of a record counts: `description` (every change describes the record), `capability` (its
 * first value adds a capability, e.g. a device's "Last tested" sensor; later ones are values), `value`.
 */
type Counts = 'description' | 'capability' | 'value';

/** A text field of a record, how it counts, and the payload fields it is read from (first present wins). */
type FieldSource<R> = [field: TextField<R>, counts: Counts, ...payloadFields: string[]];

const DEVICE_FIELDS: FieldSource<DeviceRecord>[] = [
  ['propertyDisplayReference', 'description', 'propertyDisplayReference'],
  ['locationNickname', 'description', 'locationNickname'],
  ['model', 'description', 'sourceModel', 'model'],
  ['modelType', 'description', 'sourceModelType', 'modelType'],
  ['manufacturer', 'description', 'manufacturerReference', 'manufacturer'],
  ['room', 'description', 'room'],
  ['location', 'description', 'location'],
  ['installationDate', 'capability', 'installationDate'],
  ['replaceByDate', 'capability', 'replaceByDate', 'replaceDate'],
  ['lastTestedDate', 'capability', 'lastTestedDate'],
];
const PROPERTY_FIELDS: FieldSource<PropertyRecord>[] = [
  ['propertyId', 'value', 'propertyId'],
  ['displayReference', 'description', 'propertyDisplayReference'],
];

const NO_DEVICES: ReadonlySet<string> = new Set();
const POOLED_DEVICE_FIELDS: readonly (keyof DeviceRecord)[] = ['property', ...DEVICE_FIELDS.map(([field]) => field)];

/**
 * The properties and devices learnt from messages, persisted, with an in-memory index of each
 * property's devices. `learn*` and `setReading` report what changed: the device registry hears of a
 * device or property again only when what describes it changed, never for a new value alone.
 */
export class Registry {
  readonly #properties: StateMap<PropertyRecord>;
  readonly #devices: StateMap<DeviceRecord>;
  readonly #byProperty = new Map<string, Set<string>>();

  constructor(properties: StateMap<PropertyRecord>, devices: StateMap<DeviceRecord>) {
    this.#properties = properties;
    this.#devices = devices;
    // Read back from state, each record has its own copy of every text: one copy of each repeated one is kept,
    // and the serial is the map's key rather than a second copy of it.
    for (const [serial, device] of devices) {
      device.serial = serial;
      texts.fields(device, POOLED_DEVICE_FIELDS);
      for (const reading of Object.values(device.readings)) reading.unit = texts.get(reading.unit);
      this.#index(device);
    }
    for (const property of properties.values()) texts.fields(property, ['displayReference']);
  }

  property(reference: string): PropertyRecord | undefined {
    return this.#properties.get(reference);
  }

  device(serial: string): DeviceRecord | undefined {
    return this.#devices.get(serial);
  }

  properties(): IterableIterator<PropertyRecord> {
    return this.#properties.values();
  }

  devices(): IterableIterator<DeviceRecord> {
    return this.#devices.values();
  }

  /** How many devices are known. */
  get deviceCount(): number {
    return this.#devices.size;
  }

  /** Every device's serial, the first learnt first. */
  serials(): IterableIterator<string> {
    return this.#devices.keys();
  }

  /** Serials of the property's devices. */
  devicesOf(reference: string): ReadonlySet<string> {
    return this.#byProperty.get(reference) ?? NO_DEVICES;
  }

  /** Adds or updates a property from a message's payload; a new property is a change of description. */
  learnProperty(reference: string, payload: Readonly<Record<string, unknown>>): Change {
    let property = this.#properties.get(reference);
    let change: Change = 'none';
    if (!property) {
      property = { reference, propertyId: null, displayReference: null, changedAt: null };
      change = 'description';
    }
    change = larger(change, copyFields(property, PROPERTY_FIELDS, payload));
    if (change !== 'none') this.#properties.set(reference, property);
    return change;
  }

  /**
   * Adds or updates a device of `property` from a message's payload; a new device is a change of
   * description. A device stays with the property it was first seen in: HomeLINK removes a device before
   * it is installed elsewhere (a device message naming another property replaces it).
   */
  learnDevice(serial: string, property: string, payload: Readonly<Record<string, unknown>>): Change {
    let device = this.#devices.get(serial);
    let change: Change = 'none';
    if (!device) {
      // The stable uuid is the installation's identity: taken when the device is first seen, changed only by a device message.
      device = { serial, deviceId: text(payload.deviceId), property: texts.get(property), propertyDisplayReference: null, model: null, modelType: null, manufacturer: null, room: null, location: null, locationNickname: null, installationDate: null, replaceByDate: null, lastTestedDate: null, readings: {}, changedAt: null };
      this.#index(device);
      change = 'description';
    }
    change = larger(change, copyFields(device, DEVICE_FIELDS, payload));
    if (change !== 'none') this.#devices.set(serial, device);
    return change;
  }

  /**
   * Applies a device message (ADD, UPDATE) to the device: what it says is the device as it now is, so a
   * field it sends as null (a nickname taken away) is cleared, not kept.
   */
  describeDevice(device: DeviceRecord, payload: Readonly<Record<string, unknown>>): Change {
    let change = copyFields(device, DEVICE_FIELDS, payload, true);
    const deviceId = text(payload.deviceId);
    if (deviceId !== null && deviceId !== device.deviceId) {
      device.deviceId = deviceId;
      change = larger(change, 'value');
    }
    if (change !== 'none') this.#devices.touch(device.serial);
    return change;
  }

  /** Records the actionTimestamp of the last device (or property) message applied. */
  markChanged(record: DeviceRecord | PropertyRecord, at: number): void {
    record.changedAt = at;
    if ('serial' in record) this.#devices.touch(record.serial);
    else this.#properties.touch(record.reference);
  }

  /** Keeps the device's latest reading of a kind: a change of description when the kind (a capability) or its unit is new. */
  setReading(device: DeviceRecord, kind: string, reading: Reading): Change {
    const previous = Object.hasOwn(device.readings, kind) ? device.readings[kind] : undefined;
    reading.unit = texts.get(reading.unit);
    device.readings[kind] = reading;
    this.#devices.touch(device.serial);
    return previous === undefined || previous.unit !== reading.unit ? 'description' : 'value';
  }

  removeDevice(serial: string): DeviceRecord | undefined {
    const device = this.#devices.get(serial);
    if (!device) return undefined;
    this.#unindex(device);
    this.#devices.delete(serial);
    return device;
  }

  /** Removes a property and its devices; returns the devices removed. */
  removeProperty(reference: string): DeviceRecord[] {
    const removed = [...this.devicesOf(reference)].map((serial) => this.removeDevice(serial)!);
    this.#properties.delete(reference);
    return removed;
  }

  #index(device: DeviceRecord): void {
    let serials = this.#byProperty.get(device.property);
    if (!serials) this.#byProperty.set(device.property, (serials = new Set()));
    serials.add(device.serial);
  }

  #unindex(device: DeviceRecord): void {
    const serials = this.#byProperty.get(device.property);
    serials?.delete(device.serial);
    if (serials?.size === 0) this.#byProperty.delete(device.property);
  }
}

/** The larger of two changes: a change of description is also one of value. */
export function larger(a: Change, b: Change): Change {
  return a === 'description' || b === 'description' ? 'description' : a === 'value' || b === 'value' ? 'value' : 'none';
}

/** Copies the payload's non-empty strings into the record; with `clearNulls`, a field the payload sends as null clears it. */
function copyFields<R>(record: R, fields: FieldSource<R>[], payload: Readonly<Record<string, unknown>>, clearNulls = false): Change {
  let change: Change = 'none';
  for (const entry of fields) {
    for (let i = 2; i < entry.length; i++) {
      const raw = payload[entry[i] as string];
      const value = raw === null || raw === '' ? null : raw;
      if (value === null ? !clearNulls : typeof value !== 'string') continue;
      const current = record[entry[0]] ?? null;
      if (current !== value) {
        record[entry[0]] = texts.get(value) as R[TextField<R>];
        const counts = entry[1];
        // A capability comes with its first value and goes with it.
        const described = counts === 'description' || (counts === 'capability' && (current === null || value === null));
        change = larger(change, described ? 'description' : 'value');
      }
      break;
    }
  }
  return change;
}
