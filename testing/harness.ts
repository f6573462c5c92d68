import type { IClientOptions } from 'mqtt';
import { startBroker, type TestBroker } from './broker.js';
import { TestClient } from './client.js';
import { InProcessRuntime } from './runtime.js';
import { tempDir, type TempDir } from './temp-dir.js';

/**
 * Everything a plugin's test needs: a real MQTT broker on a free loopback port, a temporary directory
 * (the configuration file and the runtime's state), a client subscribed to every topic that records what
 * it receives, and a runtime started from a configuration you give. `close()` closes all of it.
 *
 * ```ts
 * const h = await Harness.create();
 * await h.start({ plugins: { 'my-plugin': { module: fileURLToPath(new URL('../index.js', import.meta.url)), threshold: 30 } } });
 * await h.client.publish('sensors/kitchen/temperature', '31');
 * await h.client.waitForCount('switchboard/events/threshold_exceeded', 1);
 * await h.close();
 * ```
 */
export class Harness {
  /** The broker; its `url` is the runtime's `local` connection. */
  broker: TestBroker;
  /** Holds runtime.config.json and the state directory; removed by close(). */
  readonly dir: TempDir;
  /** Subscribed to `#` before the runtime starts, so it sees everything, retained messages included. */
  readonly client: TestClient;
  /** The runtime started last, until it is stopped. */
  runtime: InProcessRuntime | undefined;

  private constructor(broker: TestBroker, dir: TempDir, client: TestClient) {
    this.broker = broker;
    this.dir = dir;
    this.client = client;
  }

  /** Starts the broker, creates the directory and connects the recording client. */
  static async create(): Promise<Harness> {
    const broker = await startBroker();
    const dir = await tempDir();
    const client = await TestClient.connect(broker.url);
    await client.subscribe('#');
    return new Harness(broker, dir, client);
  }

  /**
   * Starts a runtime from `config` (runtime.config.json's shape; testConfig's defaults apply) whose
   * `local` connection is the broker, reconnecting quickly. Resolves once it is healthy and has
   * subscribed: its retained "online" status, published after its subscriptions, has arrived. Stop the
   * one before starting another (or to test a restart: the state directory stays).
   */
  async start(config: Record<string, unknown>): Promise<InProcessRuntime> {
    const local = { url: this.broker.url, reconnect: { minDelay: 0.1, maxDelay: 0.5 } };
    const connections = { ...(config.connections as object | undefined), local: { ...local, ...(config.connections as { local?: object } | undefined)?.local } };
    const online = this.client.on('switchboard/status').filter((m) => m.text === 'online').length;
    this.runtime = await InProcessRuntime.start(this.dir.path, { ...config, connections });
    await this.runtime.healthy();
    await this.client.waitFor((r) => r.filter((m) => m.topic === 'switchboard/status' && m.text === 'online').length > online, 5000, 'the runtime\'s online status');
    return this.runtime;
  }

  /** Another client of the broker (e.g. one that connects late, to see what is retained); close it yourself. */
  connect(options: IClientOptions = {}): Promise<TestClient> {
    return TestClient.connect(this.broker.url, options);
  }

  /** Stops the runtime, if one is running (its state stays in `dir`). */
  async stopRuntime(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    await runtime?.stop();
  }

  /** Closes the client, stops the runtime and the broker, removes the directory. */
  async close(): Promise<void> {
    await this.client.close();
    await this.stopRuntime();
    await this.broker.close();
    await this.dir.remove();
  }
}
