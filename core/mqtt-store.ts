import { Readable } from 'node:stream';
import type { IStore, Packet } from 'mqtt';
import type { StateMap } from './state-map.js';
import type { TextSink } from './state-log.js';
import { jsonTextOf, type JsonText, type StateStore } from './state-store.js';

/** A packet as persisted: the payload as JSON (`json`), text (`payload`) or base64 bytes (`binary`). */
interface EncodedPacket {
  cmd: Packet['cmd'];
  messageId: number;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  topic?: string;
  payload?: string;
  json?: unknown;
  binary?: string;
  properties?: unknown;
  /** The place of the message in the order the packets were first stored (see DurableMqttStore). */
  order?: number;
}

/**
 * How a publish is stored, carried by its packet (`storage`; see Connection.publish):
 * - `memoryOnly`: kept in memory only, for a retained topic's value, which its owner publishes again at every start
 *   (RetainedTopics): a crash loses nothing by not writing it to disk, and the state log does not carry every
 *   version of every retained topic;
 * - `json`: the payload is JSON text, stored as it is;
 * - `held`: the key under which the publish was kept while mqtt.js held it in memory (DurableMqttStore.hold).
 */
export interface PacketStorage {
  memoryOnly: boolean;
  json: boolean;
  held?: string;
}

/** A publish kept on disk while mqtt.js holds it in memory, not yet stored as a packet. */
export interface HeldPublish {
  topic: string;
  qos: number;
  retain: boolean;
  /** The payload is JSON text (PacketStorage.json). */
  jsonText: boolean;
  payload?: string;
  binary?: string;
  properties?: unknown;
}

type AnyPacket = Packet & { messageId: number; qos?: number; retain?: boolean; dup?: boolean; topic?: string; payload?: Buffer | string; properties?: unknown; storage?: PacketStorage };

/** A packet as it is persisted; written out only when a commit actually writes it. */
class PersistedPacket implements JsonText {
  readonly #packet: AnyPacket;
  readonly #jsonPayload: boolean;
  readonly #order: number;

  constructor(packet: Packet, jsonPayload: boolean, order: number) {
    this.#packet = packet as AnyPacket;
    this.#jsonPayload = jsonPayload;
    this.#order = order;
  }

  writeJSONText(out: TextSink): void {
    const p = this.#packet;
    // mqtt-packet's command names are plain lowercase words.
    let head = `{"cmd":"${p.cmd}","messageId":${p.messageId},"order":${this.#order}`;
    if (p.cmd === 'publish') {
      head += `,"topic":${JSON.stringify(p.topic)},"qos":${p.qos ?? 0},"retain":${p.retain === true},"dup":${p.dup === true}`;
      if (Buffer.isBuffer(p.payload)) {
        out.add(`${head},"binary":"`);
        out.add(p.payload.toString('base64'));
        head = '"';
      } else if (this.#jsonPayload && typeof p.payload === 'string') {
        // JSON the runtime serialized itself goes in as it is: escaping it into a string would cost more than the rest of the commit.
        out.add(`${head},"json":`);
        out.add(p.payload);
        head = '';
      } else {
        head += `,"payload":${JSON.stringify(p.payload ?? '')}`;
      }
    }
    if (p.properties !== undefined) head += `,"properties":${JSON.stringify(p.properties)}`;
    out.add(`${head}}`);
  }
}

/**
 * mqtt.js's packet store (in-flight QoS 1/2 packets) kept in the state store, so that packets survive a
 * crash in the same commits as the state changes that produced them.
 *
 * mqtt.js sends an outgoing packet once its `put` has called back. Every stored packet goes into the next
 * commit, and a packet still stored after a crash is sent again. When `put` calls back:
 * - a QoS 2 publish or its PUBREL: once the packet is on disk. Sent earlier, a crash before the commit would
 *   lose the packet while the broker has it, and the message would go out again under another message id (or,
 *   for a PUBREL, be published again by its publish coming back): the broker could not recognise the repeat.
 * - a QoS 1 publish: at once, as long as the state is being written and no packet stored before it waits for
 *   the disk (packets leave in the order they are stored, which is the order a reconnection sends them again).
 *   A crash before the commit loses it, and loses the state change that made it too: the incoming message that
 *   caused it is acknowledged only after that commit (AckGate), so the broker delivers it again and the publish
 *   is made again. At least once, which is what QoS 1 promises; waiting for the fsync would only add latency.
 *   Its PUBACK may come before the commit: `del` then leaves a removal for the commit.
 * Incoming QoS 2 packets are acknowledged (PUBREC) by the ack gate, which waits for the commit itself, so their
 * `put` calls back at once and mqtt.js keeps reading.
 */
export class DurableMqttStore implements IStore {
  readonly #live = new Map<number, Packet>();
  readonly #memoryOnlyIds = new Set<number>();
  readonly #persisted: StateMap<PersistedPacket | EncodedPacket>;
  readonly #held: StateMap<HeldPublish>;
  readonly #state: StateStore;
  readonly #outgoing: boolean;
  /** Puts waiting for the disk: a QoS 1 publish stored after one of them waits its turn. */
  #waiting = 0;
  /** Each stored message's place in the order of first storing; a PUBREL takes its publish's place. */
  readonly #orders = new Map<number, number>();
  #nextOrder = 0;
  #nextHeld = 0;

