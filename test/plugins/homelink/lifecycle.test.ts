import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import type { TestClient } from '../../helpers/mqtt.js';
import { RuntimeProcess } from '../../helpers/runtime.js';
import { EVENTS, STATE, STREAM, events, fixtureMessages, waitForLatest, type FixtureMessage } from './homelink-fixtures.js';

interface AlertEntry {
  alertid: string;
  alertstatus: string;
}

const FIRE_DEVICE = `${STATE}/D6FCD4F0`;
const CO_DEVICE = `${STATE}/C3CEC7FB-D6FCD4F1`;

describe('homelink: silences, deletions and a bridged root', () => {
  let harness: Harness;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    harness = await Harness.create();
  });

  afterEach(async () => {
    await harness.close();
  });

  const start = async (options: Record<string, unknown> = { topicRoot: 'joe_bloggs' }): Promise<TestClient> => {
    await harness.start({ events: { exclude: [] }, plugins: { homelink: options } });
    return harness.client;
  };

  const send = (client: TestClient, i: number, changes: Record<string, unknown> = {}): Promise<void> =>
    client.publish(stream[i]!.topic, Object.keys(changes).length === 0 ? stream[i]!.body : { ...stream[i]!.payload, ...changes });
  const statuses = (client: TestClient, device: string): string[] | undefined => client.on(`${device}/alerts`).at(-1)?.json<AlertEntry[]>().map((a) => a.alertstatus);

  it('silences every alarm of the device when the silence names no alert', async () => {
    const client = await start();
    await send(client, 0);
    await send(client, 1);
    await send(client, 3, { eventId: 'fire' });
    await send(client, 3, { eventId: 'heat', eventTypeId: 'HEAT_ALARM', actionTimestamp: '2026-11-20T10:00:10.000Z' });
    await send(client, 11);
    await waitForLatest(client, `${CO_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>().length === 1, 'the CO alarm listed');
    await send(client, 5, { relatedEventId: null });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>().filter((a) => a.alertstatus === 'CANCEL').length === 2, 'both alarms of the device silenced');
    assert.deepEqual(statuses(client, FIRE_DEVICE), ['CANCEL', 'CANCEL']);
    assert.deepEqual(statuses(client, CO_DEVICE), ['CO_ALARM'], 'another device\'s alarm is not silenced');

    // A later raise of a silenced alert re-activates it.
    await send(client, 3, { eventId: 'heat', eventTypeId: 'HEAT_ALARM', actionTimestamp: '2026-11-20T10:03:00.000Z' });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>().some((a) => a.alertstatus === 'HEAT_ALARM'), 'the heat alarm re-activated');
    assert.deepEqual(statuses(client, FIRE_DEVICE), ['CANCEL', 'HEAT_ALARM']);
  });

  it('forgets a deleted device: its topics cleared, its alerts tombstoned, the registry told', async () => {
    const client = await start();
    await send(client, 0);
    await send(client, 1);
    await send(client, 3);
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'ON', 'the property alarm ON');
    await client.publish('joe_bloggs/device/delete/JOE_BLOGGS_Home/D6FCD4F0', {
      deviceSerialNumber: 'D6FCD4F0',
      propertyReference: 'JOE_BLOGGS_Home',
      action: 'DELETE',
      actionTimestamp: '2026-11-20T10:30:00.000Z',
    });
    await client.waitFor((r) => r.some((m) => m.topic === `${EVENTS}/device_removed`), 5000, 'device_removed');
    assert.deepEqual(events(client, 'device_removed').map((e) => e.data), [{ id: 'homelink_device_D6FCD4F0' }]);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.payload.length === 0, 'the alerts topic cleared');
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.payload.length === 0, 'the state topic cleared');
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF');

    // The alert arriving again (older than the deletion) does not come back.
    await send(client, 3);
    await send(client, 8);
    await client.waitForCount(`${EVENTS}/homelink_notification`, 1);
    assert.equal(events(client, 'homelink_alert').length, 1);
    assert.equal(client.on(`${STATE}/alarm`).at(-1)!.text, 'OFF');
  });

  it('forgets a deleted property and its devices', async () => {
    const client = await start();
    await send(client, 0);
    await send(client, 1);
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.payload.length > 0, 'the device state');
    await send(client, 0, { action: 'DELETE', actionTimestamp: '2026-11-20T11:00:00.000Z' });
    await client.waitForCount(`${EVENTS}/device_removed`, 2);
    assert.deepEqual(events(client, 'device_removed').map((e) => e.data.id).sort(), ['homelink_device_D6FCD4F0', 'homelink_property_JOE_BLOGGS_Home']);
    for (const topic of [`${STATE}/alarm`, `${STATE}/state`, `${FIRE_DEVICE}/state`, `${FIRE_DEVICE}/alerts`]) {
      await waitForLatest(client, topic, (m) => m.payload.length === 0, `${topic} cleared`);
    }
  });

  it('reads messages bridged onto the local broker under another root', async () => {
    const client = await start({ topicRoot: 'homelink/joe_bloggs', statePrefix: 'site/homelink' });
    const replay = await RuntimeProcess.run(['replay', STREAM, '--url', harness.broker.url, '--rate', '0', '--root', 'homelink/joe_bloggs']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitForCount(`${EVENTS}/homelink_alert`, 3);
    await waitForLatest(client, 'site/homelink/JOE_BLOGGS_Home/C3CEC7FB-D6FCD4F1/alerts', (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'CO_ALARM', 'the CO alarm under the state prefix');
    assert.equal(events(client).length, 10);
  });
});
