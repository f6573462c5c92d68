import { SeededRandom } from './seeded-random.js';

/**
 * A seeded stream of HomeLINK alert traffic for fault tests, with what the homelink plugin must make of
 * it: alerts raised on many devices, silenced (event ALARM_CANCEL, by relatedEventId or for the whole
 * device), resolved, re-activated and raised again, with repeats of earlier messages and older messages
 * mixed in that must change nothing. actionTimestamps increase per alert (older messages excepted), so
 * the outcome — every event id that must be raised once, and every device's final alerts — is worked
 * out here by the plugin's documented rules, independently of the plugin.
 */

export interface AlertStreamOptions {
  seed: number;
  /** Messages in the stream, the first one a raise (a probe that the runtime is subscribed). */
  count: number;
  /** The plugin's topicRoot. */
  root: string;
  properties?: number;
  devicesPerProperty?: number;
}

export interface StreamMessage {
  topic: string;
  body: string;
  /** The id of the event it must raise, or undefined when the plugin must ignore it (not newer than what was applied). */
  raises: string | undefined;
}

/** One entry of `<statePrefix>/<property>/<device>/alerts`. */
export interface AlertEntry {
  alertid: string;
  alertstatus: string;
  eventtype: string | null;
  severity: string | null;
  raiseddate: string | null;
  description: string | null;
}

export interface ExpectedEvent {
  type: 'homelink_alert' | 'homelink_event';
  /** homelink_alert: the alert's status after the message (null once cleared). */
  alertstatus?: string | null;
  property: string;
  device: string;
  /** Position of the message in the stream. */
  index: number;
}

export interface AlertStream {
  messages: StreamMessage[];
  /** Every event the stream must raise, by event id: each exactly once. */
  events: Map<string, ExpectedEvent>;
  /** Final `<property>/<device>` -> the device's listed alerts, sorted by alertid, for every device a message reached. */
  alerts: Map<string, AlertEntry[]>;
  /** Final `<property>` -> `ON` | `OFF`, for every property a message reached. */
  alarms: Map<string, 'ON' | 'OFF'>;
}

interface Device {
  serial: string;
  property: string;
  room: string;
  location: string;
}

interface Alert {
  eventId: string;
  device: Device;
  alarmType: string;
  phase: 'none' | 'listed' | 'cleared';
  status: string;
  at: number;
  details: Omit<AlertEntry, 'alertid' | 'alertstatus'>;
}

type Op =
  | { kind: 'alert'; alert: Alert; active: boolean; at: number }
  | { kind: 'silence'; silenceId: string; device: Device; related: Alert | undefined; at: number };

const ALARM_TYPES = ['FIRE_ALARM', 'CO_ALARM', 'HEAT_ALARM'] as const;
const ALARM_NAMES: Record<string, string> = { FIRE_ALARM: 'Fire Alarm Activated', CO_ALARM: 'CO Alarm Activated', HEAT_ALARM: 'Heat Alarm Activated' };
const START = Date.parse('2026-11-20T00:00:00.000Z');
const CANCEL = 'CANCEL';

export function alertStream(options: AlertStreamOptions): AlertStream {
  return new StreamBuilder(options).build();
}

class StreamBuilder {
  readonly #o: Required<AlertStreamOptions>;
  readonly #rnd: SeededRandom;
  readonly #devices: Device[] = [];
  readonly #alerts: Alert[] = [];
  readonly #silences = new Map<string, number>();
  readonly #messages: StreamMessage[] = [];
  readonly #ops: Op[] = [];
  readonly #events = new Map<string, ExpectedEvent>();
  readonly #reached = new Set<Device>();
  #clock = START;

  constructor(options: AlertStreamOptions) {
    this.#o = { properties: 20, devicesPerProperty: 5, ...options };
    this.#rnd = new SeededRandom(options.seed);
    for (let p = 0; p < this.#o.properties; p++) {
      for (let d = 0; d < this.#o.devicesPerProperty; d++) {
        const serial = `FA${(this.#devices.length + 1).toString(16).toUpperCase().padStart(6, '0')}`;
        this.#devices.push({ serial, property: `PROP_${p}`, room: `Room ${d}`, location: `ROOM${d}` });
      }
    }
  }

