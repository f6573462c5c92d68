import { isUtf8 } from 'node:buffer';
import type { IPublishPacket } from 'mqtt';
import type { BusEvent } from './bus.js';

/** MQTT 5 properties of a PUBLISH (user properties, content type, ...); absent on MQTT 3.1.1. */
export type MessageProperties = NonNullable<IPublishPacket['properties']>;

export type QoS = 0 | 1 | 2;

/** Deeper nesting than any real payload has; recursive code downstream (guards, serializers) overflows its stack long before JSON.parse does. */
export const MAX_JSON_DEPTH = 64;

/**
 * Thrown by a topic handler for input it refuses: the message is logged with the reason, counted as
 * rejected (by `code`) and sent to the dead-letter topic when one is configured; nothing else happens.
 */
export class MessageRejected extends Error {
  override name = 'MessageRejected';
  readonly code: string;

  constructor(reason: string, code = 'invalid') {
    super(reason);
    this.code = code;
  }
}

const UNPARSED = Symbol('unparsed');

/**
 * An MQTT message as topic handlers see it. The payload is decoded and parsed at most once, however
 * many handlers ask; treat what `json()` returns as read-only, since other handlers share it.
 */
export class InboundMessage {
  readonly connection: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  /** MQTT 5 properties as the broker sent them (e.g. `userProperties`); undefined on MQTT 3.1.1 or when there are none. */
  readonly properties: MessageProperties | undefined;
  readonly #maxBytes: number;
  #text: string | undefined;
  #json: unknown = UNPARSED;
  #error: MessageRejected | undefined;
  #levels: string[] | undefined;

  constructor(connection: string, packet: Pick<IPublishPacket, 'topic' | 'payload' | 'qos' | 'retain' | 'dup' | 'properties'>, maxBytes: number) {
    this.connection = connection;
    this.topic = packet.topic;
    this.payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.qos = packet.qos;
    this.retain = packet.retain;
    this.dup = packet.dup;
    this.properties = packet.properties;
    this.#maxBytes = maxBytes;
  }

  /** The topic's levels (`a/b/c` -> `['a', 'b', 'c']`). */
  get levels(): readonly string[] {
    return (this.#levels ??= this.topic.split('/'));
  }

  /** The payload as text; rejects a payload that is too large or not UTF-8. */
  text(): string {
    if (this.#text !== undefined) return this.#text;
    if (this.#error) throw this.#error;
    if (this.payload.length > this.#maxBytes) {
      throw (this.#error = new MessageRejected(`payload of ${this.payload.length} bytes exceeds the limit of ${this.#maxBytes} (maxPayloadBytes)`, 'too_large'));
    }
    if (!isUtf8(this.payload)) throw (this.#error = new MessageRejected('payload is not valid UTF-8', 'invalid_utf8'));
    return (this.#text = this.payload.toString('utf8'));
  }

  /** The payload parsed as JSON; rejects an empty, oversized, non-UTF-8 or malformed payload. */
  json(): unknown {
    if (this.#json !== UNPARSED) return this.#json;
    // A payload that failed once fails the same way for every other handler, without being parsed again.
    if (this.#error) throw this.#error;
    const text = this.text();
    if (text.length === 0) throw (this.#error = new MessageRejected('payload is empty', 'empty'));
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw (this.#error = new MessageRejected(`payload nests deeper than ${MAX_JSON_DEPTH} levels`, 'too_deep'));
    try {
      return (this.#json = JSON.parse(text));
    } catch (err) {
      throw (this.#error = new MessageRejected(`payload is not JSON (${parseError(err as Error)})`, 'invalid_json'));
    }
  }

  /** The payload parsed as a JSON object; rejects anything else (arrays, strings, numbers, null). */
  object(): Record<string, unknown> {
    const value = this.json();
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new MessageRejected(`payload is JSON but not an object (${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`, 'not_an_object');
    }
    return value as Record<string, unknown>;
  }
}

/** A message on its way out, as guards see it; `payload` is serialized (objects as JSON) after the guards. */
export interface OutboundMessage {
  connection: string;
  topic: string;
  payload: unknown;
  qos: QoS;
  retain: boolean;
  /** The plugin that published it, or "core". */
  readonly origin: string;
  /**
   * The bus event this message publishes, when the core's events output built it: the event as every event
   * guard passed it, whose `data` the payload carries as it is (a guard that checked the event need not check
   * that data again). Undefined for every other message.
   */
  readonly event?: BusEvent | undefined;
}

/** Whether a handler finished synchronously (undefined) or will finish when the promise settles. */
export type Completion = undefined | Promise<unknown>;

/**
 * JSON.parse's complaint without the excerpt of the text it quotes: cut where the engine chose, that excerpt may
 * hold part of an address that no privacy rule recognises any more ("jane.doe@e"...).
 */
function parseError(err: Error): string {
  return err.message.replace(/, (?:\.\.\.)?"[\s\S]*$/, '');
}

/** Whether JSON text opens more than `max` objects or arrays inside one another (strings skipped); only long text can. */
function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= 2 * max || opensAtMost(text, max)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    }
  }
  return false;
}

/** Whether `text` has at most `max` of "{" and "[" in all (strings included): then nothing in it nests deeper. */
function opensAtMost(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i >= 0 && n <= max; i = text.indexOf('{', i + 1)) n++;
  for (let i = text.indexOf('['); i >= 0 && n <= max; i = text.indexOf('[', i + 1)) n++;
  return n <= max;
}
