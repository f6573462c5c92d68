import { SeededRandom } from './seeded-random.js';

/**
 * A seeded stream of HomeLINK alert traffic for fault tests, with what the homelink plugin must make of
 * it, in HomeLINK's own shapes and topics: alarms and maintenance alerts raised on many devices, silenced
 * by the device's HUSH, CANCEL or the alarm's STOP event (which leave maintenance alerts alone),
 * re-activated by a new event of the alarm's type, resolved and raised again, with repeats of earlier
 * messages and older messages mixed in that must change nothing. actionTimestamps increase per alert (older messages excepted), so
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
  category: string | null;
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
  /** Final `<property>` -> `ON` | `OFF` (an alarm listed, maintenance alerts aside), for every property a message reached. */
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
  /** The alert's eventTypeId: an alarm or a maintenance type. */
  alarmType: string;
  phase: 'none' | 'listed' | 'cleared';
  status: string;
  at: number;
  details: Omit<AlertEntry, 'alertid' | 'alertstatus'>;
}

type Op =
  | { kind: 'alert'; alert: Alert; active: boolean; at: number }
  | { kind: 'event'; eventId: string; eventType: string; device: Device; at: number };

const ALERT_TYPES = ['FIRE_ALARM', 'CO_ALARM', 'LOW_BATTERY_HEAD'] as const;
const NAMES: Record<string, string> = { FIRE_ALARM: 'Fire alarm activated', CO_ALARM: 'CO alarm activated', LOW_BATTERY_HEAD: 'Head battery low', HUSH: 'Hush', CANCEL: 'Cancel' };
const CATEGORIES: Record<string, string> = { FIRE_ALARM: 'ALARM', CO_ALARM: 'ALARM', LOW_BATTERY_HEAD: 'MAINTENANCE' };
const STOPS: Record<string, string> = { FIRE_ALARM: 'FIRE_ALARM_STOP', CO_ALARM: 'CO_ALARM_STOP', LOW_BATTERY_HEAD: 'LOW_BATTERY_STOP' };
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
  readonly #seenEvents = new Map<string, number>();
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
    const kind = rnd.weighted({ raise: 22, again: 10, silence: 14, reactivate: 6, resolve: 16, repeat: 16, older: 12 });
    switch (kind) {
      case 'raise':
        return this.#send(this.#raise(this.#newAlert()));
      case 'again':
        // Raised again while in alarm, re-activated once silenced, or raised again after being resolved.
        if (this.#alerts.length === 0) return;
        return this.#send(this.#raise(rnd.pick(this.#alerts)));
      case 'silence': {
        // At the device of a listed alert: HUSH or CANCEL (all its alarms), or the alert type's STOP (only that alarm).
        const candidates = listed();
        if (candidates.length === 0) return;
        const alert = rnd.pick(candidates);
        const eventType = rnd.pick(['HUSH', 'CANCEL', STOPS[alert.alarmType]!]);
        return this.#send({ kind: 'event', eventId: rnd.uuid(), eventType, device: alert.device, at: this.#tick() });
      }
      case 'reactivate': {
        // The device raising its alarm type again: re-activates a silenced alarm of that type.
        const candidates = listed();
        if (candidates.length === 0) return;
        const alert = rnd.pick(candidates);
        return this.#send({ kind: 'event', eventId: rnd.uuid(), eventType: alert.alarmType, device: alert.device, at: this.#tick() });
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
        const event: Op = { kind: 'event', eventId: rnd.uuid(), eventType: rnd.pick(['HUSH', alert.alarmType]), device: alert.device, at };
        const op: Op = rnd.chance(0.3) ? event : { kind: 'alert', alert, active: rnd.chance(0.5), at };
        return this.#send(op);
      }
    }
  }

  #newAlert(): Alert {
    const alert: Alert = {
      eventId: this.#rnd.uuid(),
      device: this.#rnd.pick(this.#devices),
      alarmType: this.#rnd.pick(ALERT_TYPES),
      phase: 'none',
      status: '',
      at: 0,
      details: { eventtype: null, category: null, severity: null, raiseddate: null, description: null },
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
    const device = op.kind === 'event' ? op.device : op.alert.device;
    const deviceFields = {
      deviceSerialNumber: device.serial,
      devicePhySerialNumber: device.serial,
      propertyReference: device.property,
      room: device.room,
      location: device.location,
      manufacturerReference: 'EI',
      sourceModel: 'EI3028',
      sourceModelType: 'FIRECOALARM',
      category: 'DEVICE',
    };
    const where = `${device.property.toLowerCase()}/${device.serial.toLowerCase()}`;
    if (op.kind === 'event') {
      const name = NAMES[op.eventType] ?? op.eventType;
      return {
        topic: `${root}/event/${where}/${kebab(op.eventType)}`,
        payload: { ...deviceFields, eventId: op.eventId, __IDENTITY: op.eventId, statusId: 'ACTIVE', eventTypeId: op.eventType, eventTypeName: name, title: name, raisedDate: time.slice(0, 19), action: 'ADD', actionTimestamp: time },
      };
    }
    const { alert } = op;
    const name = NAMES[alert.alarmType]!;
    const stop = STOPS[alert.alarmType]!;
    return {
      topic: `${root}/alert/${op.active ? 'active' : 'resolved'}/${where}/${kebab(alert.alarmType)}`,
      payload: {
        ...deviceFields,
        eventId: alert.eventId,
        __IDENTITY: alert.eventId,
        statusId: op.active ? 'ACTIVE' : 'RESOLVED',
        eventTypeId: alert.alarmType,
        eventTypeName: name,
        title: name,
        description: `${device.serial} in location ${device.room}: ${name}`,
        severity: 'HIGH',
        raisedDate: time,
        resolvedDate: op.active ? null : time,
        resolvingEventTypeId: op.active ? null : stop,
        action: op.active ? 'ADD' : 'RESOLVE',
        actionTimestamp: time,
      },
    };
  }

  /** What the plugin does with the message, by its documented rules; returns the id of the event it raises. */
  #apply(op: Op, index: number): string | undefined {
    const time = iso(op.at);
    if (op.kind === 'event') {
      const last = this.#seenEvents.get(op.eventId);
      if (last !== undefined && op.at <= last) return undefined;
      this.#seenEvents.set(op.eventId, op.at);
      // Only the device's listed alarms move, and only for an event later than their last change.
      for (const alert of this.#alerts) {
        if (alert.device !== op.device || alert.phase !== 'listed' || op.at <= alert.at || CATEGORIES[alert.alarmType] !== 'ALARM') continue;
        const silences = op.eventType === 'HUSH' || op.eventType === 'CANCEL' || op.eventType === STOPS[alert.alarmType];
        const status = silences ? CANCEL : op.eventType === alert.alarmType ? alert.alarmType : alert.status;
        if (status === alert.status) continue;
        alert.status = status;
        alert.at = op.at;
      }
      return this.#expect(`event:${op.eventId}@${time}`, { type: 'homelink_event', property: op.device.property, device: op.device.serial, index });
    }
    const { alert } = op;
    if (alert.phase !== 'none' && op.at <= alert.at) return undefined;
    alert.at = op.at;
    if (op.active) {
      alert.phase = 'listed';
      alert.status = alert.alarmType;
      const { payload } = this.#message(op);
      alert.details = { eventtype: alert.alarmType, category: CATEGORIES[alert.alarmType]!, severity: 'HIGH', raiseddate: time, description: payload.description as string };
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
    for (const alert of this.#alerts) if (alert.phase === 'listed' && CATEGORIES[alert.alarmType] === 'ALARM') out.set(alert.device.property, 'ON');
    return out;
  }
}

export function byAlertId(a: { alertid: string }, b: { alertid: string }): number {
  return a.alertid < b.alertid ? -1 : a.alertid > b.alertid ? 1 : 0;
}

/** An event type as HomeLINK writes it in a topic level: FIRE_ALARM -> fire-alarm. */
function kebab(type: string): string {
  return type.toLowerCase().replace(/_/g, '-');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
