import { MessageRejected, type InboundMessage, type Logger } from '../../core/index.js';
import type { AlertBook, AlertDetails, AlertOwner } from './alert-book.js';
import { nextAlertState, staleness, type AlertInput, type Staleness } from './alert-status.js';
import type { DeviceAnnouncer } from './device-announcements.js';
import { deviceInfo, propertyInfo, unregisteredDeviceInfo, type DeviceInfo } from './device-info.js';
import { isAlarmType, isSilence } from './event-types.js';
import { concernsDevice, eventIdOf, isoMs, parseHomelink, parseMessage, text, type HomelinkMessage } from './homelink-message.js';
import { readingKind, readingUnit } from './readings.js';
import type { RecentIds } from './recent-ids.js';
import { larger, type Change, type DeviceRecord, type Registry } from './registry.js';
import type { StateTopics } from './state-topics.js';
import type { TrackingLimits } from './tracking-cap.js';
import { TrackingLimiter } from './tracking-limiter.js';

export interface MessageHandlerDeps {
  /** How many levels the topic root has. */
  rootDepth: number;
  registry: Registry;
  alerts: AlertBook;
  /** Event messages processed, by eventId; removed devices and properties, by `device:<serial>` and `property:<reference>`. */
  events: RecentIds;
  /** A message dated more than this far ahead of the clock (ms) is refused. */
  maxFutureMs: number;
  now?: () => number;
  topics: StateTopics;
  announcer: DeviceAnnouncer;
  emit(type: string, data: unknown, options: { id: string }): void;
  /** Publishes an event on its device's event topic; absent when that is off. */
  publishDeviceEvent: ((topic: string, body: Record<string, unknown>) => void) | undefined;
  log: Logger;
  /** Messages ignored as not newer than the last one applied, by message type. */
  duplicates: { inc(labels: { type: string }): void };
  outOfOrder: { inc(labels: { type: string }): void };
  listedAlerts: { set(value: number): void };
  /** How many devices and listed alerts are tracked at most. */
  limits: { devices: TrackingLimits; alerts: TrackingLimits };
  /** What the limits did, by kind (device, alert) and outcome (evicted, refused, over_limit). */
  trackingLimit: { inc(labels: { kind: string; outcome: string }): void };
  /** An id as it may appear in a log line. */
  id(id: string): string;
}

// Payload fields repeated on a device's event topic: enough to act on without the whole message.
const EVENT_FIELDS = ['eventId', 'eventTypeId', 'eventTypeName', 'statusId', 'severity', 'title', 'description', 'raisedDate', 'resolvingEventId', 'resolvingEventTypeId', 'readingTypeId', 'value', 'unit', 'readingDate', 'action', 'actionTimestamp'];

/**
 * What each HomeLINK message does: a message not newer than the last one applied for the same alert,
 * event, reading, device or property is counted and ignored; otherwise the registry and the alerts are
 * updated, the state topics concerned are marked changed, and the event `homelink_<type>` is raised
 * (and repeated on the device's event topic).
 */
export class MessageHandler {
  readonly #d: MessageHandlerDeps;
  readonly #limiter: TrackingLimiter;

