import { appendFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { Mosquitto } from './mosquitto.js';
import { TestClient } from './mqtt.js';
import { tempDir } from './paths.js';
import { InProcessRuntime } from './runtime.js';

export type Implementation = 'mosquitto' | 'switchboard';
export type Side = 'L' | 'R';

export interface Probe {
  side: Side;
  topic: string;
  qos: 0 | 1 | 2;
  retain?: boolean;
}

export interface BridgeSetup {
  /** topic lines, without the keyword. */
  lines: string[];
  protocol: '3.1.1' | '5';
  /** More options of the Switchboard bridge, and the mosquitto lines that mean the same. */
  switchboard?: Record<string, unknown>;
  mosquitto?: string[];
}

/** A line in every setup: both ways, no prefixes, so that a message through it shows the bridge subscribed on both sides. */
const SENTINEL = 'sentinel/# both 1';
const REMOTE_CLIENT_ID = 'bridge-under-test';
export const STATE_TOPIC = `$SYS/broker/connection/${REMOTE_CLIENT_ID}/state`;

/** One observed message: the broker it arrived on, topic, QoS, retain flag (as published: MQTT 5 Retain As Published) and payload. */
export type Observation = string;

/**
 * Two real mosquitto brokers, L (local) and R (remote), bridged either by mosquitto itself (a `connection` block in
 * L's configuration) or by a Switchboard runtime with the mosquitto-bridge plugin, with the same topic lines. A
 * recorder on each broker subscribes `#` (QoS 2, Retain As Published) and records everything except the runtime's
 * own status topics.
 */
export class BridgePair {
  readonly L: Mosquitto;
  readonly R: Mosquitto;
  readonly implementation: Implementation;
  runtime: InProcessRuntime | undefined;
  readonly observed: Observation[] = [];
  readonly #clients: MqttClient[] = [];
  readonly #dir: { path: string; remove(): Promise<void> };
  #serial = 0;

  private constructor(implementation: Implementation, L: Mosquitto, R: Mosquitto, dir: { path: string; remove(): Promise<void> }) {
    this.implementation = implementation;
    this.L = L;
    this.R = R;
    this.#dir = dir;
  }

  static async start(implementation: Implementation, setup: BridgeSetup): Promise<BridgePair> {
    const R = await Mosquitto.start({ persistence: false });
    const L = await Mosquitto.start({ persistence: false });
    const pair = new BridgePair(implementation, L, R, await tempDir());
    try {
      await pair.#bridge(setup);
      await pair.#record('L');
      await pair.#record('R');
      await pair.sync();
    } catch (err) {
      await pair.close();
      throw err;
    }
    return pair;
  }

  async #bridge(setup: BridgeSetup): Promise<void> {
    const lines = [...setup.lines, SENTINEL];
    if (this.implementation === 'mosquitto') {
      const block = [
        'connection b',
        `address 127.0.0.1:${this.R.port}`,
        `remote_clientid ${REMOTE_CLIENT_ID}`,
        'cleansession true',
        'restart_timeout 1 2',
        `bridge_protocol_version ${setup.protocol === '5' ? 'mqttv50' : 'mqttv311'}`,
        ...(setup.mosquitto ?? []),
        ...lines.map((l) => `topic ${l}`),
      ];
      await appendFile(this.L.configFile, `${block.join('\n')}\n`);
      await this.L.restart();
      return;
    }
    const side = (url: string, clientId: string): Record<string, unknown> => ({ url, clientId, clean: true, protocolVersion: setup.protocol, bridgeMode: true, reconnect: { minDelay: 0.2, maxDelay: 1 } });
    this.runtime = await InProcessRuntime.start(this.#dir.path, {
      connections: { local: side(this.L.url, 'switchboard-local'), remote: side(this.R.url, REMOTE_CLIENT_ID) },
      plugins: { 'mosquitto-bridge': { bridges: [{ name: 'b', remote: 'remote', topics: lines, ...setup.switchboard }] } },
    });
  }

  async #record(side: Side): Promise<void> {
    const broker = side === 'L' ? this.L : this.R;
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 200, connectTimeout: 5000, clientId: `recorder-${side}-${Math.random().toString(16).slice(2)}` });
    this.#clients.push(client);
    client.on('message', (topic, payload, packet) => {
      if (topic.startsWith('switchboard/')) return;
      this.observed.push(`${side}|${topic}|q${packet.qos}|r${packet.retain ? 1 : 0}|${payload.toString()}`);
    });
    await client.subscribeAsync({ '#': { qos: 2, rap: true, rh: 0 } });
  }

  /** Publishes on L or R (MQTT 5, so that retain reaches the broker as given). */
  async publish(probe: Probe, payload: string): Promise<void> {
    const client = await mqtt.connectAsync((probe.side === 'L' ? this.L : this.R).url, { protocolVersion: 5, reconnectPeriod: 0 });
    try {
      await client.publishAsync(probe.topic, payload, { qos: probe.qos, retain: probe.retain ?? false });
    } finally {
      await client.endAsync();
    }
  }

  /**
   * Waits until a sentinel message went through the bridge both ways: the bridge is subscribed on both sides, and
   * (messages from one client being delivered in order) what was published before it has been forwarded.
   */
  async sync(ms = 15000): Promise<void> {
    const n = ++this.#serial;
    const arrived = (side: Side, topic: string): boolean => this.observed.some((o) => o.startsWith(`${side}|${topic}|`));
    const deadline = Date.now() + ms;
    for (let attempt = 0; !(arrived('R', `sentinel/L${n}`) && arrived('L', `sentinel/R${n}`)); attempt++) {
      if (Date.now() > deadline) throw new Error(`the bridge did not carry the sentinel ${n} both ways within ${ms} ms; observed:\n${this.observed.join('\n')}\nL:\n${this.L.log}`);
      // Until the bridge is up, a sentinel may go nowhere: send it again now and then.
      if (attempt % 20 === 0) {
        if (!arrived('R', `sentinel/L${n}`)) await this.publish({ side: 'L', topic: `sentinel/L${n}`, qos: 1 }, `${n}`);
        if (!arrived('L', `sentinel/R${n}`)) await this.publish({ side: 'R', topic: `sentinel/R${n}`, qos: 1 }, `${n}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Publishes the probes (payload: their index), waits until they went through, and returns what arrived for them, sorted. */
  async run(probes: Probe[], tag = 'p'): Promise<Observation[]> {
    const from = this.observed.length;
    for (const [i, probe] of probes.entries()) await this.publish(probe, `${tag}${i}`);
    await this.sync();
    // A copy that the sentinel overtook (another subscription's queue) comes right after it.
    await new Promise((r) => setTimeout(r, 300));
    return this.observed.slice(from).filter((o) => !o.includes('|sentinel/')).sort();
  }

  async close(): Promise<void> {
    for (const c of this.#clients.splice(0)) await c.endAsync(true);
    await this.runtime?.stop();
    this.runtime = undefined;
    await this.L.close();
    await this.R.close();
    await this.#dir.remove();
  }
}

/** The retained messages under `filter` a fresh subscriber gets from a broker (at least `expect` of them), as `topic=payload`, sorted. */
export async function retained(url: string, filter: string, expect: number): Promise<string[]> {
  const client = await TestClient.connect(url);
  try {
    await client.subscribe(filter);
    await client.waitFor((r) => r.filter((m) => m.retain).length >= expect, 10000, `${expect} retained message(s) under ${filter}`);
    return client.received.filter((m) => m.retain).map((m) => `${m.topic}=${m.text}`).sort();
  } finally {
    await client.close();
  }
}

/** What one set of probes gives with each implementation. */
export async function both(setup: BridgeSetup, probes: Probe[]): Promise<Record<Implementation, Observation[]>> {
  const result = {} as Record<Implementation, Observation[]>;
  for (const implementation of ['mosquitto', 'switchboard'] as const) {
    const pair = await BridgePair.start(implementation, setup);
    try {
      result[implementation] = await pair.run(probes);
    } finally {
      await pair.close();
    }
  }
  return result;
}
