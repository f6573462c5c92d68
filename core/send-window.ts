import type { Writable } from 'node:stream';
import type { MqttClient, Packet } from 'mqtt';
import { Fifo } from './fifo.js';

type WriteCallback = (err?: Error) => void;
type Held = [packet: Packet & { messageId: number }, cb: WriteCallback | undefined];

/** What a connection needs to know of its send window. */
export interface SendWindow {
  /** Publishes written and not yet acknowledged by the broker. */
  readonly inflight: number;
  /** How many may be in flight: the configured window, or the broker's Receive Maximum. */
  readonly limit: number;
  /** Runs whenever the broker's acknowledgements let waiting publishes out. */
  onRelease(listener: () => void): void;
}

interface Writer {
  _writePacket(packet: Packet, cb?: WriteCallback): void;
}

/**
 * Bounds the client's outgoing QoS 1/2 messages in flight (PUBLISH written, PUBACK or PUBCOMP not yet
 * received) to `window`, or to the Receive Maximum an MQTT 5 broker announces.
 *
 * Brokers take only so many at once from a client (mosquitto: max_inflight_messages, 20 by default; MQTT 5:
 * the CONNACK's Receive Maximum) and drop the rest — from an MQTT 3.1.1 client silently, since the PUBREC that
 * refuses a QoS 2 message cannot say so. mqtt.js writes every message as soon as it is stored; here PUBLISH
 * packets beyond the window wait (already stored, and in the state's next commit) and are written as
 * acknowledgements come in. When the connection drops, the waiting ones are forgotten here: mqtt.js sends
 * everything it has stored again on the next connection.
 */
export function installSendWindow(client: MqttClient, window: number): SendWindow {
  const writer = client as unknown as Writer;
  const write = writer._writePacket.bind(client);
  const inflight = new Set<number>();
  let limit = window;
  const held = new Fifo<Held>();
  const listeners: (() => void)[] = [];

  const release = (): void => {
    while (held.size > 0 && inflight.size < limit) {
      const [packet, cb] = held.shift()!;
      inflight.add(packet.messageId);
      write(packet, cb);
    }
  };

  // mqtt.js handles each packet it reads in a tick of its own, and mqtt-packet flushes what a packet wrote at the end
  // of its tick: a publish released per acknowledgement would cost a socket write each. The socket is held corked
  // until the acknowledgements read in one go are handled, so that what they release leaves in one write.
  let corked: Writable | null = null;
  const uncork = (): void => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  const batchWrites = (): void => {
    const stream = (client as { stream?: Writable }).stream;
    if (corked !== null || typeof stream?.cork !== 'function') return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  };

  writer._writePacket = (packet, cb) => {
    if (packet.cmd === 'publish' && packet.qos > 0 && !inflight.has(packet.messageId!)) {
      if (inflight.size >= limit) {
        held.push([packet as Packet & { messageId: number }, cb]);
        return;
      }
      inflight.add(packet.messageId!);
    }
    write(packet, cb);
  };
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'connack') {
      const receiveMaximum = packet.properties?.receiveMaximum;
      // The broker says what it takes; without a word (MQTT 3.1.1), the configured window is the guess.
      limit = receiveMaximum ?? window;
    }
    const done = packet.cmd === 'puback' || packet.cmd === 'pubcomp' || (packet.cmd === 'pubrec' && (packet.reasonCode ?? 0) >= 0x80);
    if (done && inflight.delete(packet.messageId!)) {
      if (held.size > 0) batchWrites();
      release();
      for (const listener of listeners) listener();
    }
  });
  client.on('close', () => {
    inflight.clear();
    held.clear();
  });
  return {
    get inflight() {
      return inflight.size;
    },
    get limit() {
      return limit;
    },
    onRelease(listener) {
      listeners.push(listener);
    },
  };
}