  constructor(deps: MessageHandlerDeps) {
    this.#d = deps;
    this.#limiter = new TrackingLimiter({
      deviceLimits: deps.limits.devices,
      alertLimits: deps.limits.alerts,
      registry: deps.registry,
      alerts: deps.alerts,
      evictDevice: (serial) => this.#removeDevice(deps.registry.device(serial)!, undefined, false),
      evictAlert: (eventId) => {
        const evicted = deps.alerts.evict(eventId);
        if (evicted) this.#alertsChanged(evicted);
      },
      log: deps.log,
      counter: deps.trackingLimit,
      id: deps.id,
    });
  }

  /** A message from MQTT: its type is the first topic level after the root. */
  readonly handle = (message: InboundMessage): void => {
    this.#apply(parseMessage(message, this.#d.rootDepth));
  };

  /**
   * A message from a way in without topics (webhook, REST) or with one: the same parsing, ordering,
   * dedupe and state machine as MQTT. Throws MessageRejected for a message it refuses.
   */
  readonly handlePayload = (type: string, payload: unknown, topic?: string): void => {
    this.#apply(parseHomelink(type, payload, topic));
  };

  #apply(m: HomelinkMessage): void {
    this.#checkClock(m);
    if (this.#isCopyOfListedAlert(m)) return this.#stale(m, 'duplicate');
    switch (m.type) {
      case 'alert':
        return this.#alert(m);
      case 'event':
        return this.#event(m);
      case 'reading':
        return this.#reading(m);
      case 'device':
        return this.#device(m);
      case 'property':
        return this.#property(m);
      case 'unknown':
        return this.#emit(m, undefined);
      default:
        return this.#emit(m, this.#learn(m, false));
    }
  }

  /**
   * HomeLINK adds an alert once: another raise of an alert listed with that type is a copy (a redelivery,
   * or the same alert by another way in, REST or webhook, whose actionTimestamp may differ), never a
   * second alert, and it re-activates nothing.
   */
  #isCopyOfListedAlert(m: HomelinkMessage): boolean {
    if (m.type !== 'alert' || m.eventId === undefined || isResolved(m)) return false;
    const listed = this.#d.alerts.listed(m.eventId);
    const raisedDate = text(m.payload.raisedDate);
    // The same raise (type and raisedDate) seen by another way in: REST has no actionTimestamp of its own,
    // so its copy and MQTT's differ in time. A raise with a new raisedDate is a new raise and goes on.
    const raised = isoMs(raisedDate);
    return listed !== undefined && listed.eventType === (m.eventType ?? null) && raised !== undefined && raised === isoMs(listed.raisedDate);
  }

  /**
   * Makes room under the tracking limits before a raise lists a new alert (and, for a device not known yet, tracks
   * it); throws MessageRejected when there is none. Returns whether the device was admitted here.
   */
  #admitAlert(eventId: string, input: AlertInput, owner: AlertOwner): boolean {
    const { alerts, registry } = this.#d;
    if (alerts.listed(eventId) !== undefined || nextAlertState(alerts.state(eventId), input).stale) return false;
    const alarm = isAlarmType(input.kind === 'raise' ? input.alertType : undefined);
    const newDevice = registry.device(owner.device) === undefined;
    if (newDevice) this.#limiter.admitDevice(owner.device, owner.property, alarm);
    this.#limiter.admitAlert(eventId, owner.property, alarm);
    return newDevice;
  }

  /** A time from the future would order every real message after it as older: refused, so that it cannot pin an alert. */
  #checkClock(m: HomelinkMessage): void {
    const latest = (this.#d.now ?? Date.now)() + this.#d.maxFutureMs;
    const when = Math.max(m.at ?? -Infinity, m.occurredAt ?? -Infinity);
    if (when <= latest) return;
    const field = m.at !== undefined && m.at > latest ? 'actionTimestamp' : m.type === 'reading' ? 'readingDate' : 'raisedDate';
    const ahead = Math.round((when - latest + this.#d.maxFutureMs) / 1000);
    throw new MessageRejected(`${field} ${new Date(when).toISOString()} is ${ahead} s ahead of this machine's clock (more than maxFutureSkewSeconds allows)`, 'future_timestamp');
  }

  #alert(m: HomelinkMessage): void {
    const p = m.payload;
    const at = m.at!;
    const input: AlertInput = isResolved(m) ? { kind: 'resolve', at } : { kind: 'raise', alertType: m.eventType ?? 'UNKNOWN', at };
    const details: AlertDetails | undefined =
      input.kind === 'raise' ? { eventType: m.eventType ?? null, severity: text(p.severity), raisedDate: text(p.raisedDate), description: text(p.description) } : undefined;
    const owner = this.#owner(m);
    const admitted = input.kind === 'raise' && owner !== undefined && this.#admitAlert(m.eventId!, input, owner);
    const change = this.#d.alerts.apply(m.eventId!, input, owner, details);
    if (change.step.stale) return this.#stale(m, change.step.stale);
    const device = this.#learn(m, true, undefined, admitted);
    if (change.owner) this.#alertsChanged(change.owner);
    const state = change.step.state;
    this.#emit(m, device, state.phase === 'listed' ? state.status : null);
  }

  #event(m: HomelinkMessage): void {
    if (m.eventId !== undefined && m.at !== undefined) {
      const stale = staleness(this.#d.events.get(m.eventId), m.at);
      if (stale) return this.#stale(m, stale);
      this.#d.events.set(m.eventId, m.at);
    }
    if (m.device !== undefined && m.eventType !== undefined && m.at !== undefined && (isSilence(m.eventType) || isAlarmType(m.eventType))) this.#deviceEvent(m);
    this.#emit(m, this.#learn(m, false));
  }

  /** HUSH, CANCEL or an alarm's STOP at a device silences its alarms; a new event of an alarm's type re-activates it. */
  #deviceEvent(m: HomelinkMessage): void {
    const input: AlertInput = { kind: 'event', eventType: m.eventType!, at: m.at! };
    for (const eventId of this.#d.alerts.ofDevice(m.device!).map((a) => a.eventId)) {
      const change = this.#d.alerts.apply(eventId, input);
      if (change.step.stale) this.#d.log.debug({ eventId, event: m.eventId, eventType: m.eventType, reason: change.step.stale }, 'an event older than the alert\'s last change does not move it');
      else if (change.changed && change.owner) this.#alertsChanged(change.owner);
    }
  }

  #reading(m: HomelinkMessage): void {
    const p = m.payload;
    const kind = readingKind(p.readingTypeId as string);
    const at = m.occurredAt ?? Date.now();
    const readings = this.#d.registry.device(m.device!)?.readings;
    const stale = staleness(readings && Object.hasOwn(readings, kind) ? readings[kind]!.at : undefined, at);
    if (stale) return this.#stale(m, stale);
    const reading = { value: p.value as number, unit: readingUnit(kind, p.unit), at };
    this.#emit(m, this.#learn(m, false, (device) => this.#d.registry.setReading(device, kind, reading)));
  }

  #device(m: HomelinkMessage): void {
    const { registry } = this.#d;
    const known = registry.device(m.device!);
    if (m.at !== undefined) {
      const stale = staleness(known?.changedAt ?? this.#d.events.get(`device:${m.device}`), m.at);
      if (stale) return this.#stale(m, stale);
    }
    if (m.action === 'REMOVE') {
      if (known) this.#removeDevice(known, m.at);
      return this.#emit(m, known);
    }
    // The same serial under another deviceId or property is another installation: the old one goes first.
    if (known && (known.property !== m.property || (m.deviceId !== undefined && known.deviceId != null && known.deviceId !== m.deviceId))) {
      this.#removeDevice(known, m.at, false);
    }
    const device = this.#learn(m, true, (record) => registry.describeDevice(record, m.payload));
    if (device && m.at !== undefined) registry.markChanged(device, m.at);
    this.#emit(m, device);
  }

  #property(m: HomelinkMessage): void {
    const reference = m.property!;
    const { registry, topics, announcer } = this.#d;
    const known = registry.property(reference);
    if (m.at !== undefined) {
      const stale = staleness(known?.changedAt ?? this.#d.events.get(`property:${reference}`), m.at);
      if (stale) return this.#stale(m, stale);
    }
    if (m.action === 'REMOVE') {
      if (known) {
        for (const serial of [...registry.devicesOf(reference)]) this.#removeDevice(registry.device(serial)!, m.at);
        registry.removeProperty(reference);
        topics.removeProperty(reference);
        announcer.removedProperty(reference);
      }
      if (m.at !== undefined) this.#d.events.set(`property:${reference}`, m.at);
      return this.#emit(m, undefined);
    }
    this.#learn(m, true);
    if (m.at !== undefined) registry.markChanged(registry.property(reference)!, m.at);
    this.#emit(m, undefined);
  }

  /**
   * Learns the property and the device a message names (the device's property from the payload, or as
   * known), the device only when the message concerns it, then applies `update` to the device. Announces
   * each at most once, and only when what describes it changed; marks the device's topics changed, and the
   * property's when `refresh` (alert, device and property messages) or when the property changed. A new device
   * is first admitted under the tracking limits, unless `admitted` (the alert's admission did it).
   */
  #learn(m: HomelinkMessage, refresh: boolean, update?: (device: DeviceRecord) => Change, admitted = false): DeviceRecord | undefined {
    const { registry, topics, announcer } = this.#d;
    const reference = m.property ?? (m.device === undefined ? undefined : registry.device(m.device)?.property);
    if (reference === undefined || this.#removedSince(m, 'property', reference, registry.property(reference) !== undefined)) return undefined;
    const tracks = concernsDevice(m) && !this.#removedSince(m, 'device', m.device!, registry.device(m.device!) !== undefined);
    // Before anything changes: a device refused by the tracking limits leaves the message without effect.
    if (tracks && !admitted && registry.device(m.device!) === undefined) this.#limiter.admitDevice(m.device!, reference, false);
    const propertyChange = registry.learnProperty(reference, m.payload);
    if (propertyChange === 'description') announcer.property(registry.property(reference)!);
    if (propertyChange !== 'none') refresh = true;
    let device: DeviceRecord | undefined;
    if (tracks) {
      const learnt = registry.learnDevice(m.device!, reference, m.payload);
      device = registry.device(m.device!)!;
      if (larger(learnt, update?.(device) ?? 'none') === 'description') {
        announcer.device(device);
        refresh = true;
      }
      topics.device(device.serial);
    }
    if (refresh) topics.property(reference);
    return device;
  }

  /** Whether an unknown property or device was removed at or after the message's time: a late message must not bring it back. */
  #removedSince(m: HomelinkMessage, kind: 'device' | 'property', id: string, known: boolean): boolean {
    if (known) return false;
    const removedAt = this.#d.events.get(`${kind}:${id}`);
    return removedAt !== undefined && (m.at === undefined || m.at <= removedAt);
  }

  #owner(m: HomelinkMessage): AlertOwner | undefined {
    if (m.device === undefined) return undefined;
    const property = this.#d.registry.device(m.device)?.property ?? m.property;
    return property === undefined ? undefined : { device: m.device, property };
  }

  #alertsChanged(owner: AlertOwner): void {
    this.#d.topics.device(owner.device);
    this.#d.topics.property(owner.property);
    this.#d.listedAlerts.set(this.#d.alerts.size);
  }

  /** Ends a device: its alerts cleared, its topics and registry entries gone; `remember` keeps its removal so that older messages cannot bring it back. */
  #removeDevice(device: DeviceRecord, at: number | undefined, remember = true): void {
    const { registry, alerts, topics, announcer } = this.#d;
    alerts.clearDevice(device.serial, at ?? 0);
    registry.removeDevice(device.serial);
    if (remember && at !== undefined) this.#d.events.set(`device:${device.serial}`, at);
    topics.removeDevice(device);
    topics.property(device.property);
    announcer.removedDevice(device.serial);
    this.#d.listedAlerts.set(alerts.size);
  }

  #stale(m: HomelinkMessage, reason: Exclude<Staleness, false>): void {
    (reason === 'duplicate' ? this.#d.duplicates : this.#d.outOfOrder).inc({ type: m.type });
    this.#d.log.debug(
      { topic: m.topic, eventId: m.eventId, device: m.device, actionTimestamp: m.time, reason },
      reason === 'duplicate' ? 'ignored a message already processed (same id and time)' : 'ignored a message older than the last one applied',
    );
  }

  /** Raises `homelink_<type>`; `alertstatus` (an alert's status after the message, null once cleared) only for alerts. */
  #emit(m: HomelinkMessage, device: DeviceRecord | undefined, alertstatus?: string | null): void {
    const type = `homelink_${m.type}`;
    const id = eventIdOf(m);
    const onDevice = concernsDevice(m);
    let info: DeviceInfo | null = null;
    if (onDevice) info = device ? deviceInfo(device) : unregisteredDeviceInfo(m.device!);
    else if (m.property !== undefined) info = propertyInfo(m.property);
    const data: Record<string, unknown> = { sub_type: onDevice ? 'device' : 'property', device_info: info, payload: m.payload };
    if (alertstatus !== undefined) data.alertstatus = alertstatus;
    this.#d.emit(type, data, { id });
    const publish = this.#d.publishDeviceEvent;
    if (!publish || !device) return;
    // `time` is when it happened, so that a redelivered or late message does not pass for a new one.
    const published = new Date().toISOString();
    const time = m.occurredAt === undefined ? published : new Date(m.occurredAt).toISOString();
    const body: Record<string, unknown> = { event_type: type, id, time, time_published: published, device: device.serial, property: device.property };
    if (alertstatus !== undefined) body.alertstatus = alertstatus;
    for (const field of EVENT_FIELDS) {
      const value = m.payload[field];
      if (typeof value === 'string' || typeof value === 'number') body[field] = value;
    }
    publish(this.#d.topics.deviceTopic(device, 'event'), body);
  }
}

/** An alert is resolved when its statusId says so; without one, when its action is RESOLVE or it came on an `alert/resolved/...` topic. */
function isResolved(m: HomelinkMessage): boolean {
  const status = text(m.payload.statusId);
  if (status !== null) return status.toUpperCase() !== 'ACTIVE';
  if (m.action !== undefined) return m.action === 'RESOLVE';
  return m.classifier === 'resolved';
}
