import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { bridgeStatusSchema, type BridgeStatus } from '../../../core/index.js';
import { startBroker, TestClient, type TestBroker } from '../../../testing/index.js';
import { Harness } from '../../helpers/harness.js';

const validate = new Ajv({ allErrors: true }).compile(bridgeStatusSchema);

describe('mosquitto-bridge: the bridge_updated event (the status page\'s Bridges)', () => {
  let h: Harness;
  let remote: TestBroker | undefined;

  beforeEach(async () => {
    h = await Harness.create();
    remote = await startBroker();
  });

  afterEach(async () => {
    await h.close();
    await remote?.close();
  });

  it('tells each state in the core\'s shape: at start, the counts once they changed, a side that drops', async () => {
    const latest = (): BridgeStatus[] => h.client.on('switchboard/events/bridge_updated').map((m) => m.json<{ data: BridgeStatus }>().data);
    await h.start({
      events: { exclude: [] },
      connections: { cloud: { url: remote!.url, reconnect: { minDelay: 0.1, maxDelay: 0.5 } } },
      plugins: { 'mosquitto-bridge': { bridges: [{ name: 'b', remote: 'cloud', notificationTopic: 'bridges/b/state', topics: ['up/# out 1'] }] } },
    });
    await h.client.waitFor(() => latest().some((s) => s.remote.connected && s.notification?.state === '1'), 5000, 'the bridge up');
    for (const status of latest()) assert.ok(validate(status), JSON.stringify(validate.errors));

    const far = await TestClient.connect(remote!.url);
    await far.subscribe('up/#');
    for (let i = 0; i < 5; i++) await h.client.publish(`up/${i}`, 'x');
    await far.waitForCount('up/#', 5);
    await h.client.waitFor(() => latest().at(-1)?.forwarded.out === 5, 5000, 'the count of 5 forwarded');
    const told = latest().map((s) => s.forwarded.out);
    assert.deepEqual(told, [...told].sort((a, b) => a - b), 'counts only grow');
    await far.close();

    await remote!.close();
    remote = undefined;
    await h.client.waitFor(() => latest().at(-1)?.remote.connected === false && latest().at(-1)?.notification?.state === '0', 5000, 'the remote down');
    const last = latest().at(-1)!;
    assert.deepEqual({ ...last, dropped: {} }, { name: 'b', local: { connection: 'local', connected: true }, remote: { connection: 'cloud', connected: false }, forwarded: { out: 5, in: 0 }, dropped: {}, queued: 0, notification: { topic: 'bridges/b/state', state: '0' } });
  });

  it('is left out of the published events by default', async () => {
    await h.start({
      connections: { cloud: { url: remote!.url, reconnect: { minDelay: 0.1, maxDelay: 0.5 } } },
      plugins: { 'mosquitto-bridge': { bridges: [{ name: 'b', remote: 'cloud', notificationTopic: 'bridges/b/state', topics: ['up/# out 1'] }] } },
    });
    await h.client.waitForCount('bridges/b/state', 1);
    const metrics = await (await fetch(`${h.runtime!.runtime.http.url}/metrics`)).text();
    assert.match(metrics, /switchboard_events_total\{[^}]*type="bridge_updated"[^}]*\} [1-9]/, 'raised on the bus');
    assert.equal(h.client.on('switchboard/events/bridge_updated').length, 0);
  });
});
