import type { StateMap } from '../../core/index.js';

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
  property: string;
  model: string | null;
  modelType: string | null;
  manufacturer: string | null;
  room: string | null;
  location: string | null;
  installationDate: string | null;
  replaceByDate: string | null;
  lastTestedDate: string | null;
  /** Latest reading per kind (temperature, humidity, carbon_dioxide, ...). */
  readings: Record<string, Reading>;
  /** The homelink_* event types the device has raised. */
  eventTypes: string[];
  /** actionTimestamp (ms) of the last device message applied. */
  changedAt: number | null;
}

type Described<R> = { [K in keyof R]: R[K] extends string | null ? K : never }[keyof R];

// What describes a device or property, and the payload fields it is read from (first present wins).
const DEVICE_FIELDS: [Described<DeviceRecord>, ...string[]][] = [
  ['model', 'sourceModel', 'model'],
  ['modelType', 'sourceModelType', 'modelType'],
  ['manufacturer', 'manufacturerReference', 'manufacturer'],
  ['room', 'room'],
  ['location', 'location'],
  ['installationDate', 'installationDate'],
  ['replaceByDate', 'replaceByDate', 'replaceDate'],
  ['lastTestedDate', 'lastTestedDate'],
];
const PROPERTY_FIELDS: [Described<PropertyRecord>, ...string[]][] = [
  ['propertyId', 'propertyId'],
  ['displayReference', 'propertyDisplayReference'],
];

const NO_DEVICES: ReadonlySet<string> = new Set();

/**
 * The properties and devices learnt from messages, persisted, with an in-memory index of each
 * property's devices. `learn*` report whether what describes the device or property changed, which is
 * when the device registry hears of it again.
 */
export class Registry {
  readonly #properties: StateMap<PropertyRecord>;
  readonly #devices: StateMap<DeviceRecord>;
  readonly #byProperty = new Map<string, Set<string>>();

  constructor(properties: StateMap<PropertyRecord>, devices: StateMap<DeviceRecord>) {
    this.#properties = properties;
    this.#devices = devices;
    for (const device of devices.values()) this.#index(device);
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

  /** Serials of the property's devices. */
  devicesOf(reference: string): ReadonlySet<string> {
    return this.#byProperty.get(reference) ?? NO_DEVICES;
  }

  /** Adds or updates a property; true when it is new or its description changed. */
  learnProperty(reference: string, payload: Readonly<Record<string, unknown>>): boolean {
    let property = this.#properties.get(reference);
    let changed = false;
    if (!property) {
      property = { reference, propertyId: null, displayReference: null, changedAt: null };
      changed = true;
    }
    changed = copyFields(property, PROPERTY_FIELDS, payload) || changed;
    if (changed) this.#properties.set(reference, property);
    return changed;
  }

  /**
   * Adds or updates a device of `property` that raised `eventType`; true when it is new or its description
   * changed. A device stays with the property it was first seen in: HomeLINK deletes a device before it
   * is installed elsewhere.
   */
  learnDevice(serial: string, property: string, payload: Readonly<Record<string, unknown>>, eventType: string): boolean {
    let device = this.#devices.get(serial);
    let changed = false;
    if (!device) {
      device = { serial, property, model: null, modelType: null, manufacturer: null, room: null, location: null, installationDate: null, replaceByDate: null, lastTestedDate: null, readings: {}, eventTypes: [], changedAt: null };
      this.#index(device);
      changed = true;
    }
    changed = copyFields(device, DEVICE_FIELDS, payload) || changed;
    if (!device.eventTypes.includes(eventType)) {
      device.eventTypes.push(eventType);
      changed = true;
    }
    if (changed) this.#devices.set(serial, device);
    return changed;
  }

  /** Records the actionTimestamp of the last device (or property) message applied. */
  markChanged(record: DeviceRecord | PropertyRecord, at: number): void {
    record.changedAt = at;
    if ('serial' in record) this.#devices.touch(record.serial);
    else this.#properties.touch(record.reference);
  }

  /** Keeps the device's latest reading of a kind; true when the kind is new to the device. */
  setReading(device: DeviceRecord, kind: string, reading: Reading): boolean {
    const added = !(kind in device.readings);
    device.readings[kind] = reading;
    this.#devices.touch(device.serial);
    return added;
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

function copyFields<R>(record: R, fields: [keyof R, ...string[]][], payload: Readonly<Record<string, unknown>>): boolean {
  let changed = false;
  for (const entry of fields) {
    for (let i = 1; i < entry.length; i++) {
      const value = payload[entry[i] as string];
      if (typeof value !== 'string' || value === '') continue;
      if (record[entry[0]] !== value) {
        record[entry[0]] = value as R[keyof R];
        changed = true;
      }
      break;
    }
  }
  return changed;
}
