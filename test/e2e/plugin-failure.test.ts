import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { health } from '../helpers/endpoints.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';

const plugin = (name: string): string => fixture('dist', 'test', 'fixtures', 'e2e-plugins', `${name}.js`);

describe('A throwing plugin is contained', () => {
  let broker: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  let client: TestClient | undefined;

  beforeEach(async () => {
    broker = await startBroker();
    dir = await tempDir();
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await runtime?.stop();
    runtime = undefined;
    await broker.close();
    await dir.remove();
  });

  it('while the other plugin on the same filter still gets every message', async () => {
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: broker.url } },
      deadLetter: { topic: 'e2e/dead' },
      plugins: {
        // Configured first, so its handler runs before the recorder's.
        'e2e-thrower': { module: plugin('thrower'), filter: 'tanks/+/level' },
        'e2e-recorder': { module: plugin('recorder'), handlers: [{ id: 'level', filter: 'tanks/+/level' }] },
      },
    });
    await runtime.healthy();
    client = await TestClient.connect(broker.url);
    await client.subscribe(['e2e/report/#', 'e2e/dead']);
    const failures = async (): Promise<number> => metricValue(await runtime!.metrics(), 'switchboard_plugin_failures_total', { plugin: 'e2e-thrower', stage: 'handler' }) ?? 0;
    assert.equal(await failures(), 0);

    await client.publish('tanks/north/level', '41');
    const [first] = await client.waitForCount('e2e/report/level', 1);
    assert.deepEqual(first!.json(), { handler: 'level', connection: 'local', topic: 'tanks/north/level', payload: '41' });
    const [dead] = await client.waitForCount('e2e/dead', 1);
    const letter = dead!.json<Record<string, unknown>>();
    assert.equal(letter.plugin, 'e2e-thrower');
    assert.equal(letter.topic, 'tanks/north/level');
    assert.equal(letter.excerpt, '41');
    assert.match(String(letter.reason), /e2e-thrower always fails/);
    assert.equal(await failures(), 1);
    const logged = await runtime.waitForLog((l) => l.level === 'error' && l.plugin === 'e2e-thrower' && l.topic === 'tanks/north/level');
    assert.match(logged.msg, /topic handler failed/);

    const { status, report } = await health(runtime.healthUrl);
    assert.equal(status, 200, JSON.stringify(report.problems));
    assert.equal(report.plugins['e2e-thrower']!.state, 'running');

    await client.publish('tanks/south/level', '42');
    const reports = await client.waitForCount('e2e/report/level', 2);
    assert.deepEqual(reports.map((r) => r.json<{ topic: string }>().topic), ['tanks/north/level', 'tanks/south/level']);
    await client.waitForCount('e2e/dead', 2);
    assert.equal(await failures(), 2);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_messages_handled_total', { plugin: 'e2e-recorder' }), 2);
    assert.equal((await health(runtime.healthUrl)).status, 200);
  });
});
