import type { IPublishPacket, MqttClient } from 'mqtt';
import { AckGate, type AckSlot } from './ack-gate.js';
import { hookSend } from './client-hooks.js';
import { Fifo } from './fifo.js';
import type { Completion } from './message.js';
import type { StateStore } from './state-store.js';

/** What the flow asks of its connection. */
export interface InboundHost {
  /** Whether handlers may take messages now: the connection is up, and what they publish is not backlogged. */
  canHandle(): boolean;
  /** Hands a message to the handlers; returns when they have finished (see Completion). */
  handle(packet: IPublishPacket): Completion;
  /**
   * Whether reading has to go on past the limit: while the connection's own publishes wait for message ids or
   * acknowledgements, the broker's acknowledgements arrive on the same stream as its messages.
   */
  mustRead(): boolean;
}

/**
 * A connection's incoming messages, from mqtt.js to the handlers: read in order, handed on while the handlers can
 * take them, and acknowledged (PUBACK, PUBREC, PUBCOMP) only once handled and durable, through the AckGate it hooks
 * into the client. Messages that wait are unacknowledged, so the broker keeps them until they are handled.
 */
export class InboundFlow {
  readonly #state: StateStore;
  readonly #maxInflight: number;
  readonly #host: InboundHost;
  #gate: AckGate | null = null;
  #reading = true;
  #inflight = 0;
  /** Continues reading from the broker once state can be written again. */
  #stalledRead: (() => void) | null = null;
  /** Messages read and not yet handed to the handlers (see pump), and their acknowledgements' slots (null at QoS 0). */
  readonly #pending = new Fifo<IPublishPacket>();
  readonly #pendingSlots = new Fifo<AckSlot | null>();

  constructor(state: StateStore, maxInflight: number, host: InboundHost) {
    this.#state = state;
    this.#maxInflight = maxInflight;
    this.#host = host;
  }

  get reading(): boolean {
    return this.#reading;
  }

  /** Acknowledgements on hold. */
  get heldAcks(): number {
    return this.#gate?.size ?? 0;
  }

  /** Takes over the client's incoming messages and their acknowledgements. */
  install(client: MqttClient): void {
    // The broker's acknowledgements of what this connection publishes come on the same stream as its messages: while
    // any are due, reading goes on past the limit (messages read meanwhile wait in #pending, unhandled).
    let gate: AckGate | undefined;
    const send = hookSend(client, (packet) => gate!.capture(packet));
    gate = new AckGate(this.#state, send, this.#maxInflight, () => this.#host.mustRead());
    this.#gate = gate;
    this.#state.onCommit(() => {
      gate.drain();
      if (this.#state.degraded) return;
      // The disk takes writes again: reading and handling go on where they stopped.
      const resume = this.#stalledRead;
      this.#stalledRead = null;
      resume?.();
      this.pump();
    });
    client.handleMessage = (packet, callback) => {
      if (!this.#reading) {
        // Stopping: the message is not handled and its acknowledgement never sent, so the broker keeps it for the next
        // session; mqtt.js reads on, so that the broker's acknowledgements of what we published still arrive.
        if (packet.qos > 0) gate.expect(packet.messageId!);
        callback();
        return;
      }
      const slot = packet.qos > 0 ? gate.expect(packet.messageId!) : null;
      this.#pending.push(packet);
      this.#pendingSlots.push(slot);
      this.pump();
      // State cannot be written: nothing could be acknowledged, so take no more (the broker keeps them) until it can.
      if (this.#state.degraded) this.#stalledRead = slot ? () => gate.whenBelowLimit(callback) : callback;
      else if (slot) gate.whenBelowLimit(callback);
      else callback();
    };
  }

  /**
   * Hands read messages to the handlers, in order, while they can take them:
   * - not before the connection is up: mqtt.js is still re-sending its stored packets and would keep what handlers
   *   publish meanwhile in memory only, while their state changes are committed, so a crash would lose that output;
   * - not while more than `maxInflight` are being handled;
   * - not while state cannot be written: no acknowledgement could go out (fail closed, see StateStore);
   * - not while what they publish is backlogged behind the send window: a broker that sends a whole persistent
   *   session's queue at once would otherwise make Switchboard hold every message it derives from it in memory.
   */
  pump(): void {
    const gate = this.#gate!;
    while (this.#pending.size > 0 && this.#reading && !this.#state.degraded && this.#inflight < this.#maxInflight && this.#host.canHandle()) {
      this.#handle(gate, this.#pending.shift()!, this.#pendingSlots.shift() ?? null);
    }
  }

  /** The connection published a message whose acknowledgement is due: a paused reader has to go on. */
  published(): void {
    if (this.#gate?.paused) this.#gate.drain();
  }

  /** Stops taking new messages: they stay unacknowledged, so the broker keeps them for the next session. */
  stopReading(): void {
    this.#reading = false;
  }

  /** Whether every message taken has been handled and acknowledged. */
  get idle(): boolean {
    return this.#inflight === 0 && (this.#gate?.handledOnHold() ?? 0) === 0;
  }

  /**
   * The connection is gone: acknowledgements on hold are dropped and messages not handed on yet forgotten (the broker
   * sends unacknowledged messages again; QoS 0 ones it will not, so those stay).
   */
  disconnected(): void {
    this.#gate?.clear();
    this.#stalledRead = null;
    // A slot is null exactly for QoS 0.
    this.#pending.retain((packet) => packet.qos === 0);
    this.#pendingSlots.retain((slot) => slot === null);
  }

  #handle(gate: AckGate, packet: IPublishPacket, slot: AckSlot | null): void {
    const completion = this.#host.handle(packet);
    if (!slot) {
      completion?.catch(() => undefined);
    } else if (completion) {
      this.#inflight++;
      completion.then(
        () => this.#finish(gate, slot),
        () => this.#finish(gate, slot),
      );
    } else {
      gate.done(slot);
    }
  }

  #finish(gate: AckGate, slot: AckSlot): void {
    this.#inflight--;
    gate.done(slot);
    this.pump();
  }
}
