import { createHash } from 'node:crypto';
import { DEVICE_REMOVED, DEVICE_UPDATED, topicLevel, type Capability, type Device, type RetainedTopics, type StateMap } from '../../core/index.js';

/** A module status as a capability of its system's device. */
export interface StatusRecord {
  module: string;
  index: number;
  status: string;
  type: 'binary' | 'measurement' | 'text';
  /** What the state topic holds for it: ON/OFF, a number or text. */
  value: string | number;
}

export interface SystemRecord {
  statuses: Record<string, StatusRecord>;
}

/** Home Assistant keeps at most this many characters of a sensor's state. */
const MAX_TEXT = 255;
const SAFE_ID = /^[A-Za-z0-9_-]+$/;

export interface SystemDevicesOptions {
  systems: StateMap<SystemRecord>;
  topics: RetainedTopics;
  emit: (type: string, data: unknown) => void;
  name: (system: string) => string | null;
  prefix: string;
  connection: string;
}

/**
 * PlaceOS systems as devices of the shared registry (DEVICE_UPDATED / DEVICE_REMOVED bus events): one device
 * per system, named from its metadata, with one capability per module status, read from a retained JSON
 * state topic per system. Booleans are binary capabilities, numbers measurements, anything else text.
 * A status set to null, or cleared by PlaceOS, loses its capability; a system whose metadata is removed is
 * removed. Kept in the plugin's state, so that every device is announced again at start.
 */
export class SystemDevices {
  readonly #o: SystemDevicesOptions;
  /** What was last announced per system in this run, so that a value change announces nothing. */
  readonly #announced = new Map<string, string>();

  constructor(options: SystemDevicesOptions) {
    this.#o = options;
  }

  /** A status's new value; null removes it. */
  status(system: string, module: string, index: number, status: string, value: unknown): void {
    const key = capabilityKey(module, index, status);
    const record = this.#o.systems.get(system) ?? { statuses: {} };
    if (value === null || value === undefined) {
      if (!(key in record.statuses)) return;
      const { [key]: _removed, ...statuses } = record.statuses;
      this.#save(system, { statuses });
      return;
    }
    const next: StatusRecord = { module, index, status, ...stateValue(value) };
    const before = record.statuses[key];
    if (before && before.type === next.type && before.value === next.value) return;
    this.#save(system, { statuses: { ...record.statuses, [key]: next } });
  }

  /** The system's name changed: announce it again, if it is known. */
  renamed(system: string): void {
    if (this.#o.systems.has(system)) this.#announce(system, this.#o.systems.get(system)!);
  }

  /** The system's metadata was removed: so are its device and state topic. */
  removed(system: string): void {
    if (!this.#o.systems.delete(system)) return;
    this.#announced.delete(system);
    this.#o.topics.delete(this.stateTopic(system));
    this.#o.emit(DEVICE_REMOVED, { id: deviceId(system) });
  }

  /** At start: publishes every state topic, clears those of systems no longer known, announces every device. */
  all(): void {
    const current = new Set<string>();
    for (const [system, record] of this.#o.systems) {
      current.add(this.stateTopic(system));
      this.#o.topics.set(this.stateTopic(system), stateOf(record));
      this.#announce(system, record);
    }
    for (const topic of this.#o.topics.topics()) if (!current.has(topic)) this.#o.topics.delete(topic);
  }

  stateTopic(system: string): string {
    return `${this.#o.prefix}/${topicLevel(system)}/state`;
  }

  #save(system: string, record: SystemRecord): void {
    this.#o.systems.set(system, record);
    this.#o.topics.set(this.stateTopic(system), stateOf(record));
    this.#announce(system, record);
  }

  #announce(system: string, record: SystemRecord): void {
    const capabilities: Capability[] = Object.entries(record.statuses).map(([key, s]) => ({
      key,
      type: s.type,
      name: `${s.module} ${s.index} ${s.status}`,
      field: key,
    }));
    const device: Device = {
      id: deviceId(system),
      kind: 'device',
      name: this.#o.name(system) ?? `PlaceOS system ${system}`,
      manufacturer: 'PlaceOS',
      model: 'System',
      connection: this.#o.connection,
      stateTopic: this.stateTopic(system),
      capabilities,
    };
    const text = JSON.stringify(device);
    if (this.#announced.get(system) === text) return;
    this.#announced.set(system, text);
    this.#o.emit(DEVICE_UPDATED, device);
  }
}

export function deviceId(system: string): string {
  return `placeos_system_${safe(system)}`;
}

/** `<module>_<index>_<status>` in the registry's key alphabet ([a-z0-9_]), with a hash of the original when that changed it. */
export function capabilityKey(module: string, index: number, status: string): string {
  const original = `${module}_${index}_${status}`;
  const key = original.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return key === original ? key : `${key}_${hash(original)}`;
}

function stateValue(value: unknown): Pick<StatusRecord, 'type' | 'value'> {
  if (typeof value === 'boolean') return { type: 'binary', value: value ? 'ON' : 'OFF' };
  if (typeof value === 'number') return { type: 'measurement', value };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { type: 'text', value: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text };
}

function stateOf(record: SystemRecord): Record<string, string | number> {
  return Object.fromEntries(Object.entries(record.statuses).map(([key, s]) => [key, s.value]));
}

function safe(id: string): string {
  return SAFE_ID.test(id) ? id : `${id.replace(/[^A-Za-z0-9_-]/g, '_')}_${hash(id)}`;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 8);
}
