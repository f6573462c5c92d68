import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import type { TestBroker } from '../../helpers/broker.js';
import { Harness } from '../../helpers/harness.js';
import { TestClient } from '../../helpers/mqtt.js';
import { RuntimeProcess, type InProcessRuntime } from '../../helpers/runtime.js';
import { EVENTS, STATE, STREAM, events, fixtureMessages, last, waitForLatest, type FixtureMessage } from './homelink-fixtures.js';

interface AlertEntry {
  alertid: string;
  alertstatus: string;
  eventtype: string;
}

const FIRE = '12323588-534c-4e82-bfe5-345fed4505be';
const CO = '3f9d2c10-7a44-4b0e-9d51-2a8c6e0b7f42';
const FIRE_DEVICE = `${STATE}/D6FCD4F0`;
const CO_DEVICE = `${STATE}/C3CEC7FB-D6FCD4F1`;

describe('homelink: the fixture stream over MQTT', () => {
  let harness: Harness;
  let broker: TestBroker;
  let runtime: InProcessRuntime;
  let client: TestClient;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    harness = await Harness.create();
    runtime = await harness.start({ events: { exclude: [] }, plugins: { homelink: { topicRoot: 'joe_bloggs' } } });
    ({ broker, client } = harness);
  });

  afterEach(async () => {
    await harness.close();
  });

  const send = (i: number): Promise<void> => client.publish(stream[i]!.topic, stream[i]!.body);
  const alertsOf = (device: string): AlertEntry[] | undefined => last<AlertEntry[]>(client, `${device}/alerts`);

  it('raises every event, moves the alertstatus FIRE_ALARM -> CANCEL -> cleared, ignoring the repeat and the older message', async () => {
    await send(0);
    await client.waitForCount(`${EVENTS}/homelink_property`, 1);
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF');
    await send(1);
    await client.waitForCount(`${EVENTS}/homelink_device`, 1);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.text === '[]', 'the new device\'s empty alert list');
    await send(2);
    await client.waitForCount(`${EVENTS}/homelink_reading`, 1);

    await send(3);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'FIRE_ALARM', 'the fire alarm listed');
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'ON', 'the property alarm ON');
    assert.deepEqual(alertsOf(FIRE_DEVICE), [
      { alertid: FIRE, alertstatus: 'FIRE_ALARM', eventtype: 'FIRE_ALARM', severity: 'HIGH', raiseddate: '2026-11-20T10:00:00Z', description: 'D6FCD4F0 in location Hallway 1: Fire Alarm Activated' },
    ]);

    await send(4); // the same message again
    await send(5); // silenced
    await client.waitForCount(`${EVENTS}/homelink_event`, 1);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'CANCEL', 'the alarm silenced');
    assert.equal(events(client, 'homelink_alert').length, 1, 'the repeated alert raised no second event');
    assert.equal(client.on(`${STATE}/alarm`).at(-1)?.text, 'ON', 'a silenced alert is still listed');

    await send(6); // older than the silence
    await send(7); // resolved
    await client.waitForCount(`${EVENTS}/homelink_alert`, 2);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.text === '[]', 'the alert cleared');
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF again');
    const alertEvents = events(client, 'homelink_alert');
    assert.equal(alertEvents.length, 2, 'the older message raised no event');
    assert.deepEqual(alertEvents.map((e) => e.data.alertstatus), ['FIRE_ALARM', null]);
    // Published once known (no alerts), then at each step.
    const fireStatuses = client.on(`${FIRE_DEVICE}/alerts`).map((m) => m.json<AlertEntry[]>()[0]?.alertstatus ?? '[]');
    assert.deepEqual(fireStatuses, ['[]', 'FIRE_ALARM', 'CANCEL', '[]']);

    for (let i = 8; i < stream.length; i++) await send(i);
    await waitForLatest(client, `${CO_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertid === CO, 'the CO alarm listed');
    await client.waitForCount(`${EVENTS}/homelink_alert`, 3);
    assert.equal(alertsOf(CO_DEVICE)![0]!.alertstatus, 'CO_ALARM');

    assert.deepEqual(
      events(client).map((e) => e.event_type),
      ['homelink_property', 'homelink_device', 'homelink_reading', 'homelink_alert', 'homelink_event', 'homelink_alert', 'homelink_notification', 'homelink_insight', 'homelink_unknown', 'homelink_alert'],
    );
    const alarms = client.on(`${STATE}/alarm`).map((m) => m.text);
    assert.deepEqual(alarms, ['OFF', 'ON', 'OFF', 'ON']);

    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_homelink_duplicates_total', { type: 'alert' }), 1);
    assert.equal(metricValue(metrics, 'switchboard_homelink_out_of_order_total', { type: 'alert' }), 1);
    assert.equal(metricValue(metrics, 'switchboard_homelink_alerts_listed'), 1);
  });

  it('gives each event the shape of the fixtures\' README and a stable id', async () => {
    for (let i = 0; i < 4; i++) await send(i);
    const [alert] = await client.waitForCount(`${EVENTS}/homelink_alert`, 1);
    const body = alert!.json<{ event_type: string; id: string; data: Record<string, unknown> }>();
    assert.equal(body.event_type, 'homelink_alert');
    assert.equal(body.id, `${FIRE}@2026-11-20T10:00:00.000Z`);
    assert.equal(body.data.sub_type, 'device');
    assert.deepEqual(body.data.device_info, {
      identifiers: [['homelink', 'device', 'D6FCD4F0']],
      name: 'JOE_BLOGGS_Home HALLWAY1 FIRECOALARM',
      via_device: ['homelink', 'property', 'JOE_BLOGGS_Home'],
      manufacturer: 'Ei',
      model: 'EI3028 (FIRECOALARM)',
    });
    assert.deepEqual(body.data.payload, stream[3]!.payload);

    const property = events(client, 'homelink_property')[0]!;
    assert.equal(property.data.sub_type, 'property');
    assert.deepEqual((property.data.device_info as { identifiers: unknown }).identifiers, [['homelink', 'property', 'JOE_BLOGGS_Home']]);

    // The device's own event topic repeats it, not retained.
    const [deviceEvent] = await client.waitForCount(`${FIRE_DEVICE}/event`, 2);
    const perDevice = client.on(`${FIRE_DEVICE}/event`).map((m) => m.json<Record<string, unknown>>());
    const raised = perDevice.find((e) => e.event_type === 'homelink_alert')!;
    assert.equal(deviceEvent!.retain, false);
    assert.equal(raised.id, body.id);
    assert.equal(raised.alertstatus, 'FIRE_ALARM');
    assert.equal(raised.eventTypeId, 'FIRE_ALARM');
  });

  it('publishes the device state and feeds the device registry', async () => {
    for (let i = 0; i < 4; i++) await send(i);
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.json<{ alarm: string }>().alarm === 'ON', 'the device state in alarm');
    const state = last<Record<string, unknown>>(client, `${FIRE_DEVICE}/state`)!;
    assert.equal(state.model, 'EI3028');
    assert.equal(state.modelType, 'FIRECOALARM');
    assert.equal(state.manufacturer, 'Ei');
    assert.equal(state.room, 'Hallway 1');
    assert.equal(state.location, 'HALLWAY1');
    assert.deepEqual((state.alerts as AlertEntry[]).map((a) => a.alertid), [FIRE]);
    await waitForLatest(client, `${STATE}/ENV01234/state`, (m) => m.json<{ readings: { temperature?: number } }>().readings.temperature === 21.4, 'the temperature reading');

    const updated = events(client, 'device_updated').map((e) => e.data as { id: string; kind: string; via?: string; stateTopic: string; capabilities: { key: string; type: string; class?: string; unit?: string; field?: string; eventTypes?: string[] }[] });
    const hub = updated.find((d) => d.id === 'homelink_property_JOE_BLOGGS_Home')!;
    assert.equal(hub.kind, 'hub');
    assert.equal(hub.stateTopic, `${STATE}/state`);
    assert.deepEqual(hub.capabilities.map((c) => [c.type, c.class]), [['alarm', 'safety']]);
    const alarm = updated.filter((d) => d.id === 'homelink_device_D6FCD4F0').at(-1)!;
    assert.equal(alarm.via, 'homelink_property_JOE_BLOGGS_Home');
    assert.equal(alarm.stateTopic, `${FIRE_DEVICE}/state`);
    assert.equal(alarm.capabilities.find((c) => c.type === 'alarm')!.class, 'smoke');
    assert.deepEqual(alarm.capabilities.find((c) => c.type === 'events')!.eventTypes, ['homelink_alert', 'homelink_device', 'homelink_event', 'homelink_reading']);
    const sensor = updated.filter((d) => d.id === 'homelink_device_ENV01234').at(-1)!;
    assert.deepEqual(sensor.capabilities.find((c) => c.key === 'temperature'), { key: 'temperature', type: 'measurement', name: 'Temperature', unit: '°C', field: 'readings.temperature', class: 'temperature' });
  });

  it('ends in the same state when the stream is replayed at once with `switchboard replay`', async () => {
    const replay = await RuntimeProcess.run(['replay', STREAM, '--url', broker.url, '--rate', '0']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitForCount(`${EVENTS}/homelink_alert`, 3);
    await waitForLatest(client, `${CO_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'CO_ALARM', 'the CO alarm listed');
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.text === '[]', 'the fire alarm cleared');
    await waitForLatest(client, `${STATE}/alarm`, (m) => m.text === 'ON', 'the property in alarm (CO)');
    assert.equal(events(client).length, 10);

    // What a client connecting now finds, retained.
    const late = await TestClient.connect(broker.url);
    try {
      await late.subscribe('switchboard/homelink/#');
      await late.waitForCount('switchboard/homelink/#', 8);
      assert.deepEqual(late.received.map((m) => m.topic).sort(), [
        `${STATE}/C3CEC7FB-D6FCD4F1/alerts`,
        `${STATE}/C3CEC7FB-D6FCD4F1/state`,
        `${STATE}/D6FCD4F0/alerts`,
        `${STATE}/D6FCD4F0/state`,
        `${STATE}/ENV01234/alerts`,
        `${STATE}/ENV01234/state`,
        `${STATE}/alarm`,
        `${STATE}/state`,
      ]);
      assert.ok(late.received.every((m) => m.retain));
      assert.equal(late.on(`${STATE}/alarm`)[0]!.text, 'ON');
    } finally {
      await late.close();
    }
  });
});
