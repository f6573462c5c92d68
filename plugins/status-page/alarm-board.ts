import { DEVICE_REMOVED, DEVICE_UPDATED, type BusEvent, type Device } from '../../core/index.js';

/**
 * alarm: in alarm with an alert still sounding (or none listed); silenced: in alarm, every alert silenced
 * (CANCEL); problem: alerts listed (maintenance, faults) but not in alarm; ok: nothing listed.
 */
export type Condition = 'alarm' | 'silenced' | 'problem' | 'ok';
const RANK: Readonly<Record<Condition, number>> = { alarm: 3, silenced: 2, problem: 1, ok: 0 };

/** A device as the board shows it: what the registry announced, and what its state says of its alarm. */
export interface BoardDevice {
  id: string;
  name: string;
  kind: 'hub' | 'device';
  source: string;
  model?: string;
  area?: string;
  /** The alarm capability's value is ON. */
  alarm: boolean;
  /** The alarm capability's details: the alerts listed against it, each with its alertstatus. */
  alerts: Record<string, unknown>[];
  condition: Condition;
  /** Its other capabilities' values, read from the state (undefined until published). */
  values: BoardValue[];
}

export interface BoardValue {
  key: string;
  name: string;
  type: string;
  value?: unknown;
  unit?: string;
}

export interface BoardHub extends BoardDevice {
  devices: BoardDevice[];
}

export interface Board {
  hubs: BoardHub[];
  /** Devices with an alarm whose hub is not known. */
  unattached: BoardDevice[];
  /** Devices with no alarm and no known hub, e.g. PlaceOS systems: shown apart from the alarm board. */
  others: BoardDevice[];
}

interface Entry {
  device: Device;
  source: string;
  /** What the board shows of the latest state published (JSON of Shown), null until one is: the rest of the state is not kept. */
  shown: string | null;
}

/** The parts of a device's state the board shows: its alarm capability's value and details, its other capabilities' values by key. */
interface Shown {
  alarm?: unknown;
  details?: unknown;
  values: Record<string, unknown>;
}

/** Devices of one kind announce the same capabilities: one shared copy of each list, up to this many lists. */
const SHARED_CAPABILITIES = 1000;

/**
 * The alarm board, fed only by what the core sees: the device registry's bus events (which device,
 * which hub, where its state is) and the state messages the plugins publish (after the guards). Any
 * plugin that announces devices with an alarm capability shows here; the core knows none of them.
 */
export class AlarmBoard {
  readonly #devices = new Map<string, Entry>();
  /** Connection -> each device's state topic there -> device id. */
  readonly #byTopic = new Map<string, Map<string, string>>();
  readonly #capabilities = new Map<string, Device['capabilities']>();

  /** Takes a bus event; true if the board changed. */
  event(event: BusEvent): boolean {
    if (event.type === DEVICE_UPDATED) {
      const device = event.data as Device;
      if (!device || typeof device.id !== 'string') return false;
      const old = this.#devices.get(device.id);
      if (old) this.#forgetTopic(old.device);
      // Not the events capability: its list of every event type, per device, would be most of the board's memory at 100 000 devices.
      const shown: Device = { ...device, capabilities: this.#shared(device.capabilities.filter((c) => c.type !== 'events')) };
      this.#devices.set(device.id, { device: shown, source: event.source, shown: old?.shown ?? null });
      let topics = this.#byTopic.get(device.connection);
      if (!topics) this.#byTopic.set(device.connection, (topics = new Map()));
      topics.set(device.stateTopic, device.id);
      return true;
    }
    if (event.type === DEVICE_REMOVED) {
      const id = (event.data as { id?: unknown } | null)?.id;
      const old = typeof id === 'string' ? this.#devices.get(id) : undefined;
      if (!old) return false;
      this.#devices.delete(old.device.id);
      this.#forgetTopic(old.device);
      return true;
    }
    return false;
  }

  /** Takes a published message; true if it was a known device's state. */
  published(connection: string, topic: string, body: string | Buffer): boolean {
    const id = this.#byTopic.get(connection)?.get(topic);
    if (id === undefined) return false;
    const entry = this.#devices.get(id)!;
    entry.shown = body.length === 0 ? null : shownOf(entry.device, parse(body));
    return true;
  }

  #forgetTopic(device: Device): void {
    const topics = this.#byTopic.get(device.connection);
    topics?.delete(device.stateTopic);
    if (topics?.size === 0) this.#byTopic.delete(device.connection);
  }

