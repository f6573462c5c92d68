import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '../../testing/wait.js';
import { AckDroppingProxy } from '../helpers/ack-dropping-proxy.js';
import { get, waitUntilSettled } from '../helpers/endpoints.js';
import { metricSum } from '../helpers/metrics.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sleep, TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const ROOT = 'landlord';
const DEVICE_EVENTS = 'switchboard/homelink/+/+/event';
const ALERTS = 'switchboard/events/homelink_alert';

function alert(eventId: string, device: string, at: string): Record<string, unknown> {
  return { eventId, statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', severity: 'HIGH', title: 'Fire alarm', description: 'Fire alarm', deviceSerialNumber: device, propertyReference: 'P1', raisedDate: at, action: 'ADD', actionTimestamp: at };
}

/** Everything the state logs hold, as text. */
async function stateLogs(dir: string): Promise<string> {
  const stateDir = join(dir, 'state');
  const logs = (await readdir(stateDir)).filter((f) => f.endsWith('.wal'));
  return (await Promise.all(logs.map((f) => readFile(join(stateDir, f), 'utf8')))).join('');
}

async function metric(healthUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(await (await get(healthUrl.replace(/\/healthz$/, '/metrics'))).text(), name, labels);
}

/**
 * SIGKILL, then a restart with the broker's acknowledgements let through: the runtime sends again what it had no
 * acknowledgement for, and a repeat would come right after.
 */
async function killAndRestart(runtime: RestartableRuntime, proxy: AckDroppingProxy): Promise<void> {
  assert.equal((await runtime.kill()).signal, 'SIGKILL');
  proxy.dropAcks = false;
  await runtime.start();
  await runtime.healthy();
  await waitUntilSettled(runtime.current!.healthUrl, 20000, 'every publish of the restarted runtime acknowledged');
  await sleep(1000);
}

describe('faults: publishes in flight when the runtime is SIGKILLed (mosquitto, behind a proxy that can drop its acknowledgements)', () => {
  let mosquitto: Mosquitto;
  let proxy: AckDroppingProxy | undefined;
  let runtime: RestartableRuntime | undefined;
  let consumer: TestClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  afterEach(async () => {
    await consumer?.close();
    await runtime?.close();
    await proxy?.close();
    [consumer, runtime, proxy] = [undefined, undefined, undefined];
  });

  after(async () => {
    await mosquitto.close();
  });

  it('a device event the broker had but had not acknowledged: with events.qos 2, reaches the device event topic once, though the restarted runtime sends it again', async () => {
    consumer = await TestClient.connect(mosquitto.url, { clientId: 'device-event-consumer', clean: false });
    await consumer.subscribe(DEVICE_EVENTS, 2);
    proxy = await AckDroppingProxy.start(mosquitto.port);
    runtime = await RestartableRuntime.create({
      connections: { local: { url: proxy.url, clientId: 'device-event-runtime', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      events: { qos: 2 },
      plugins: { homelink: { topicRoot: ROOT, qos: 1, publishIntervalMs: 0 } },
    });
    await runtime.start();
    await runtime.healthy();

    const publisher = await TestClient.connect(mosquitto.url);
    const alert = { eventId: 'fire-1', statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', severity: 'HIGH', title: 'Fire alarm', description: 'Fire alarm', deviceSerialNumber: 'D1', propertyReference: 'P1', raisedDate: '2026-01-15T08:10:00Z', action: 'ADD', actionTimestamp: '2026-01-15T08:10:02.000Z' };
    try {
      // A probe: once the device's first event is out, the runtime's subscription is in place.
      await publisher.publish(`${ROOT}/device/add/P1/D1`, { deviceSerialNumber: 'D1', propertyReference: 'P1', sourceModelType: 'FIREALARM', action: 'ADD', actionTimestamp: '2026-01-15T08:00:00.000Z' });
      await consumer.waitForCount(DEVICE_EVENTS, 1, 15000);
      proxy.dropAcks = true;
      await publisher.publish(`${ROOT}/alert/active/P1/D1`, alert);
      // Sent to the broker (which delivers a QoS 2 message once the sender releases it, a QoS 1 one at once).
      const sent = (): number => proxy!.published.filter((t) => t === 'switchboard/homelink/P1/D1/event').length;
      await waitUntil(() => (sent() === 2 ? true : undefined), { ms: 15000, what: 'the alert\'s device event sent' });
    } finally {
      await publisher.close();
    }
    await killAndRestart(runtime, proxy);
    const events = consumer.on(DEVICE_EVENTS).map((m) => m.json<{ event_type: string }>().event_type);
    assert.deepEqual(events, ['homelink_device', 'homelink_alert'], 'each device event arrived once');
    assert.deepEqual(runtime.crashes(), []);
  });
  // The events go out on another connection than the alerts come in on. After a restart, mqtt.js sends what
  // that connection had stored one message at a time, each once the broker acknowledged the one before, and
  // holds every new publish in memory meanwhile. An alert handled then has its state change (and its dedupe
  // record) committed while its event is not yet stored: a crash at that moment must not lose the event to
  // the dedupe when the broker delivers the alert again.
  it('an event published on another connection while it still sends its stored messages again reaches the broker once after the restart, though the alert was handled and deduplicated before the crash', async () => {
    consumer = await TestClient.connect(mosquitto.url, { clientId: 'queued-consumer', clean: false });
    await consumer.subscribe(ALERTS, 2);
    proxy = await AckDroppingProxy.start(mosquitto.port);
    runtime = await RestartableRuntime.create({
      connections: {
        local: { url: mosquitto.url, clientId: 'queued-in', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } },
        out: { url: proxy.url, clientId: 'queued-out', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } },
      },
      events: { qos: 2, connection: 'out' },
      plugins: { homelink: { topicRoot: ROOT, qos: 1, publishIntervalMs: 0, deviceEvents: false } },
    });
    await runtime.start();
    await runtime.healthy();
    const publisher = await TestClient.connect(mosquitto.url);
    const sent = (): number => proxy!.published.filter((t) => t === ALERTS).length;
    try {
      // The first alert's event reaches the broker, which never gets its acknowledgement through: stored, sent, unconfirmed.
      proxy.dropAcks = true;
      await publisher.publish(`${ROOT}/alert/active/P1/D1`, alert('fire-1', 'D1', '2026-01-15T08:10:00.000Z'));
      await waitUntil(() => (sent() === 1 ? true : undefined), { ms: 15000, what: 'the first alert\'s event sent' });
      await sleep(200);
      assert.equal((await runtime.kill()).signal, 'SIGKILL');

      // The restarted runtime sends it again and waits for the acknowledgement that never comes.
      await runtime.start();
      await waitUntil(() => (sent() === 2 ? true : undefined), { ms: 15000, what: 'the stored event sent again' });
      const healthUrl = runtime.current!.healthUrl;
      await publisher.publish(`${ROOT}/alert/active/P1/D2`, alert('fire-2', 'D2', '2026-01-15T08:11:00.000Z'));
      await waitUntil(async () => ((await metric(healthUrl, 'switchboard_plugin_messages_handled_total', { plugin: 'homelink' })) >= 1 ? true : undefined), { ms: 15000, what: 'the second alert handled' });
      // Its state change written: a SIGKILL keeps what was written.
      await waitUntil(async () => ((await stateLogs(runtime!.dir)).includes('fire-2') ? true : undefined), { ms: 15000, what: 'the second alert in the state log' });
      assert.equal(sent(), 2, 'the second alert\'s event waits in the runtime while the stored one is unconfirmed');
    } finally {
      await publisher.close();
    }
    await killAndRestart(runtime, proxy);
    const ids = consumer.on(ALERTS).map((m) => m.json<{ data: { payload: { eventId: string } } }>().data.payload.eventId);
    assert.deepEqual(ids, ['fire-1', 'fire-2'], 'each alert\'s event arrived once');
    assert.deepEqual(runtime.crashes(), []);
  });
});
