import { createHash } from 'node:crypto';
import { MessageRejected, type InboundMessage } from '../../core/index.js';

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

/** The eventTypeId of a silence: an `event` naming a device (and often, by relatedEventId, the alert). */
export const ALARM_CANCEL = 'ALARM_CANCEL';

const KNOWN_TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);
const MAX_ID_LENGTH = 200;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/;

/** A HomeLINK message: the type (and classifier) from its topic, every id from its payload. */
export interface HomelinkMessage {
  readonly topic: string;
  readonly type: MessageType;
  /** The level after the type when it is a word such as active, inactive, add or delete rather than the property. */
  readonly classifier: string | undefined;
  /** The parsed payload, shared with other handlers: read only. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly property: string | undefined;
  readonly device: string | undefined;
  readonly eventId: string | undefined;
  /** actionTimestamp in ms since the epoch, and as an ISO string. */
  readonly at: number | undefined;
  readonly time: string | undefined;
  /** When what it reports happened (ms): a reading's readingDate, else actionTimestamp, else raisedDate. */
  readonly occurredAt: number | undefined;
  /** The payload as received. */
  readonly bytes: Buffer;
}

/**
 * Reads a message under the HomeLINK root (`rootDepth` levels): rejects (MessageRejected, with a code)
 * what is not a JSON object, ids that are not short strings, an actionTimestamp that is not an ISO 8601
 * date, and messages missing what their type needs. An unknown type is not an error: it is `unknown`.
 */
export function parseMessage(message: InboundMessage, rootDepth: number): HomelinkMessage {
  const payload = message.object();
  const level = message.levels[rootDepth];
  const type: MessageType = level !== undefined && KNOWN_TYPES.has(level) ? (level as MessageType) : 'unknown';
  const property = id(payload, 'propertyReference');
  const device = id(payload, 'deviceSerialNumber') ?? id(payload, 'devicePhySerialNumber');
  const eventId = id(payload, 'eventId');
  const at = timestamp(payload);
  const next = message.levels[rootDepth + 1];
  const classifier = next !== undefined && next !== property && message.levels.length > rootDepth + 2 ? next.toLowerCase() : undefined;
  const time = at === undefined ? undefined : new Date(at).toISOString();
  const occurredAt = (type === 'reading' ? isoMs(payload.readingDate) : undefined) ?? at ?? isoMs(payload.raisedDate);
  const parsed: HomelinkMessage = { topic: message.topic, type, classifier, payload, property, device, eventId, at, time, occurredAt, bytes: message.payload };
  requireFields(parsed);
  return parsed;
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
  return createHash('sha1').update(m.topic).update('\u0000').update(m.bytes).digest('base64url').slice(0, 16);
}

function requireFields(m: HomelinkMessage): void {
  const missing: string[] = [];
  switch (m.type) {
    case 'alert':
      if (m.eventId === undefined) missing.push('eventId');
      if (m.at === undefined) missing.push('actionTimestamp');
      break;
    case 'event':
      if (m.payload.eventTypeId === ALARM_CANCEL) {
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
    const what = m.type === 'event' ? 'silence (event ALARM_CANCEL)' : `${m.type} message`;
    throw new MessageRejected(`${what} without ${missing.join(' and ')}`, 'missing_field');
  }
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
function isoMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return undefined;
  const ms = Date.parse(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
