import { createHash } from 'node:crypto';
import { MessageRejected, type InboundMessage } from '../../core/index.js';
import { isAlarmType, isSilence } from './event-types.js';

export const MESSAGE_TYPES = ['alert', 'device', 'event', 'insight', 'insightcomponent', 'notification', 'property', 'reading'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number] | 'unknown';

/**
 * Types that are about a property even when their payload names a device: HomeLINK's insights concern a
 * property or a room, and a notification lists its alerts inside it. Such a message never becomes an event
 * of a device.
 */
const PROPERTY_TYPES: ReadonlySet<MessageType> = new Set(['property', 'insight', 'insightcomponent', 'notification']);

/**
 * Every event type a device can raise (on its event topic): declared in full from the device's first
 * announcement, so that a consumer such as Home Assistant, which refuses an event type it was not told
 * of and applies a new declaration asynchronously, never misses the first event of a type.
 */
export const DEVICE_EVENT_TYPES: readonly string[] = MESSAGE_TYPES.filter((type) => !PROPERTY_TYPES.has(type)).map((type) => `homelink_${type}`);

/** The actions HomeLINK sends, per message type; a message without one is taken as ADD. */
const ACTIONS: Readonly<Partial<Record<MessageType, readonly string[]>>> = {
  property: ['ADD', 'UPDATE', 'REMOVE'],
  device: ['ADD', 'UPDATE', 'REMOVE'],
  alert: ['ADD', 'RESOLVE'],
  reading: ['ADD'],
  notification: ['SEND'],
};

const KNOWN_TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);
const MAX_ID_LENGTH = 200;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/;

/** A HomeLINK message: its type, and every id and the action from its payload. */
export interface HomelinkMessage {
  /** The topic it came on; undefined for a way in without topics (webhook, REST). */
  readonly topic: string | undefined;
  readonly type: MessageType;
  /** The payload's action, upper-cased (ADD, UPDATE, REMOVE, RESOLVE, SEND); undefined when it has none. */
  readonly action: string | undefined;
  /** `active` or `resolved` from an alert's topic: only used when the payload has neither statusId nor action. */
  readonly classifier: string | undefined;
  /** The parsed payload, shared with other handlers: read only. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** propertyReference; for a notification, the one its alerts[] name. */
  readonly property: string | undefined;
  readonly device: string | undefined;
  /** The device's stable uuid. */
  readonly deviceId: string | undefined;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  /** actionTimestamp in ms since the epoch, and as an ISO string. */
  readonly at: number | undefined;
  readonly time: string | undefined;
  /** When what it reports happened (ms): a reading's readingDate, else actionTimestamp, else raisedDate. */
  readonly occurredAt: number | undefined;
}

/** Reads a message under the HomeLINK root (`rootDepth` levels): the type is the first level after the root. */
export function parseMessage(message: InboundMessage, rootDepth: number): HomelinkMessage {
  const levels = message.levels;
  return parseHomelink(levels[rootDepth] ?? '', message.object(), message.topic, levels);
}

/**
 * The one parser of every way in (MQTT, webhook, REST): `type` is the message type (`alert`, `device`,
 * ...; anything else is `unknown`), `payload` the message as HomeLINK sends it, `topic` where it came
 * from when it has one. Rejects (MessageRejected, with a code) what is not a JSON object, ids that are
 * not short strings, an action the type does not have, an actionTimestamp that is not an ISO 8601 date,
 * and messages missing what their type needs. An unknown type is not an error.
 */
export function parseHomelink(type: string, payload: unknown, topic?: string, levels?: readonly string[]): HomelinkMessage {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new MessageRejected(`payload is not a JSON object (${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : typeof payload})`, 'not_an_object');
  }
  const p = payload as Record<string, unknown>;
  const messageType: MessageType = KNOWN_TYPES.has(type) ? (type as MessageType) : 'unknown';
  const property = id(p, 'propertyReference') ?? (messageType === 'notification' ? alertsProperty(p) : undefined);
  const device = id(p, 'deviceSerialNumber') ?? id(p, 'devicePhySerialNumber');
  const at = timestamp(p);
  const time = at === undefined ? undefined : new Date(at).toISOString();
  const occurredAt = (messageType === 'reading' ? isoMs(p.readingDate) : undefined) ?? at ?? isoMs(p.raisedDate);
  const parsed: HomelinkMessage = {
    topic,
    type: messageType,
    action: action(messageType, p),
    classifier: messageType === 'alert' && topic !== undefined ? alertClassifier(levels ?? topic.split('/')) : undefined,
    payload: p,
    property,
    device,
    deviceId: id(p, 'deviceId'),
    eventId: id(p, 'eventId'),
    eventType: text(p.eventTypeId) ?? undefined,
    at,
    time,
    occurredAt,
  };
  requireFields(parsed);
  return parsed;
}

/**
 * The type of a payload that came without a topic (HomeLINK's webhooks), by the field only that type
 * has: `notificationId`, `readingTypeId`, `statusId` (alert), `replaceByDate` (device), `deviceCount`
 * (property); `unknown` otherwise.
 */