  /** `outgoing`: what mqtt.js sends (put waits for the disk as above); otherwise put calls back at once. */
  constructor(state: StateStore, namespace: string, outgoing: boolean) {
    this.#state = state;
    this.#persisted = state.namespace(namespace);
    this.#held = state.namespace(`${namespace}/held`);
    for (const key of this.#held.keys()) this.#nextHeld = Math.max(this.#nextHeld, Number(key) + 1);
    this.#outgoing = outgoing;
    // The state keeps values, not their order: a reused message id would otherwise come back in its old place.
    const stored = [...this.#persisted.values()].map((value) => (value instanceof PersistedPacket ? (JSON.parse(jsonTextOf(value)) as EncodedPacket) : value));
    stored.sort((a, b) => (a.order ?? -1) - (b.order ?? -1));
    for (const e of stored) {
      this.#live.set(e.messageId, decode(e));
      this.#orders.set(e.messageId, this.#nextOrder++);
    }
  }

  get size(): number {
    return this.#live.size;
  }

  /** Message ids of the stored packets. */
  messageIds(): IterableIterator<number> {
    return this.#live.keys();
  }

  /**
   * Keeps a publish that mqtt.js holds in memory (while it sends a reconnection's stored packets, or with every
   * message id taken) in the state, in the same commit as the state change that made it; its packet's `put`
   * removes it in one step. Returns its key, for the packet's `storage.held`.
   */
  hold(topic: string, payload: string | Buffer, qos: number, retain: boolean, json: boolean, properties: unknown): string {
    const key = String(this.#nextHeld++);
    const held: HeldPublish = Buffer.isBuffer(payload) ? { topic, qos, retain, jsonText: json, binary: payload.toString('base64') } : { topic, qos, retain, jsonText: json, payload };
    if (properties !== undefined) held.properties = properties;
    this.#held.set(key, held);
    return key;
  }

  /** The publishes a run ended with still held (see hold), in the order they were made: their keys, and their payloads as published. */
  held(): [key: string, publish: HeldPublish, payload: string | Buffer][] {
    return [...this.#held.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([key, p]) => [key, p, payloadOf(p)]);
  }

  put(packet: Packet, cb: () => void): this {
    const id = packet.messageId!;
    const storage = (packet as AnyPacket).storage;
    this.#live.set(id, packet);
    if (storage?.held !== undefined) this.#held.delete(storage.held);
    // The PUBREL that replaces a QoS 2 publish stays where its publish was.
    if (storage?.memoryOnly === true || this.#memoryOnlyIds.has(id)) {
      this.#memoryOnlyIds.add(id);
      cb();
      return this;
    }
    let order = this.#orders.get(id);
    if (order === undefined) this.#orders.set(id, (order = this.#nextOrder++));
    this.#persisted.set(String(id), new PersistedPacket(packet, storage?.json === true, order));
    if (!this.#outgoing || (packet.cmd === 'publish' && packet.qos === 1 && this.#waiting === 0 && this.#state.degraded === null)) {
      cb();
      return this;
    }
    this.#waiting++;
    this.#state.whenDurable(() => {
      this.#waiting--;
      cb();
    });
    return this;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: (error?: Error, packet?: Packet) => void): this {
    const found = this.#live.get(packet.messageId!);
    if (!found) {
      cb(new Error('missing packet'));
      return this;
    }
    this.#live.delete(packet.messageId!);
    this.#orders.delete(packet.messageId!);
    if (!this.#memoryOnlyIds.delete(packet.messageId!)) this.#persisted.delete(String(packet.messageId));
    cb(undefined, found);
    return this;
  }

  get(packet: Pick<Packet, 'messageId'>, cb: (error?: Error, packet?: Packet) => void): this {
    const found = this.#live.get(packet.messageId!);
    if (found) cb(undefined, found);
    else cb(new Error('missing packet'));
    return this;
  }

  /**
   * The stored packets in the order they were first stored, which is the order they were first sent; readable
   * synchronously, as mqtt.js expects on reconnect. mqtt.js sends them one after the other, each once the one
   * before is acknowledged: the QoS 2 messages a broker still holds for release come before any it has never seen.
   * mosquitto counts those held against the client's in-flight quota, and drops a new message over the quota
   * (to an MQTT 3.1.1 client, silently: its PUBREC cannot say so).
   */
  createStream(): ReturnType<IStore['createStream']> {
    const packets = [...this.#live.values()];
    let i = 0;
    const stream = new Readable({
      objectMode: true,
      read() {
        this.push(i < packets.length ? packets[i++] : null);
      },
    });
    return stream as unknown as ReturnType<IStore['createStream']>;
  }

  close(cb: () => void): void {
    cb();
  }
}

function payloadOf(e: Pick<EncodedPacket, 'binary' | 'json' | 'payload'>): string | Buffer {
  return e.binary !== undefined ? Buffer.from(e.binary, 'base64') : 'json' in e ? JSON.stringify(e.json) : (e.payload ?? '');
}

function decode(e: EncodedPacket): Packet {
  const packet: Record<string, unknown> = { cmd: e.cmd, messageId: e.messageId };
  if (e.cmd === 'publish') {
    packet.topic = e.topic;
    packet.qos = e.qos;
    packet.retain = e.retain;
    packet.dup = e.dup;
    packet.payload = payloadOf(e);
  }
  if (e.properties !== undefined) packet.properties = e.properties;
  return packet as unknown as Packet;
}
