import assert from 'node:assert/strict';
import type { TestClient } from '../../helpers/mqtt.js';
import { RuntimeProcess } from '../../helpers/runtime.js';
import { ALARM_SERIAL, EVENTS, ROOT, STATE, STREAM, StreamSuite, events, waitForLatest } from './homelink-fixtures.js';

interface AlertEntry {
  alertid: string;
  alertstatus: string;
}

const FIRE_DEVICE = `${STATE}/${ALARM_SERIAL}`;
const at = (time: string): string => `2026-01-15T${time}.000Z`;

describe('homelink: silences, removals, reinstallations and a bridged root', () => {
  const suite = new StreamSuite();
  // Lines of the stream by what their note says.
  const line = (note: RegExp): number => {
    const i = suite.stream.findIndex((m) => note.test(m.note));
    assert.ok(i >= 0, `no line of the stream is ${note}`);
    return i;
  };

  const start = async (options: Record<string, unknown> = { topicRoot: ROOT, publishIntervalMs: 0 }): Promise<TestClient> => {
    await suite.harness.start({ events: { exclude: [] }, plugins: { homelink: options } });
    return suite.harness.client;
  };

  const send = (i: number, changes?: Record<string, unknown>): Promise<void> => suite.send(i, changes);
  const statuses = (): string[] | undefined => suite.statuses(`${FIRE_DEVICE}/alerts`);

  it('silences every alarm of the device on HUSH, only its own alarm on a STOP, never a maintenance alert; re-activates by type', async () => {
    const client = await start();
    const [property, device, raised, hush, maintenance] = [line(/^property added/), line(/device added: FIRECOALARM/), line(/^alert raised/), line(/^event HUSH/), line(/^maintenance alert/)];
    await send(property);
    await send(device);
    await send(raised, { eventId: 'fire' });
    await send(raised, { eventId: 'co', eventTypeId: 'CO_ALARM', actionTimestamp: at('08:10:10') });
    await send(maintenance, { eventId: 'battery', actionTimestamp: at('08:10:20') });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>().length === 3, 'three alerts listed');

    await send(hush, { eventId: 'stop', eventTypeId: 'FIRE_ALARM_STOP', actionTimestamp: at('08:11:00') });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'CANCEL', 'the fire alarm silenced by its STOP');
    assert.deepEqual(statuses(), ['CANCEL', 'CO_ALARM', 'LOW_BATTERY_HEAD']);

    await send(hush, { actionTimestamp: at('08:12:00') });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[1]?.alertstatus === 'CANCEL', 'both alarms silenced by HUSH');
    assert.deepEqual(statuses(), ['CANCEL', 'CANCEL', 'LOW_BATTERY_HEAD']);
    assert.equal(client.on(`${STATE}/alarm`).at(-1)!.text, 'ON', 'silenced alarms are still listed');

    await send(hush, { eventId: 'co-again', eventTypeId: 'CO_ALARM', actionTimestamp: at('08:13:00') });
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[1]?.alertstatus === 'CO_ALARM', 'the CO alarm re-activated');
    assert.deepEqual(statuses(), ['CANCEL', 'CO_ALARM', 'LOW_BATTERY_HEAD']);
  });

  it('forgets a removed device: topics cleared, alerts tombstoned, the registry told; older messages do not bring it back', async () => {
    const client = await start();
    const [property, device, raised, notification] = [line(/^property added/), line(/device added: FIRECOALARM/), line(/^alert raised/), line(/^notification/)];
    await send(property);
    await send(device);
    await send(raised);
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'ON', 'the property alarm ON');
    await client.publish(`${ROOT}/device/bright_homes_flat_3/remove`, { ...suite.stream[device]!.payload, action: 'REMOVE', uninstallationDate: at('08:30:00'), actionTimestamp: at('08:30:00') });
    await client.waitFor((r) => r.some((m) => m.topic === `${EVENTS}/device_removed`), 5000, 'device_removed');
    assert.deepEqual(events(client, 'device_removed').map((e) => e.data), [{ id: `homelink_device_${ALARM_SERIAL}` }]);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.payload.length === 0, 'the alerts topic cleared');
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.payload.length === 0, 'the state topic cleared');
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF');

    // The alert and the device's ADD arriving again (older than the removal) bring back neither.
    await send(raised);
    await send(device);
    await send(notification);
    await client.waitForCount(`${EVENTS}/homelink_notification`, 1);
    assert.equal(events(client, 'homelink_alert').length, 1);
    assert.equal(events(client, 'homelink_device').length, 2, 'the ADD and the REMOVE, not the late ADD');
    assert.equal(client.on(`${STATE}/alarm`).at(-1)!.text, 'OFF');
    assert.equal(client.on(`${FIRE_DEVICE}/state`).at(-1)!.payload.length, 0);
  });

  it('takes the same serial under a new deviceId as another installation: the old one and its alerts go', async () => {
    const client = await start();
    const [property, device, raised] = [line(/^property added/), line(/device added: FIRECOALARM/), line(/^alert raised/)];
    await send(property);
    await send(device);
    await send(raised);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.text.includes('FIRE_ALARM'), 'the alarm listed');
    await send(device, { deviceId: '0a1f5c2e-2222-4c1e-9a3b-000000000099', room: 'Landing', actionTimestamp: at('09:00:00') });
    await client.waitFor((r) => r.some((m) => m.topic === `${EVENTS}/device_removed`), 5000, 'the old installation removed');
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.payload.length > 0 && m.json<{ deviceId: string }>().deviceId === '0a1f5c2e-2222-4c1e-9a3b-000000000099', 'the new installation');
    assert.deepEqual(client.on(`${FIRE_DEVICE}/state`).at(-1)!.json<{ room: string; alerts: unknown[] }>().alerts, []);
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF');
  });

  it('forgets a removed property and its devices', async () => {
    const client = await start();
    await send(line(/^property added/));
    await send(line(/device added: FIRECOALARM/));
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.payload.length > 0, 'the device state');
    await send(line(/^property removed/));
    await client.waitForCount(`${EVENTS}/device_removed`, 2);
    assert.deepEqual(events(client, 'device_removed').map((e) => e.data.id).sort(), [`homelink_device_${ALARM_SERIAL}`, 'homelink_property_BRIGHT_HOMES_Flat_3']);
    for (const topic of [`${STATE}/alarm`, `${STATE}/problem`, `${STATE}/state`, `${FIRE_DEVICE}/state`, `${FIRE_DEVICE}/alerts`]) {
      await waitForLatest(client, topic, (m) => m.payload.length === 0, `${topic} cleared`);
    }
  });

  it('reads messages bridged onto the local broker under another root', async () => {
    const client = await start({ topicRoot: 'homelink/bright_homes', statePrefix: 'site/homelink', publishIntervalMs: 0 });
    const replay = await RuntimeProcess.run(['replay', STREAM, '--url', suite.harness.broker.url, '--rate', '0', '--root', 'homelink/bright_homes']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitForCount(`${EVENTS}/homelink_property`, 2);
    // Every line but the duplicate and the late copy.
    assert.equal(events(client).length, suite.stream.length - 2);
    assert.deepEqual(events(client, 'homelink_alert').map((e) => e.data.alertstatus), ['FIRE_ALARM', null, 'LOW_BATTERY_HEAD']);
    // The state topics were under the state prefix, and went with the property.
    await waitForLatest(client, 'site/homelink/BRIGHT_HOMES_Flat_3/alarm', (m) => m.payload.length === 0, 'the property\'s alarm topic cleared');
    assert.ok(client.on('site/homelink/BRIGHT_HOMES_Flat_3/alarm').some((m) => m.payload.length > 0), 'published before');
  });
});
