import { Readable } from 'node:stream';
import type { IStore, Packet } from 'mqtt';
import type { StateMap, StateStore } from './state-store.js';

interface EncodedPacket {
  cmd: Packet['cmd'];
  messageId: number;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  topic?: string;
  payload?: string;
  binary?: boolean;
  properties?: unknown;
}

/** A packet as it is persisted; serialized (payload to base64) only when a commit actually writes it. */
class PersistedPacket {
  readonly #packet: Packet;
  constructor(packet: Packet) {
    this.#packet = packet;
  }
  toJSON(): EncodedPacket {
    return encode(this.#packet);
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
  readonly #persisted: StateMap<PersistedPacket | EncodedPacket>;
  readonly #state: StateStore;
  readonly #putWaitsForDisk: boolean;

  constructor(state: StateStore, namespace: string, putWaitsForDisk: boolean) {
    this.#state = state;
    this.#persisted = state.namespace(namespace);
    this.#putWaitsForDisk = putWaitsForDisk;
    for (const value of this.#persisted.values()) {
      const packet = decode(value instanceof PersistedPacket ? value.toJSON() : value);
      this.#live.set(packet.messageId!, packet);
    }
  }

  get size(): number {
    return this.#live.size;
  }

  put(packet: Packet, cb: () => void): this {
    const id = packet.messageId!;
    this.#live.set(id, packet);
    this.#persisted.set(String(id), new PersistedPacket(packet));
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
    this.#persisted.delete(String(packet.messageId));
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

function encode(packet: Packet): EncodedPacket {
  const p = packet as Packet & { messageId: number; qos?: number; retain?: boolean; dup?: boolean; topic?: string; payload?: Buffer | string; properties?: unknown };
  const out: EncodedPacket = { cmd: p.cmd, messageId: p.messageId };
  if (p.cmd === 'publish') {
    out.topic = p.topic;
    out.qos = p.qos;
    out.retain = p.retain;
    out.dup = p.dup;
    if (Buffer.isBuffer(p.payload)) {
      out.payload = p.payload.toString('base64');
      out.binary = true;
    } else {
      out.payload = p.payload ?? '';
    }
  }
  if (p.properties !== undefined) out.properties = p.properties;
  return out;
}

function decode(e: EncodedPacket): Packet {
  const packet: Record<string, unknown> = { cmd: e.cmd, messageId: e.messageId };
  if (e.cmd === 'publish') {
    packet.topic = e.topic;
    packet.qos = e.qos;
    packet.retain = e.retain;
    packet.dup = e.dup;
    packet.payload = e.binary ? Buffer.from(e.payload ?? '', 'base64') : (e.payload ?? '');
  }
  if (e.properties !== undefined) packet.properties = e.properties;
  return packet as unknown as Packet;
}
