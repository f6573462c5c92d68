import type { InboundMessage, Logger } from '../../core/index.js';
import type { AlertBook, AlertDetails, AlertOwner } from './alert-book.js';
import { staleness, type AlertInput, type Staleness } from './alert-status.js';
import type { DeviceAnnouncer } from './device-announcements.js';
import { deviceInfo, propertyInfo, unregisteredDeviceInfo, type DeviceInfo } from './device-info.js';
import { ALARM_CANCEL, concernsDevice, eventIdOf, parseMessage, text, type HomelinkMessage } from './homelink-message.js';
import { readingKind, readingUnit } from './readings.js';
import type { RecentIds } from './recent-ids.js';
import { larger, type Change, type DeviceRecord, type Registry } from './registry.js';
import type { StateTopics } from './state-topics.js';

export interface MessageHandlerDeps {
  /** How many levels the topic root has. */
  rootDepth: number;
  registry: Registry;
  alerts: AlertBook;
  /** Event messages processed, by eventId. */
  events: RecentIds;
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
}

// Payload fields repeated on a device's event topic: enough to act on without the whole message.
const EVENT_FIELDS = ['eventId', 'eventTypeId', 'eventTypeName', 'statusId', 'severity', 'title', 'description', 'raisedDate', 'relatedEventId', 'readingTypeId', 'value', 'unit', 'readingDate', 'action', 'actionTimestamp'];

/**
 * What each HomeLINK message does: a message not newer than the last one applied for the same alert,
 * event, reading, device or property is counted and ignored; otherwise the registry and the alerts are
 * updated, the state topics concerned are marked changed, and the event `homelink_<type>` is raised
 * (and repeated on the device's event topic).
 */
export class MessageHandler {
  readonly #d: MessageHandlerDeps;

  constructor(deps: MessageHandlerDeps) {
    this.#d = deps;
  }

  readonly handle = (message: InboundMessage): void => {
    const m = parseMessage(message, this.#d.rootDepth);
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
  };

  #alert(m: HomelinkMessage): void {
    const p = m.payload;
    const at = m.at!;
    const input: AlertInput = isResolved(m)
      ? { kind: 'resolve', at }
      : p.eventTypeId === ALARM_CANCEL
        ? { kind: 'silence', at }
        : { kind: 'raise', alarmType: text(p.eventTypeId) ?? 'ALARM', at };
    const details: AlertDetails | undefined =
      input.kind === 'raise' ? { eventType: text(p.eventTypeId), severity: text(p.severity), raisedDate: text(p.raisedDate), description: text(p.description) } : undefined;
    const change = this.#d.alerts.apply(m.eventId!, input, this.#owner(m), details);
    if (change.step.stale) return this.#stale(m, change.step.stale);
    const device = this.#learn(m, true);
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
    if (m.payload.eventTypeId === ALARM_CANCEL) this.#silence(m);
    this.#emit(m, this.#learn(m, false));
  }

  /** A silence names its alert by relatedEventId; without one, it silences every alert of the device in an alarm state. */
  #silence(m: HomelinkMessage): void {
    const related = text(m.payload.relatedEventId);
    for (const eventId of related === null ? this.#d.alerts.alarming(m.device!) : [related]) {
      const change = this.#d.alerts.apply(eventId, { kind: 'silence', at: m.at! });
      if (change.step.stale) this.#d.log.debug({ eventId, silence: m.eventId, reason: change.step.stale }, 'a silence older than the alert\'s last change does not move it');
      else if (change.owner) this.#alertsChanged(change.owner);
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
    const known = this.#d.registry.device(m.device!);
    if (m.at !== undefined) {
      const stale = staleness(known?.changedAt ?? undefined, m.at);
      if (stale) return this.#stale(m, stale);
    }
    if (isDelete(m)) {
      if (known) this.#removeDevice(known, m.at);
      return this.#emit(m, known);
    }
    const device = this.#learn(m, true);
    if (device && m.at !== undefined) this.#d.registry.markChanged(device, m.at);
    this.#emit(m, device);
  }

  #property(m: HomelinkMessage): void {
    const reference = m.property!;
    const { registry, topics, announcer } = this.#d;
    const known = registry.property(reference);
    if (m.at !== undefined) {
      const stale = staleness(known?.changedAt ?? undefined, m.at);
      if (stale) return this.#stale(m, stale);
    }
    if (isDelete(m)) {
      if (known) {
        for (const serial of [...registry.devicesOf(reference)]) this.#removeDevice(registry.device(serial)!, m.at);
        registry.removeProperty(reference);
        topics.removeProperty(reference);
        announcer.removedProperty(reference);
      }
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
   * property's when `refresh` (alert, device and property messages) or when the property changed.
   */
  #learn(m: HomelinkMessage, refresh: boolean, update?: (device: DeviceRecord) => Change): DeviceRecord | undefined {
    const { registry, topics, announcer } = this.#d;
    const reference = m.property ?? (m.device === undefined ? undefined : registry.device(m.device)?.property);
    if (reference === undefined) return undefined;
    const propertyChange = registry.learnProperty(reference, m.payload);
    if (propertyChange === 'description') announcer.property(registry.property(reference)!);
    if (propertyChange !== 'none') refresh = true;
    let device: DeviceRecord | undefined;
    if (concernsDevice(m)) {
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

  #removeDevice(device: DeviceRecord, at: number | undefined): void {
    const { registry, alerts, topics, announcer } = this.#d;
    alerts.clearDevice(device.serial, at ?? 0);
    registry.removeDevice(device.serial);
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

/** An alert is resolved when its status says so; without a status, when its action is DELETE or its topic's classifier is not `active`. */
function isResolved(m: HomelinkMessage): boolean {
  const status = text(m.payload.statusId);
  if (status !== null) return status.toUpperCase() !== 'ACTIVE';
  if (text(m.payload.action)?.toUpperCase() === 'DELETE') return true;
  return m.classifier !== undefined && m.classifier !== 'active';
}

function isDelete(m: HomelinkMessage): boolean {
  return text(m.payload.action)?.toUpperCase() === 'DELETE' || m.classifier === 'delete';
}