  #shared(capabilities: Device['capabilities']): Device['capabilities'] {
    const text = JSON.stringify(capabilities);
    const known = this.#capabilities.get(text);
    if (known) return known;
    if (this.#capabilities.size < SHARED_CAPABILITIES) this.#capabilities.set(text, capabilities);
    return capabilities;
  }

  /** In alarm first, then by name. */
  snapshot(): Board {
    const hubs = new Map<string, BoardHub>();
    const unattached: BoardDevice[] = [];
    const others: BoardDevice[] = [];
    for (const entry of this.#devices.values()) if (entry.device.kind === 'hub') hubs.set(entry.device.id, { ...view(entry), devices: [] });
    for (const entry of this.#devices.values()) {
      if (entry.device.kind === 'hub') continue;
      const hub = entry.device.via === undefined ? undefined : hubs.get(entry.device.via);
      if (hub) hub.devices.push(view(entry));
      else (entry.device.capabilities.some((c) => c.type === 'alarm') ? unattached : others).push(view(entry));
    }
    const order = (a: BoardDevice, b: BoardDevice): number => RANK[b.condition] - RANK[a.condition] || a.name.localeCompare(b.name);
    for (const hub of hubs.values()) {
      hub.devices.sort(order);
      // A hub is as bad as the worst of its devices.
      if (hub.devices[0] && RANK[hub.devices[0].condition] > RANK[hub.condition]) hub.condition = hub.devices[0].condition;
    }
    const sortedHubs = [...hubs.values()].sort(order);
    return { hubs: sortedHubs, unattached: unattached.sort(order), others: others.sort((a, b) => a.name.localeCompare(b.name)) };
  }
}

function parse(body: string | Buffer): Record<string, unknown> | null {
  try {
    const parsed = JSON.parse(body.toString()) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** What the board keeps of a state: parsed again only when the board is looked at. */
function shownOf(device: Device, state: Record<string, unknown> | null): string | null {
  if (state === null) return null;
  const shown: Shown = { values: Object.create(null) as Record<string, unknown> };
  let alarmSeen = false;
  for (const c of device.capabilities) {
    if (c.type === 'alarm') {
      // The first alarm capability is the device's alarm; a later one (homelink's "problem") is not what the board shows.
      if (alarmSeen) continue;
      alarmSeen = true;
      if (c.field) shown.alarm = at(state, c.field);
      if (c.attributesField) shown.details = at(state, c.attributesField);
    } else if (c.field !== undefined) {
      shown.values[c.key] = at(state, c.field);
    }
  }
  return JSON.stringify(shown);
}

function view(entry: Entry): BoardDevice {
  const { device } = entry;
  const shown = entry.shown === null ? null : (JSON.parse(entry.shown) as Shown);
  const value = shown?.alarm;
  const details = shown?.details;
  const alerts = Array.isArray(details) ? details.filter((a): a is Record<string, unknown> => a !== null && typeof a === 'object') : [];
  const alarm = value === 'ON' || value === true;
  const values = device.capabilities
    .filter((c) => c.type !== 'alarm' && c.field !== undefined)
    .map((c) => {
      const v: BoardValue = { key: c.key, name: c.name ?? c.key, type: c.type };
      const value = shown?.values[c.key];
      if (value !== undefined) v.value = value;
      if (c.unit !== undefined) v.unit = c.unit;
      return v;
    });
  const out: BoardDevice = { id: device.id, name: device.name, kind: device.kind, source: entry.source, alarm, alerts, condition: conditionOf(alarm, alerts), values };
  if (device.model) out.model = device.model;
  if (device.area) out.area = device.area;
  return out;
}

function conditionOf(alarm: boolean, alerts: Record<string, unknown>[]): Condition {
  if (!alarm) return alerts.length > 0 ? 'problem' : 'ok';
  const silenced = alerts.length > 0 && alerts.every((a) => ([] as unknown[]).concat(a.alertstatus).every((s) => s === 'CANCEL'));
  return silenced ? 'silenced' : 'alarm';
}

function at(value: unknown, path: string): unknown {
  let here = value;
  for (const part of path.split('.')) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}