  build(): AlertStream {
    this.#send(this.#raise(this.#newAlert()));
    while (this.#messages.length < this.#o.count) this.#step();
    return { messages: this.#messages, events: this.#events, alerts: this.#finalAlerts(), alarms: this.#finalAlarms() };
  }

  #step(): void {
    const rnd = this.#rnd;
    const listed = (): Alert[] => this.#alerts.filter((a) => a.phase === 'listed');
    const kind = rnd.weighted({ raise: 22, again: 12, silence: 14, 'silence-device': 4, resolve: 16, repeat: 16, older: 12 });
    switch (kind) {
      case 'raise':
        return this.#send(this.#raise(this.#newAlert()));
      case 'again':
        // Raised again while in alarm, re-activated once silenced, or raised again after being resolved.
        if (this.#alerts.length === 0) return;
        return this.#send(this.#raise(rnd.pick(this.#alerts)));
      case 'silence': {
        const candidates = listed();
        if (candidates.length === 0) return;
        const alert = rnd.pick(candidates);
        return this.#send({ kind: 'silence', silenceId: rnd.uuid(), device: alert.device, related: alert, at: this.#tick() });
      }
      case 'silence-device': {
        const candidates = listed();
        if (candidates.length === 0) return;
        return this.#send({ kind: 'silence', silenceId: rnd.uuid(), device: rnd.pick(candidates).device, related: undefined, at: this.#tick() });
      }
      case 'resolve': {
        const candidates = listed();
        if (candidates.length === 0) return;
        return this.#send({ kind: 'alert', alert: rnd.pick(candidates), active: false, at: this.#tick() });
      }
      case 'repeat': {
        // A QoS 1 redelivery or a retained copy: an earlier message byte for byte.
        if (this.#messages.length === 0) return;
        const i = rnd.int(Math.max(0, this.#messages.length - 300), this.#messages.length - 1);
        const original = this.#messages[i]!;
        this.#messages.push({ topic: original.topic, body: original.body, raises: this.#apply(this.#ops[i]!, this.#messages.length) });
        this.#ops.push(this.#ops[i]!);
        return;
      }
      case 'older': {
        // Older than the alert's last change (whole seconds + 500 ms: never the time of another message).
        const known = this.#alerts.filter((a) => a.phase !== 'none');
        if (known.length === 0) return;
        const alert = rnd.pick(known);
        const at = alert.at - rnd.int(1, 600) * 1000 - 500;
        const op: Op = rnd.chance(0.3) ? { kind: 'silence', silenceId: rnd.uuid(), device: alert.device, related: alert, at } : { kind: 'alert', alert, active: rnd.chance(0.5), at };
        return this.#send(op);
      }
    }
  }

  #newAlert(): Alert {
    const alert: Alert = {
      eventId: this.#rnd.uuid(),
      device: this.#rnd.pick(this.#devices),
      alarmType: this.#rnd.pick(ALARM_TYPES),
      phase: 'none',
      status: '',
      at: 0,
      details: { eventtype: null, severity: null, raiseddate: null, description: null },
    };
    this.#alerts.push(alert);
    return alert;
  }

  #raise(alert: Alert): Op {
    return { kind: 'alert', alert, active: true, at: this.#tick() };
  }

  #tick(): number {
    this.#clock += this.#rnd.int(1, 3) * 1000;
    return this.#clock;
  }

  #send(op: Op): void {
    const { topic, payload } = this.#message(op);
    this.#messages.push({ topic, body: JSON.stringify(payload), raises: this.#apply(op, this.#messages.length) });
    this.#ops.push(op);
  }

  #message(op: Op): { topic: string; payload: Record<string, unknown> } {
    const root = this.#o.root;
    const time = iso(op.at);
    if (op.kind === 'silence') {
      const { device } = op;
      const payload: Record<string, unknown> = {
        eventId: op.silenceId,
        eventTypeId: 'ALARM_CANCEL',
        eventTypeName: 'Alarm silenced',
        deviceSerialNumber: device.serial,
        propertyReference: device.property,
        actionTimestamp: time,
      };
      if (op.related) payload.relatedEventId = op.related.eventId;
      return { topic: `${root}/event/${device.property}/${device.serial}`, payload };
    }
    const { alert } = op;
    const { device } = alert;
    const name = ALARM_NAMES[alert.alarmType]!;
    return {
      topic: `${root}/alert/${op.active ? 'active' : 'inactive'}/${device.property}/${device.serial}`,
      payload: {
        deviceSerialNumber: device.serial,
        devicePhySerialNumber: device.serial,
        propertyReference: device.property,
        eventId: alert.eventId,
        statusId: op.active ? 'ACTIVE' : 'RESOLVED',
        eventTypeId: alert.alarmType,
        eventTypeName: name,
        title: name,
        description: `${device.serial} in location ${device.room}: ${name}`,
        severity: 'HIGH',
        raisedDate: time,
        resolvedDate: op.active ? null : time,
        category: 'DEVICE',
        room: device.room,
        location: device.location,
        manufacturerReference: 'EI',
        sourceModel: 'EI3028',
        sourceModelType: 'FIRECOALARM',
        __IDENTITY: alert.eventId,
        action: op.active ? 'ADD' : 'DELETE',
        actionTimestamp: time,
      },
    };
  }

  /** What the plugin does with the message, by its documented rules; returns the id of the event it raises. */
  #apply(op: Op, index: number): string | undefined {
    const time = iso(op.at);
    if (op.kind === 'silence') {
      const last = this.#silences.get(op.silenceId);
      if (last !== undefined && op.at <= last) return undefined;
      this.#silences.set(op.silenceId, op.at);
      const targets = op.related ? [op.related] : this.#alerts.filter((a) => a.device === op.device && a.phase === 'listed' && a.status !== CANCEL);
      for (const alert of targets) {
        if (alert.phase === 'none' || op.at <= alert.at) continue;
        alert.at = op.at;
        if (alert.phase === 'listed') alert.status = CANCEL;
      }
      return this.#expect(`event:${op.silenceId}@${time}`, { type: 'homelink_event', property: op.device.property, device: op.device.serial, index });
    }
    const { alert } = op;
    if (alert.phase !== 'none' && op.at <= alert.at) return undefined;
    alert.at = op.at;
    if (op.active) {
      alert.phase = 'listed';
      alert.status = alert.alarmType;
      const { payload } = this.#message(op);
      alert.details = { eventtype: alert.alarmType, severity: 'HIGH', raiseddate: time, description: payload.description as string };
    } else {
      alert.phase = 'cleared';
    }
    const alertstatus = alert.phase === 'listed' ? alert.status : null;
    return this.#expect(`${alert.eventId}@${time}`, { type: 'homelink_alert', alertstatus, property: alert.device.property, device: alert.device.serial, index });
  }

