import type { Packet } from 'mqtt';
import { Fifo } from './fifo.js';

type AckCommand = 'puback' | 'pubrec' | 'pubcomp';

/** One acknowledgement on hold. */
export interface AckSlot {
  readonly messageId: number;
  packet: Packet | null;
  /** Whether every handler has finished with the message. */
  done: boolean;
  /** The state store's change count that must be durable before the acknowledgement goes out. */
  seq: number;
}

interface Durability {
  readonly seq: number;
  readonly durableSeq: number;
}

/**
 * Holds a connection's acknowledgements (PUBACK, PUBREC, PUBCOMP) until the message they acknowledge is
 * safe: its handlers have finished, and every state change they made (including the stored copies of
 * what they published) is on disk. Until then the broker keeps the message and redelivers it if
 * Switchboard dies.
 *
 * mqtt.js handles one incoming packet at a time and writes the acknowledgement as soon as
 * `handleMessage` calls back. Waiting there for the disk would allow one commit per message; instead the
 * message is handed on at once and the acknowledgement is held here, so many messages share one commit.
 * Acknowledgements leave in the order their messages arrived, as MQTT requires.
 */
export class AckGate {
  readonly #state: Durability;
  readonly #send: (packet: Packet) => void;
  readonly #limit: number;
  readonly #mustRead: () => boolean;
  readonly #queue = new Fifo<AckSlot>();
  readonly #awaitingPacket = new Map<number, AckSlot>();
  #resume: (() => void) | null = null;

  /**
   * `mustRead` says when reading has to go on past the limit: while the connection's own publishes wait for
   * message ids, the broker's acknowledgements that free them arrive on the same stream as the messages.
   */
  constructor(state: Durability, send: (packet: Packet) => void, limit: number, mustRead: () => boolean = () => false) {
    this.#state = state;
    this.#send = send;
    this.#limit = limit;
    this.#mustRead = mustRead;
  }

  /** Acknowledgements on hold. */
  get size(): number {
    return this.#queue.size;
  }

  /** Whether reading waits for the acknowledgements on hold to go out. */
  get paused(): boolean {
    return this.#resume !== null;
  }

  /** Acknowledgements of messages whose handling has finished, still waiting for the disk or their turn. */
  handledOnHold(): number {
    let n = 0;
    for (const slot of this.#queue) if (slot.done) n++;
    return n;
  }

  /** A QoS 1/2 message is being handled: its acknowledgement waits for `done`. */
  expect(messageId: number): AckSlot {
    const slot: AckSlot = { messageId, packet: null, done: false, seq: this.#state.seq };
    this.#queue.push(slot);
    this.#awaitingPacket.set(messageId, slot);
    return slot;
  }

  /** Every handler has finished with the slot's message. */
  done(slot: AckSlot): void {
    slot.done = true;
    if (this.#state.seq > slot.seq) slot.seq = this.#state.seq;
    this.drain();
  }

  /** mqtt.js is sending an acknowledgement: returns true when it is held here, to be sent by `drain`. */
  capture(packet: Packet): boolean {
    const cmd = packet.cmd as AckCommand;
    const id = (packet as { messageId?: number }).messageId ?? 0;
    let slot = cmd === 'pubrec' ? undefined : this.#awaitingPacket.get(id);
    if (slot) {
      this.#awaitingPacket.delete(id);
    } else {
      // PUBREC (its packet was just stored) or an acknowledgement of nothing being handled: it only waits its turn and the disk.
      slot = { messageId: id, packet: null, done: true, seq: 0 };
      this.#queue.push(slot);
    }
    slot.packet = packet;
    if (this.#state.seq > slot.seq) slot.seq = this.#state.seq;
    this.drain();
    return true;
  }

  /** Sends the acknowledgements at the head of the queue that are ready. Called after each commit too. */
  drain(): void {
    const durable = this.#state.durableSeq;
    for (let slot = this.#queue.peek(); slot; slot = this.#queue.peek()) {
      if (!slot.packet || !slot.done || slot.seq > durable) break;
      this.#queue.shift();
      this.#send(slot.packet);
    }
    if (this.#resume && (this.size < this.#limit || this.#mustRead())) {
      const resume = this.#resume;
      this.#resume = null;
      resume();
    }
  }

  /** Calls `resume` now, or once fewer than the limit are on hold (the broker's stream pauses meanwhile). */
  whenBelowLimit(resume: () => void): void {
    if (this.size < this.#limit || this.#mustRead()) resume();
    else this.#resume = resume;
  }

  /**
   * The connection is gone: acknowledgements on hold are dropped (the broker redelivers those messages
   * to a persistent session), and so is the paused reader; the next connection reads afresh.
   */
  clear(): void {
    this.#queue.clear();
    this.#awaitingPacket.clear();
    this.#resume = null;
  }
}
