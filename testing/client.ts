import { setTimeout as delay } from 'node:timers/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { filterMatches } from '../core/index.js';

/** A message a TestClient received. */
export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
  /** The payload as UTF-8 text. */
  text: string;
  /** The payload parsed as JSON (throws if it is not). */
  json<T = unknown>(): T;
}

/** A test's own MQTT client (mqtt.js, no reconnection) that records every message it receives, in order. */
export class TestClient {
  readonly client: MqttClient;
  readonly received: Received[] = [];
  readonly #waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString('utf8');
      this.received.push({ topic, payload, retain: packet.retain, qos: packet.qos, text, json: <T>() => JSON.parse(text) as T });
      for (const w of [...this.#waiters]) if (w.check()) w.resolve();
    });
  }

  /** Connects to `url`; rejects if the broker refuses or does not answer within 5 s. */
  static async connect(url: string, options: IClientOptions = {}): Promise<TestClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    return new TestClient(client);
  }

  /** Subscribes (QoS 1 unless told otherwise); resolves once the broker has granted it. */
  async subscribe(filter: string | string[], qos: 0 | 1 | 2 = 1): Promise<void> {
    await this.client.subscribeAsync(filter, { qos });
  }

  /** Publishes `payload` (an object is sent as JSON) at QoS 1 unless told otherwise; resolves once the broker has it. */
  async publish(topic: string, payload: string | Buffer | object, options: { qos?: 0 | 1 | 2; retain?: boolean } = {}): Promise<void> {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    await this.client.publishAsync(topic, body, { qos: options.qos ?? 1, retain: options.retain ?? false });
  }

  /** Messages received so far on topics matching `filter` (an MQTT filter). */
  on(filter: string): Received[] {
    return this.received.filter((m) => topicMatches(filter, m.topic));
  }

  /** Waits until `predicate` holds over what was received, or fails after `ms` with what was received. */
  async waitFor(predicate: (received: Received[]) => boolean, ms = 5000, what = 'the expected messages'): Promise<void> {
    if (predicate(this.received)) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = { check: () => predicate(this.received), resolve: () => done(resolve) };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; received: ${this.received.map((m) => `${m.topic} ${m.text.slice(0, 120)}`).join(' | ') || 'nothing'}`))), ms);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        settle();
      };
      this.#waiters.push(waiter);
    });
  }

  /** Waits until at least `count` messages matching `filter` were received; returns them. */
  async waitForCount(filter: string, count: number, ms = 5000): Promise<Received[]> {
    await this.waitFor((r) => r.filter((m) => topicMatches(filter, m.topic)).length >= count, ms, `${count} message(s) on ${filter}`);
    return this.on(filter);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Whether MQTT topic `filter` (with `+` and `#`) matches `topic`. */
export const topicMatches = filterMatches;

/** Resolves after `ms`. Prefer waiting for what should happen (waitFor, waitUntil) to sleeping. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}
