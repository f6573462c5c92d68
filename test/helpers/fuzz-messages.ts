import fc from 'fast-check';
import { SeededRandom } from './seeded-random.js';

/**
 * Seeded hostile input for every plugin's topic handlers: malformed JSON, wrong types, huge strings, deep
 * nesting, invalid UTF-8, ids full of wildcards, control characters and NULs, prototype keys. Topics stay
 * valid MQTT topic names (brokers drop the connection of a client that publishes an invalid one): the
 * hostile bytes go in the payloads and the ids they carry.
 */

export type FuzzTarget = 'homelink' | 'ha-discovery' | 'sensor-threshold';

export interface FuzzMessage {
  topic: string;
  payload: Buffer;
  /** The plugin whose filter the topic matches (exactly one). */
  target: FuzzTarget;
}

export interface FuzzOptions {
  seed: number;
  count: number;
  /** homelink's topicRoot. */
  root: string;
  /** sensor-threshold's filter is `<sensorsPrefix>/+/temperature`. */
  sensorsPrefix?: string;
  /** ha-discovery's birth topic. */
  birthTopic?: string;
  /** Largest payload the runtime parses (connections' maxPayloadBytes); a few payloads go beyond it. */
  maxPayloadBytes?: number;
}

/** Personal data written so that a naive detector misses it: escapes, compatibility forms, invisible characters, other scripts' digits. */
export const OBFUSCATED_PII = [
  'jane.doe%40example.com',
  'jane.doe＠example.com',
  'jane.doe﹫example.com',
  'jane.doe&#64;example.com',
  'jane\u200b.doe@example.com',
  '(0)7700 900150',
  'tenant-07700900153',
  '０７７００ ９００１２３',
  '٠٧٧٠٠ ٩٠٠١٢٣',
  '07700\u00a0900123',
];

const MESSAGE_TYPES = ['alert', 'device', 'event', 'insight', 'insightcomponent', 'notification', 'property', 'reading'];
const ID_FIELDS = ['eventId', 'deviceSerialNumber', 'devicePhySerialNumber', 'propertyReference', 'resolvingEventId', '__IDENTITY', 'notificationId', 'insightId'];
// Ids that break naive code: wildcards and level separators, escapes, NUL and control characters, bidi overrides, lone surrogates, prototype names.
const NASTY_IDS = ['+', '#', '/', 'a/+/#', '%2F', '%', '..', '../..', '\u0000', 'NUL\u0000IN', '\u0007\u001b[2J', '\r\n', '\u202eRTL', '\ud800', 'x\udfffy', '__proto__', 'constructor', 'toString', ' ', '', '😀🔥', 'Ω≈ç√', 'A'.repeat(200), 'B'.repeat(201)];

/** `count` messages over the plugins' topics, the same for the same seed. */
export function fuzzMessages(options: FuzzOptions): FuzzMessage[] {
  const rnd = new SeededRandom(options.seed);
  const gen = new FuzzGenerator(rnd, { sensorsPrefix: 'sensors', birthTopic: 'homeassistant/status', maxPayloadBytes: 262144, ...options });
  const out: FuzzMessage[] = [];
  for (let i = 0; i < options.count; i++) out.push(gen.next());
  return out;
}

class FuzzGenerator {
  readonly #rnd: SeededRandom;
  readonly #o: Required<FuzzOptions>;
  /** A bounded pool of hostile ids, so that what the plugins accept and keep stops growing. */
  readonly #ids: string[];
  readonly #levelText = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }).map(topicSafe);
  readonly #anyText = fc.string({ unit: 'binary', maxLength: 40 });

