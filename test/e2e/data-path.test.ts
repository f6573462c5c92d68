import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { TestClient } from '../helpers/mqtt.js';
import { tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';
import { fixture } from '../helpers/paths.js';

describe('Data path over MQTT', () => {
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
    await runtime?.stop();
    await broker.close();
    await dir.remove();
    client = undefined;
    runtime = undefined;
  });

  it('delivers a message to the example plugin, which raises an event the events output publishes', async () => {
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: broker.url } },
      plugins: {
        'sensor-threshold': { module: fixture('dist', 'examples', 'sensor-threshold', 'index.js'), filter: 'sensors/+/temperature', threshold: 30 },
      },
    });
    await runtime.healthy();
    client = await TestClient.connect(broker.url);
    await client.subscribe('switchboard/events/#');
    await client.publish('sensors/kitchen/temperature', '31.5');
    const [event] = await client.waitForCount('switchboard/events/threshold_exceeded', 1);
    const body = event!.json<{ event_type: string; data: { sensor: string; value: number } }>();
    assert.equal(body.event_type, 'threshold_exceeded');
    assert.equal(body.data.sensor, 'kitchen');
    assert.equal(body.data.value, 31.5);
  });
});
