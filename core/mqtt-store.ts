import { Readable } from 'node:stream';
import type { IStore, Packet } from 'mqtt';
import type { StateMap } from './state-map.js';
import type { JsonText, StateStore } from './state-store.js';

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
}

/**
 * How a publish is stored, carried by its packet (`storage`; see Connection.publish):
 * - `memoryOnly`: kept in memory only, for a retained topic's value, which its owner publishes again at every start
 *   (RetainedTopics): a crash loses nothing by not writing it to disk, and the state log does not carry every
 *   version of every retained topic;
 * - `json`: the payload is JSON text, stored as it is.
 */
export interface PacketStorage {
  memoryOnly: boolean;
  json: boolean;
}

type AnyPacket = Packet & { messageId: number; qos?: number; retain?: boolean; dup?: boolean; topic?: string; payload?: Buffer | string; properties?: unknown; storage?: PacketStorage };

/** A packet as it is persisted; written out only when a commit actually writes it. */
class PersistedPacket implements JsonText {
  readonly #packet: AnyPacket;
  readonly #jsonPayload: boolean;

  constructor(packet: Packet, jsonPayload: boolean) {
    this.#packet = packet as AnyPacket;
    this.#jsonPayload = jsonPayload;
  }

  toJSONText(): string {
    const p = this.#packet;
    let text = `{"cmd":${JSON.stringify(p.cmd)},"messageId":${p.messageId}`;
    if (p.cmd === 'publish') {
      text += `,"topic":${JSON.stringify(p.topic)},"qos":${p.qos ?? 0},"retain":${p.retain === true},"dup":${p.dup === true}`;
      if (Buffer.isBuffer(p.payload)) text += `,"binary":"${p.payload.toString('base64')}"`;
      // JSON the runtime serialized itself goes in as it is: escaping it into a string would cost more than the rest of the commit.
      else if (this.#jsonPayload && typeof p.payload === 'string') text += `,"json":${p.payload}`;
      else text += `,"payload":${JSON.stringify(p.payload ?? '')}`;
    }
    if (p.properties !== undefined) text += `,"properties":${JSON.stringify(p.properties)}`;
    return `${text}}`;
  }
}

/**
 * mqtt.js's packet store (in-flight QoS 1/2 packets) kept in the state store, so that packets survive a
 * crash in the same commits as the state changes that produced them.
 *
 * For outgoing packets `put` calls back only once the packet is on disk, and mqtt.js sends a packet only
 * after its `put` has called back: a message therefore leaves the process only when it is durable, and
 * after a crash it is sent again (QoS 2 lets the broker recognise the repeat). Incoming QoS 2 packets
 * are acknowledged (PUBREC) by the ack gate, which waits for the commit itself, so their `put` calls
 * back at once and mqtt.js keeps reading.
 */
export class DurableMqttStore implements IStore {
  readonly #live = new Map<number, Packet>();
  readonly #memoryOnlyIds = new Set<number>();
  readonly #persisted: StateMap<PersistedPacket | EncodedPacket>;
  readonly #state: StateStore;
  readonly #putWaitsForDisk: boolean;

  constructor(state: StateStore, namespace: string, putWaitsForDisk: boolean) {
    this.#state = state;
    this.#persisted = state.namespace(namespace);
    this.#putWaitsForDisk = putWaitsForDisk;
    for (const value of this.#persisted.values()) {
      const packet = decode(value instanceof PersistedPacket ? (JSON.parse(value.toJSONText()) as EncodedPacket) : value);
      this.#live.set(packet.messageId!, packet);
    }
  }

  get size(): number {
    return this.#live.size;
  }

  /** Message ids of the stored packets. */
  messageIds(): IterableIterator<number> {
    return this.#live.keys();
  }

  put(packet: Packet, cb: () => void): this {
    const id = packet.messageId!;
    const storage = (packet as AnyPacket).storage;
    this.#live.set(id, packet);
    // The PUBREL that replaces a QoS 2 publish stays where its publish was.
    if (storage?.memoryOnly === true || this.#memoryOnlyIds.has(id)) {
      this.#memoryOnlyIds.add(id);
      cb();
      return this;
    }
    this.#persisted.set(String(id), new PersistedPacket(packet, storage?.json === true));
    if (this.#putWaitsForDisk) this.#state.whenDurable(cb);
    else cb();
    return this;
  }

  del(packet: Pick<Packet, 'messageId'>, cb: (error?: Error, packet?: Packet) => void): this {
    const found = this.#live.get(packet.messageId!);
    if (!found) {
      cb(new Error('missing packet'));
      return this;
    }
    this.#live.delete(packet.messageId!);
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

  /** The stored packets in the order they were stored; readable synchronously, as mqtt.js expects on reconnect. */
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

function decode(e: EncodedPacket): Packet {
  const packet: Record<string, unknown> = { cmd: e.cmd, messageId: e.messageId };
  if (e.cmd === 'publish') {
    packet.topic = e.topic;
    packet.qos = e.qos;
    packet.retain = e.retain;
    packet.dup = e.dup;
    packet.payload = e.binary !== undefined ? Buffer.from(e.binary, 'base64') : 'json' in e ? JSON.stringify(e.json) : (e.payload ?? '');
  }
  if (e.properties !== undefined) packet.properties = e.properties;
  return packet as unknown as Packet;
}