export function typeOfPayload(payload: Readonly<Record<string, unknown>>): MessageType {
  if ('notificationId' in payload) return 'notification';
  if ('readingTypeId' in payload) return 'reading';
  if ('statusId' in payload) return 'alert';
  if ('replaceByDate' in payload) return 'device';
  if ('deviceCount' in payload) return 'property';
  return 'unknown';
}

/**
 * Whether the message is about the device its payload names (its alert, event, reading, or itself) rather
 * than about a property. A message of an unknown type is taken to be about what it names, but is never
 * published as an event of the device (not a type it is declared to raise).
 */
export function concernsDevice(m: HomelinkMessage): boolean {
  return m.device !== undefined && !PROPERTY_TYPES.has(m.type);
}

/** A non-empty string field of the payload, or null. */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A stable id for the event a message raises, so that consumers recognise the same message delivered
 * again: `<eventId>@<actionTimestamp>` for an alert; for other types, prefixed by the type (an event
 * message may share its alert's eventId), with the payload's own id or else a digest of the message.
 */
export function eventIdOf(m: HomelinkMessage): string {
  const p = m.payload;
  const key = m.type === 'alert' && m.eventId !== undefined ? m.eventId : `${m.type}:${m.eventId ?? text(p.__IDENTITY) ?? text(p.notificationId) ?? text(p.insightId) ?? digest(m)}`;
  return m.time === undefined ? key : `${key}@${m.time}`;
}

function digest(m: HomelinkMessage): string {
  return createHash('sha1').update(m.type).update('\u0000').update(JSON.stringify(m.payload)).digest('base64url').slice(0, 16);
}

function requireFields(m: HomelinkMessage): void {
  const missing: string[] = [];
  switch (m.type) {
    case 'alert':
      if (m.eventId === undefined) missing.push('eventId');
      if (m.at === undefined) missing.push('actionTimestamp');
      break;
    case 'event':
      // An event that silences or raises an alarm moves the device's alerts: it needs the device and a time.
      if (m.eventType !== undefined && (isSilence(m.eventType) || isAlarmType(m.eventType))) {
        if (m.device === undefined) missing.push('deviceSerialNumber');
        if (m.at === undefined) missing.push('actionTimestamp');
      }
      break;
    case 'device':
      if (m.device === undefined) missing.push('deviceSerialNumber');
      if (m.property === undefined) missing.push('propertyReference');
      break;
    case 'property':
      if (m.property === undefined) missing.push('propertyReference');
      break;
    case 'reading':
      if (m.device === undefined) missing.push('deviceSerialNumber');
      if (typeof m.payload.readingTypeId !== 'string' || m.payload.readingTypeId === '') missing.push('readingTypeId');
      if (typeof m.payload.value !== 'number' || !Number.isFinite(m.payload.value)) missing.push('a numeric value');
      break;
  }
  if (missing.length > 0) {
    const what = m.type === 'event' ? `event ${m.eventType}` : `${m.type} message`;
    throw new MessageRejected(`${what} without ${missing.join(' and ')}`, 'missing_field');
  }
}

function action(type: MessageType, payload: Record<string, unknown>): string | undefined {
  const value = payload.action;
  if (value === undefined || value === null) return undefined;
  const allowed = ACTIONS[type];
  const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (allowed && (upper === undefined || !allowed.includes(upper))) {
    throw new MessageRejected(`action ${JSON.stringify(value).slice(0, 40)} is not one of ${allowed.join(', ')} for ${type} messages`, 'invalid_field');
  }
  return upper;
}

/** The level after `alert` in `<root>/alert/active|resolved/...` (the topic's levels). */
function alertClassifier(levels: readonly string[]): string | undefined {
  for (let i = 0; i < levels.length - 1; i++) {
    if (levels[i] !== 'alert') continue;
    const next = levels[i + 1]!.toLowerCase();
    if (next === 'active' || next === 'resolved') return next;
  }
  return undefined;
}

/** The property a notification's alerts name: it has no top-level property of its own. */
function alertsProperty(payload: Record<string, unknown>): string | undefined {
  const alerts = payload.alerts;
  if (!Array.isArray(alerts)) return undefined;
  for (const alert of alerts) {
    if (typeof alert !== 'object' || alert === null || Array.isArray(alert)) continue;
    const reference = id(alert as Record<string, unknown>, 'propertyReference');
    if (reference !== undefined) return reference;
  }
  return undefined;
}

function id(payload: Record<string, unknown>, field: string): string | undefined {
  const value = payload[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    const got = typeof value === 'string' ? `a string of ${value.length} characters` : Array.isArray(value) ? 'an array' : typeof value;
    throw new MessageRejected(`${field} must be a string of 1 to ${MAX_ID_LENGTH} characters (got ${got})`, 'invalid_field');
  }
  return value;
}

function timestamp(payload: Record<string, unknown>): number | undefined {
  const value = payload.actionTimestamp;
  if (value === undefined || value === null) return undefined;
  const ms = isoMs(value);
  if (ms === undefined) {
    throw new MessageRejected(`actionTimestamp ${JSON.stringify(value).slice(0, 60)} is not an ISO 8601 date`, 'invalid_timestamp');
  }
  return ms;
}

/** An ISO 8601 date in ms since the epoch, or undefined; HomeLINK writes some dates without a zone, in UTC. */
export function isoMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return undefined;
  const ms = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
