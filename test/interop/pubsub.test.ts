import assert from 'node:assert/strict';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';

const RECORDER = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'recorder.js');

describe('mosquitto: publish and subscribe through the runtime', () => {
  let mosquitto: Mosquitto;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  const clients: TestClient[] = [];

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await runtime?.stop();
    runtime = undefined;
    await dir.remove();
  });

  after(async () => {
    await mosquitto.close();
  });

  async function client(): Promise<TestClient> {
    const c = await TestClient.connect(mosquitto.url);
    clients.push(c);
    return c;
  }

  it('runs the example plugin: a reading in, an event and a retained alert out', async () => {
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: mosquitto.url } },
      plugins: { 'sensor-threshold': { module: fixture('dist', 'examples', 'sensor-threshold', 'index.js'), threshold: 30 } },
    });
    await runtime.healthy();
    const c = await client();
    await c.subscribe(['switchboard/events/#', 'alerts/#', 'switchboard/status']);
    await c.publish('sensors/kitchen/temperature', '31.5');
    const [event] = await c.waitForCount('switchboard/events/threshold_exceeded', 1);
    const body = event!.json<{ event_type: string; origin: string; data: { sensor: string; value: number; threshold: number } }>();
    assert.equal(body.event_type, 'threshold_exceeded');
    assert.equal(body.origin, 'sensor-threshold');
    assert.deepEqual(body.data, { sensor: 'kitchen', value: 31.5, threshold: 30 });
    const [status] = await c.waitForCount('switchboard/status', 1);
    assert.equal(status!.text, 'online');

    // Once the alert has passed through mosquitto, a client subscribing afterwards gets it as a retained message.
    await c.waitForCount('alerts/kitchen', 1);
    const late = await client();
    await late.subscribe('alerts/#');
    const [alert] = await late.waitForCount('alerts/kitchen', 1);
    assert.equal(alert!.retain, true, 'the alert state is retained on mosquitto');
    assert.equal(alert!.json<{ state: string }>().state, 'high');
  });

  it('keeps an MQTT 5 persistent session: messages sent while the runtime is away arrive after its restart', async () => {
    const config = {
      connections: { local: { url: mosquitto.url, protocolVersion: '5', clean: false, clientId: 'interop-v5-session', sessionExpiry: 600 } },
      plugins: { 'e2e-recorder': { module: RECORDER, handlers: [{ id: 'v5', filter: 'v5/#' }] } },
    };
    runtime = await InProcessRuntime.start(dir.path, config);
    await runtime.healthy();
    const observer = await client();
    await observer.subscribe('e2e/report/#');
    await client().then((c) => c.publish('v5/first', 'one'));
    await observer.waitForCount('e2e/report/v5', 1);
    assert.ok(mosquitto.log.includes('as interop-v5-session (p5, c0'), `mosquitto saw MQTT 5 with clean start off:\n${mosquitto.log}`);

    await runtime.stop();
    runtime = undefined;
    await client().then((c) => c.publish('v5/while-away', 'two', { qos: 1 }));

    runtime = await InProcessRuntime.start(dir.path, config);
    const connected = await runtime.waitForLog((l) => l.msg === 'connected' && l.connection === 'local');
    assert.equal(connected.sessionPresent, true);
    const reports = await observer.waitForCount('e2e/report/v5', 2);
    assert.deepEqual(reports.map((r) => r.json<{ topic: string; payload: string }>()).map((r) => `${r.topic} ${r.payload}`), ['v5/first one', 'v5/while-away two']);
  });
});
