import { startBroker, type TestBroker } from './broker.js';
import { TestClient } from './mqtt.js';
import { tempDir } from './paths.js';
import { InProcessRuntime } from './runtime.js';

/**
 * A test broker, a temporary directory, a recording client subscribed to everything, and an in-process
 * runtime connected to the broker; `close()` closes all of it.
 */
export class Harness {
  broker: TestBroker;
  readonly dir: { path: string; remove(): Promise<void> };
  readonly client: TestClient;
  runtime: InProcessRuntime | undefined;

  private constructor(broker: TestBroker, dir: { path: string; remove(): Promise<void> }, client: TestClient) {
    this.broker = broker;
    this.dir = dir;
    this.client = client;
  }

  static async create(): Promise<Harness> {
    const broker = await startBroker();
    const dir = await tempDir();
    const client = await TestClient.connect(broker.url);
    await client.subscribe('#');
    return new Harness(broker, dir, client);
  }

  /**
   * Starts a runtime whose local connection is the test broker (reconnecting quickly), and waits until it
   * is healthy and has subscribed (its retained "online" status, sent after its subscriptions, has arrived).
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

  async stopRuntime(): Promise<void> {
    const runtime = this.runtime;
    this.runtime = undefined;
    await runtime?.stop();
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.stopRuntime();
    await this.broker.close();
    await this.dir.remove();
  }
}
