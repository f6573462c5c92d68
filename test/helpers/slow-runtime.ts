import assert from 'node:assert/strict';
import { waitForHealth, waitUntilSettled } from './endpoints.js';
import { TestClient } from './mqtt.js';
import { fixture, tempDir } from './paths.js';
import { RuntimeProcess, testConfig, writeConfig, type Exit } from './runtime.js';

const SLOW_PLUGIN = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'slow.js');
const MARKERS = 'e2e/marker';

export interface SlowRuntimeOptions {
  /** Options of connections.local beside url, clientId and clean: false (e.g. protocolVersion). */
  connection?: Record<string, unknown>;
  /** A client id unique to the test, so that brokers shared by several tests keep their sessions apart. */
  clientId: string;
  /** More plugin sections, beside e2e-slow's. */
  plugins?: Record<string, unknown>;
}

interface Marker {
  id?: string;
  handled?: string[];
  stops?: number;
}

/**
 * The CLI as a child process with the test plugin `e2e-slow` (see test/fixtures/e2e-plugins/slow.ts)
 * on a persistent session, and an observer client that records the plugin's markers and the status
 * topic. The configuration and state directory stay the same across `start()`s, as for a restarted
 * service.
 */
export class SlowRuntime {
  readonly brokerUrl: string;
  readonly dir: string;
  readonly configFile: string;
  readonly observer: TestClient;
  readonly #removeDir: () => Promise<void>;
  process: RuntimeProcess | undefined;

  private constructor(brokerUrl: string, dir: string, configFile: string, observer: TestClient, removeDir: () => Promise<void>) {
    this.brokerUrl = brokerUrl;
    this.dir = dir;
    this.configFile = configFile;
    this.observer = observer;
    this.#removeDir = removeDir;
  }

  /**
   * Writes the configuration and connects the observer, on a persistent session of its own that comes
   * back by itself, so it misses nothing when the broker restarts.
   */
  static async create(brokerUrl: string, options: SlowRuntimeOptions): Promise<SlowRuntime> {
    const dir = await tempDir();
    try {
      const configFile = await writeConfig(
        dir.path,
        testConfig({
          connections: { local: { url: brokerUrl, clientId: options.clientId, clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 }, ...options.connection } },
          // The debug log says when the plugin's filter is subscribed, before which a message sent would be lost.
          log: { level: 'debug' },
          plugins: { 'e2e-slow': { module: SLOW_PLUGIN, markerPrefix: MARKERS }, ...options.plugins },
        }),
      );
      const observer = await TestClient.connect(brokerUrl, { clientId: `${options.clientId}-observer`, clean: false, reconnectPeriod: 200 });
      await observer.subscribe([`${MARKERS}/#`, 'switchboard/status']);
      return new SlowRuntime(brokerUrl, dir.path, configFile, observer, dir.remove);
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  /** Starts the CLI and waits until its connection is up and the plugin's filter subscribed. */
  async start(): Promise<RuntimeProcess> {
    const readyBefore = this.observer.on(`${MARKERS}/ready`).length;
    const p = await RuntimeProcess.start(this.configFile);
    this.process = p;
    await p.waitForLog((l) => l.msg === 'subscribed' && l.filter === 'e2e/slow/+', 15000, 'the subscription');
    await waitForHealth(p.healthUrl, (status) => status === 200, 15000, 'the runtime to be healthy');
    await this.observer.waitFor((r) => r.filter((m) => m.topic === `${MARKERS}/ready`).length > readyBefore, 10000, 'the ready marker');
    return p;
  }

  /** Sends the plugin a QoS 1 message that takes `delayMs` to handle. */
  async send(id: string, delayMs: number): Promise<void> {
    const client = await TestClient.connect(this.brokerUrl);
    try {
      await client.publish(`e2e/slow/${id}`, { id, delayMs }, { qos: 1 });
    } finally {
      await client.close();
    }
  }

  /** Markers of one phase (`started`, `done`) for message `id`. */
  markers(phase: 'started' | 'done', id: string): Marker[] {
    return this.observer.on(`${MARKERS}/${phase}`).map((m) => m.json<Marker>()).filter((m) => m.id === id);
  }

  async waitFor(phase: 'started' | 'done', id: string, count: number, ms = 15000): Promise<void> {
    await this.observer.waitFor((r) => r.filter((m) => m.topic === `${MARKERS}/${phase}` && m.json<Marker>().id === id).length >= count, ms, `${count} "${phase}" marker(s) of ${id}`);
  }

  /** What the plugin found in its state at its last start. */
  lastReady(): { handled: string[]; stops: number } {
    const ready = this.observer.on(`${MARKERS}/ready`).at(-1);
    assert.ok(ready, 'no ready marker');
    const { handled = [], stops = 0 } = ready.json<Marker>();
    return { handled, stops };
  }

  /** Waits until the last message on the status topic is `text`. */
  async waitForStatus(text: string): Promise<void> {
    await this.observer.waitFor((r) => r.filter((m) => m.topic === 'switchboard/status').at(-1)?.text === text, 5000, `the status to be "${text}"`);
  }

  /**
   * Waits until the runtime has acknowledged every message it took, and the broker everything the runtime published:
   * a marker still unacknowledged at a kill is sent again by the next run (at least once, as QoS 1 promises).
   */
  async acksSent(): Promise<void> {
    await waitUntilSettled(this.process!.healthUrl, 10000, 'every acknowledgement to be sent and received');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    return this.process!.kill(signal);
  }

  async close(): Promise<void> {
    await this.process?.kill('SIGKILL');
    await this.observer.close();
    await this.#removeDir();
  }
}

/**
 * Ack after handling, over a real broker that outlives the runtime: a message whose handler was still
 * running when the process was killed is delivered again after a restart and handled to the end; a
 * message whose handling finished (and was acknowledged) is not delivered again after another kill.
 * `betweenRuns` runs while the runtime is down (e.g. to restart the broker too).
 */
export async function assertAckAfterHandling(slow: SlowRuntime, betweenRuns: () => Promise<void> = async () => undefined): Promise<void> {
  await slow.start();
  assert.deepEqual(slow.lastReady(), { handled: [], stops: 0 });
  await slow.send('m1', 3000);
  await slow.waitFor('started', 'm1', 1);
  await slow.process!.waitForLog((l) => l.msg === 'e2e-slow: handling started' && l.id === 'm1');
  assert.deepEqual(await slow.kill('SIGKILL'), { code: null, signal: 'SIGKILL' });
  assert.equal(slow.markers('done', 'm1').length, 0, 'm1 was not finished before the kill');

  await betweenRuns();
  await slow.start();
  assert.deepEqual(slow.lastReady(), { handled: [], stops: 0 }, 'm1 was not recorded by the killed run');
  await slow.waitFor('done', 'm1', 1);
  assert.ok(slow.markers('started', 'm1').length >= 2, 'm1 was delivered again after the restart');
  await slow.acksSent();

  // The converse: m1's acknowledgement left after its state was committed, so the broker does not send it again.
  await slow.kill('SIGKILL');
  const startedBefore = slow.markers('started', 'm1').length;
  await betweenRuns();
  await slow.start();
  assert.deepEqual(slow.lastReady(), { handled: ['m1'], stops: 0 });
  // The broker would deliver a queued m1 before m2, so once m2 is done, m1 had its chance to come back.
  await slow.send('m2', 0);
  await slow.waitFor('done', 'm2', 1);
  assert.equal(slow.markers('started', 'm1').length, startedBefore, 'm1 was not delivered again');
  assert.equal(slow.markers('done', 'm1').length, 1);
}
