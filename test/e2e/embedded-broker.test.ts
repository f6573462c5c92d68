import assert from 'node:assert/strict';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';

const RECORDER = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'recorder.js');

/** A runtime with the embedded broker on a free port and no connections configured: `local` is the embedded broker. */
function embeddedConfig(broker: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    broker: { embedded: true, host: '127.0.0.1', port: 0, ...broker },
    plugins: { 'e2e-recorder': { module: RECORDER, handlers: [{ id: 'sensors', filter: 'sensors/#' }] } },
  };
}

describe('The embedded broker', () => {
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  const clients: TestClient[] = [];

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await runtime?.stop();
    runtime = undefined;
    await dir.remove();
  });

  async function connect(options: { username?: string; password?: string } = {}): Promise<TestClient> {
    const client = await TestClient.connect(runtime!.runtime.broker!.url, options);
    clients.push(client);
    return client;
  }

  it('serves the runtime\'s own local connection and anonymous clients from loopback', async () => {
    runtime = await InProcessRuntime.start(dir.path, embeddedConfig());
    await runtime.healthy();
    const broker = runtime.runtime.broker!;
    assert.ok(broker.port > 0 && broker.port !== 1883, `listens on a free port, not ${broker.port}`);
    assert.equal(runtime.runtime.health.report().connections.local!.url, broker.url);

    const client = await connect();
    await client.subscribe(['e2e/report/#', 'switchboard/status']);
    await client.publish('sensors/hall/temperature', '20.5');
    const [report] = await client.waitForCount('e2e/report/sensors', 1);
    assert.deepEqual(report!.json(), { handler: 'sensors', connection: 'local', topic: 'sensors/hall/temperature', payload: '20.5' });
    const [status] = await client.waitForCount('switchboard/status', 1);
    assert.equal(status!.text, 'online');
  });

  it('with broker.username set, refuses wrong or missing credentials and accepts the right ones', async () => {
    runtime = await InProcessRuntime.start(dir.path, embeddedConfig({ username: 'operator', password: 'correct horse' }));
    await runtime.healthy();

    await assert.rejects(connect({ username: 'operator', password: 'wrong' }), /Not authorized/);
    await runtime.waitForLog((l) => l.msg === 'refused a client: wrong user name or password' && l.username === 'operator');
    await assert.rejects(connect({ username: 'intruder', password: 'correct horse' }), /Not authorized/);
    await assert.rejects(connect(), /Not authorized/);

    // The runtime's own connection logged in with the same credentials (it is healthy); so does this client.
    const client = await connect({ username: 'operator', password: 'correct horse' });
    await client.subscribe('e2e/report/#');
    await client.publish('sensors/attic/humidity', '61');
    const [report] = await client.waitForCount('e2e/report/sensors', 1);
    assert.equal(report!.json<{ topic: string }>().topic, 'sensors/attic/humidity');
  });
});
