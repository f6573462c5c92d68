import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { waitUntilSettled } from '../../helpers/endpoints.js';
import { TestClient } from '../../helpers/mqtt.js';
import { fixture } from '../../helpers/paths.js';
import { RestartableRuntime } from '../../helpers/restartable-runtime.js';
import { FIRE_EVENT_ID, PROPERTY, alarmDeviceAdd, fireAlert, propertyAdd } from './homelink-payloads.js';

const STALL_PLUGIN = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'stall.js');
const TOKEN = 'a-long-enough-webhook-token-0123';
const EVENTS = 'switchboard/events';

type Answer = { status: number } | { error: string };

/** A webhook POST as HomeLINK sends it; resolves with the status, or with the error when no answer came. */
function deliver(base: string, payload: object): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(`${base}/homelink/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(JSON.stringify(payload));
  });
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('homelink: the webhook across a crash (SIGKILL between receipt and answer)', () => {
  let broker: TestBroker;
  let observer: TestClient;
  let service: RestartableRuntime;

  before(async () => {
    broker = await startBroker();
    observer = await TestClient.connect(broker.url);
    await observer.subscribe([`${EVENTS}/#`, 'switchboard/homelink/#']);
  });

  after(async () => {
    await service?.close();
    await observer.close();
    await broker.close();
  });

  it('answers only once the alert is on disk; HomeLINK\'s retry after the crash loses nothing and raises nothing twice', async function () {
    this.timeout(90000);
    service = await RestartableRuntime.create({
      connections: { local: { url: broker.url, clean: false, clientId: 'webhook-crash-test' } },
      // QoS 2: the event is sent exactly once to the broker, even when a run dies with it stored and unsent.
      events: { qos: 2, exclude: [] },
      state: { fsync: true },
      plugins: {
        homelink: { topicRoot: 'bright_homes', webhook: { auth: { type: 'bearer', token: TOKEN } } },
        'e2e-stall': { module: STALL_PLUGIN, events: ['homelink_alert'], markerFile: './stalled', stallMs: 60000 },
      },
    });
    const marker = join(service.dir, 'stalled');
    const base = async (): Promise<string> => {
      await service.healthy();
      return service.current!.healthUrl.replace(/\/healthz$/, '');
    };

    await service.start();
    let url = await base();
    assert.deepEqual(await deliver(url, propertyAdd()), { status: 200 });
    assert.deepEqual(await deliver(url, alarmDeviceAdd()), { status: 200 });
    const pending = deliver(url, fireAlert());
    // Handled, its commit started, the process frozen before the commit completes: no answer may have gone out.
    await until(() => existsSync(marker), 20000, 'the alert to be handled and the process to stall');
    await service.kill();
    assert.equal('error' in (await pending) ? 'no answer' : 'answered', 'no answer', 'the alert was not answered before its state was on disk');

    // HomeLINK sends it again, to the restarted service.
    await service.start();
    url = await base();
    assert.deepEqual(await deliver(url, fireAlert()), { status: 200 });
    await observer.waitForCount(`${EVENTS}/homelink_alert`, 1, 15000);
    await observer.waitFor((r) => r.some((m) => m.topic === `switchboard/homelink/${PROPERTY}/alarm` && m.text === 'ON'), 10000, 'the property in alarm');
    await waitUntilSettled(service.current!.healthUrl, 10000, 'everything acknowledged');

    // The converse: an answered alert sent again (HomeLINK did not see the 200) after another crash is the same alert.
    await service.kill();
    await service.start();
    url = await base();
    assert.deepEqual(await deliver(url, fireAlert()), { status: 200 });
    // A later message's event marks that the repeat before it has been handled.
    assert.deepEqual(await deliver(url, propertyAdd('2026-01-15T09:00:00.000Z')), { status: 200 });
    await observer.waitForCount(`${EVENTS}/homelink_property`, 2, 15000);
    await waitUntilSettled(service.current!.healthUrl, 10000, 'everything acknowledged');

    const alerts = observer.on(`${EVENTS}/homelink_alert`).map((m) => m.json<{ id: string }>().id);
    assert.deepEqual(alerts, [`${FIRE_EVENT_ID}@2026-01-15T08:10:02.000Z`], 'one event for the alert, across two crashes and three deliveries');
    assert.deepEqual(service.crashes(), []);
  });
});