  constructor(rnd: SeededRandom, options: Required<FuzzOptions>) {
    this.#rnd = rnd;
    this.#o = options;
    this.#ids = [...NASTY_IDS];
    while (this.#ids.length < 200) this.#ids.push(rnd.of(fc.string({ unit: 'binary', minLength: 1, maxLength: 24 })));
  }

  next(): FuzzMessage {
    const rnd = this.#rnd;
    const target = rnd.weighted({ homelink: 70, 'sensor-threshold': 20, 'ha-discovery': 10 });
    switch (target) {
      case 'homelink':
        return { target, topic: this.#homelinkTopic(), payload: this.#homelinkPayload() };
      case 'sensor-threshold':
        return { target, topic: `${this.#o.sensorsPrefix}/${this.#level(true)}/temperature`, payload: this.#sensorPayload() };
      case 'ha-discovery':
        return { target, topic: this.#o.birthTopic, payload: this.#birthPayload() };
    }
  }

  #homelinkTopic(): string {
    const rnd = this.#rnd;
    if (rnd.chance(0.01)) return this.#o.root;
    const type = rnd.chance(0.85) ? rnd.pick(MESSAGE_TYPES) : this.#level(false);
    const levels = [this.#o.root, type];
    const more = rnd.int(0, 5);
    for (let i = 0; i < more; i++) levels.push(rnd.chance(0.3) ? rnd.pick(['active', 'resolved', 'add', 'update', 'remove', 'fire-alarm', 'hush']) : this.#level(false));
    return levels.join('/');
  }

  /** A topic level: any text but "/", "+", "#" and control characters; `nonEmpty` where a filter's "+" must match it. */
  #level(nonEmpty: boolean): string {
    const level = this.#rnd.of(this.#levelText);
    return nonEmpty && level === '' ? '_' : level;
  }

  #homelinkPayload(): Buffer {
    const rnd = this.#rnd;
    switch (rnd.weighted({ shaped: 40, wrongTypes: 12, badJson: 10, notObject: 6, invalidUtf8: 8, deep: 4, huge: 2, tooLarge: 1, empty: 3, protoKeys: 4, anyJson: 10, slowScan: 1, pii: 4 })) {
      case 'slowScan': {
        // Valid, and just under the size limit: " +" and 34 digits over and over, which once made the phone detector quadratic.
        const payload = this.#shapedHomelink();
        payload.description = ` +${'1234567890123456789012345678901234'}`.repeat(7000).slice(0, rnd.int(100_000, 250_000));
        return json(payload);
      }
      case 'pii': {
        const payload = this.#shapedHomelink();
        payload[rnd.pick(['description', 'message', 'room', 'propertyReference', 'deviceSerialNumber'])] = `tenant ${rnd.pick(OBFUSCATED_PII)} ${rnd.pick(OBFUSCATED_PII)}`;
        const bytes = json(payload);
        return rnd.chance(0.3) ? this.#invalidUtf8(bytes) : rnd.chance(0.3) ? bytes.subarray(0, rnd.int(1, bytes.length)) : bytes;
      }
      case 'shaped':
        return json(this.#shapedHomelink());
      case 'wrongTypes': {
        const payload = this.#shapedHomelink();
        const field = rnd.pick([...ID_FIELDS, 'actionTimestamp', 'statusId', 'eventTypeId', 'readingTypeId', 'value', 'action', 'readingDate']);
        payload[field] = rnd.of(fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }), fc.string()));
        return json(payload);
      }
      case 'badJson':
        return Buffer.from(this.#badJson());
      case 'notObject':
        return json(rnd.of(fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.string(), fc.integer(), fc.constant(null), fc.boolean())));
      case 'invalidUtf8':
        return this.#invalidUtf8(json(this.#shapedHomelink()));
      case 'deep':
        return Buffer.from(deepJson(this.#shapedHomelink(), rnd.int(1000, 60000), rnd.chance(0.5)));
      case 'huge': {
        const payload = this.#shapedHomelink();
        payload[rnd.pick(['description', 'title', 'room', 'location', 'eventTypeName', 'message'])] = 'x'.repeat(rnd.int(50_000, 200_000));
        return json(payload);
      }
      case 'tooLarge':
        return Buffer.from(`{"eventId":"big","padding":"${'y'.repeat(this.#o.maxPayloadBytes + rnd.int(1, 100_000))}"}`);
      case 'empty':
        return Buffer.alloc(0);
      case 'protoKeys':
        return Buffer.from(`{"__proto__":{"polluted":true,"eventId":"p"},"constructor":{"prototype":{"x":1}},"eventId":${JSON.stringify(this.#id())},"actionTimestamp":"2026-11-20T10:00:00Z","deviceSerialNumber":${JSON.stringify(this.#id())},"propertyReference":${JSON.stringify(this.#id())}}`);
      case 'anyJson':
        return json(rnd.of(fc.object({ maxDepth: 3, maxKeys: 8 })));
    }
  }

  /** A payload shaped like HomeLINK's, with hostile ids and odd values. */
  #shapedHomelink(): Record<string, unknown> {
    const rnd = this.#rnd;
    const payload: Record<string, unknown> = {};
    for (const field of ID_FIELDS) if (rnd.chance(0.6)) payload[field] = this.#id();
    if (rnd.chance(0.85)) payload.actionTimestamp = this.#timestamp();
    if (rnd.chance(0.5)) payload.statusId = rnd.pick(['ACTIVE', 'RESOLVED', 'active', '', 'UNKNOWN']);
    if (rnd.chance(0.5)) payload.eventTypeId = rnd.pick(['FIRE_ALARM', 'CO_ALARM', 'HUSH', 'CANCEL', 'FIRE_ALARM_STOP', 'LOW_BATTERY_HEAD', 'NOT_A_TYPE', '']);
    if (rnd.chance(0.3)) payload.action = rnd.pick(['ADD', 'UPDATE', 'REMOVE', 'RESOLVE', 'SEND', 'remove', 'NOT_AN_ACTION']);
    if (rnd.chance(0.3)) payload.readingTypeId = rnd.pick(['TEMPERATURE', 'HUMIDITY', 'CO2', 'environment.temperature.indoor', this.#id()]);
    if (rnd.chance(0.3)) payload.value = rnd.of(fc.oneof(fc.double(), fc.integer(), fc.constant(1e308)));
    if (rnd.chance(0.3)) payload.readingDate = this.#timestamp();
    if (rnd.chance(0.3)) payload.room = this.#id();
    if (rnd.chance(0.3)) payload.location = this.#id();
    if (rnd.chance(0.3)) payload.sourceModelType = rnd.pick(['FIRECOALARM', 'COALARM', 'GATEWAY', 'ENVSENSOR', this.#id()]);
    if (rnd.chance(0.2)) payload.message = `Contact tenant ${rnd.pick(['jane.doe@example.com', '+44 20 7946 0958', '9e7b63b9-e752-4deb-aafb-b0a69259c1ca'])}`;
    return payload;
  }

  #id(): string {
    return this.#rnd.pick(this.#ids);
  }

  #timestamp(): unknown {
    const rnd = this.#rnd;
    return rnd.pick<() => unknown>([
      () => new Date(Date.UTC(2026, 10, 20) + rnd.int(0, 86_400_000)).toISOString(),
      () => '2026-11-20T10:00:00',
      () => '9999-12-31T23:59:59.999999999Z',
      () => '0000-01-01T00:00:00Z',
      () => '2026-02-30T25:61:61Z',
      () => 'yesterday',
      () => rnd.int(-1e9, 1e12),
      () => '',
      () => `2026-11-20T10:00:00${'9'.repeat(rnd.int(1, 40))}Z`,
    ])();
  }

  #badJson(): string {
    const rnd = this.#rnd;
    const valid = JSON.stringify(this.#shapedHomelink());
    return rnd.pick<() => string>([
      () => valid.slice(0, rnd.int(0, Math.max(0, valid.length - 1))),
      () => `${valid}${rnd.pick(['}', ',', ' trailing', '\u0000', '{}'])}`,
      () => valid.replace(/"/g, "'"),
      () => '{'.repeat(rnd.int(1, 5000)),
      () => '['.repeat(rnd.int(1, 5000)),
      () => rnd.of(this.#anyText),
      () => 'NaN',
      () => '{"eventId": undefined}',
      () => `{"a":"\\u${rnd.hex(2)}"}`,
      () => '\ufeff{"eventId":"bom"}',
    ])();
  }

  /** The bytes with invalid UTF-8 (a lone continuation byte, a truncated sequence, an overlong NUL, a surrogate) put in. */
  #invalidUtf8(bytes: Buffer): Buffer {
    const bad = this.#rnd.pick([[0x80], [0xc3], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xfe, 0xff]]);
    const at = this.#rnd.int(0, bytes.length);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
  }

  #sensorPayload(): Buffer {
    const rnd = this.#rnd;
    switch (rnd.weighted({ number: 20, oddNumber: 25, jsonValue: 20, badJson: 10, invalidUtf8: 8, huge: 2, deep: 3, text: 12 })) {
      case 'number':
        return Buffer.from(String(rnd.of(fc.double({ min: -100, max: 100, noNaN: true }))));
      case 'oddNumber':
        return Buffer.from(rnd.pick(['NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x1F', '  42  ', '4_2', '', ' ', '1,5', '٣٤', '1e-400', '9'.repeat(400)]));
      case 'jsonValue':
        return json({ value: rnd.of(fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }), fc.constant(1e308))) });
      case 'badJson':
        return Buffer.from(rnd.pick(['{', '{"value":', '{"value": 31', '{value: 31}', '{"value": 31}}', '{"value": "31"']));
      case 'invalidUtf8':
        return this.#invalidUtf8(Buffer.from('{"value": 35}'));
      case 'huge':
        return Buffer.from(`{"value": 35, "note": "${'z'.repeat(rnd.int(50_000, 150_000))}"}`);
      case 'deep':
        return Buffer.from(deepJson({ value: 35 }, rnd.int(1000, 60000), false));
      case 'text':
        return Buffer.from(rnd.of(this.#anyText));
    }
  }

  #birthPayload(): Buffer {
    const rnd = this.#rnd;
    // "online" (a real birth: every config published again) is kept rare; the rest is noise.
    if (rnd.chance(0.02)) return Buffer.from('online');
    return rnd.pick<() => Buffer>([
      () => Buffer.from('offline'),
      () => Buffer.from(' online \n'),
      () => Buffer.from('ONLINE'),
      () => Buffer.alloc(0),
      () => this.#invalidUtf8(Buffer.from('online')),
      () => Buffer.from(rnd.of(this.#anyText)),
      () => Buffer.from('x'.repeat(rnd.int(1000, 100_000))),
    ])();
  }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

/** `base` as JSON with one more field nested `depth` levels deep (arrays or objects). */
function deepJson(base: Record<string, unknown>, depth: number, objects: boolean): string {
  const inner = objects ? `${'{"d":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const head = JSON.stringify(base);
  return head === '{}' ? `{"nested":${inner}}` : `${head.slice(0, -1)},"nested":${inner}}`;
}

/** Text usable as one topic level: no separators, wildcards, NULs or other control characters. */
function topicSafe(text: string): string {
  return text.replace(/[/+#\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}]/gu, '_');
}
