import assert from 'node:assert/strict';
import { waitUntil } from '../../core/testing/wait.js';
import { AckDroppingProxy } from '../helpers/ack-dropping-proxy.js';
import { waitUntilSettled } from '../helpers/endpoints.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sleep, TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const ROOT = 'landlord';
const DEVICE_EVENTS = 'switchboard/homelink/+/+/event';

describe('faults: a device event the broker had but had not acknowledged when the runtime was SIGKILLed (mosquitto)', () => {
  let mosquitto: Mosquitto;
  let proxy: AckDroppingProxy | undefined;
  let runtime: RestartableRuntime | undefined;
  let consumer: TestClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  after(async () => {
    await consumer?.close();
    await runtime?.close();
    await proxy?.close();
    await mosquitto.close();
  });

  it('with events.qos 2, reaches the device event topic once, though the restarted runtime sends it again', async () => {
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
    assert.equal((await runtime.kill()).signal, 'SIGKILL');
    proxy.dropAcks = false;
    await runtime.start();
    await runtime.healthy();
    // The restarted runtime sends again what it had no acknowledgement for; a repeat would come right after.
    await waitUntilSettled(runtime.current!.healthUrl, 20000, 'every publish of the restarted runtime acknowledged');
    await sleep(1000);
    const events = consumer.on(DEVICE_EVENTS).map((m) => m.json<{ event_type: string }>().event_type);
    assert.deepEqual(events, ['homelink_device', 'homelink_alert'], 'each device event arrived once');
    assert.deepEqual(runtime.crashes(), []);
  });
});