  #expect(id: string, event: ExpectedEvent): string {
    if (this.#events.has(id)) throw new Error(`the stream generator made event id ${id} twice`);
    this.#events.set(id, event);
    this.#reached.add(this.#devices.find((d) => d.serial === event.device)!);
    return id;
  }

  #finalAlerts(): Map<string, AlertEntry[]> {
    const out = new Map<string, AlertEntry[]>();
    for (const device of this.#reached) out.set(`${device.property}/${device.serial}`, []);
    for (const alert of this.#alerts) {
      if (alert.phase !== 'listed') continue;
      out.get(`${alert.device.property}/${alert.device.serial}`)!.push({ alertid: alert.eventId, alertstatus: alert.status, ...alert.details });
    }
    for (const entries of out.values()) entries.sort(byAlertId);
    return out;
  }

  #finalAlarms(): Map<string, 'ON' | 'OFF'> {
    const out = new Map<string, 'ON' | 'OFF'>();
    for (const device of this.#reached) if (!out.has(device.property)) out.set(device.property, 'OFF');
    for (const alert of this.#alerts) if (alert.phase === 'listed') out.set(alert.device.property, 'ON');
    return out;
  }
}

export function byAlertId(a: { alertid: string }, b: { alertid: string }): number {
  return a.alertid < b.alertid ? -1 : a.alertid > b.alertid ? 1 : 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
