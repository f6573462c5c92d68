import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestBroker } from '../../helpers/broker.js';
import { Harness } from '../../helpers/harness.js';
import { TestClient } from '../../helpers/mqtt.js';
import { RuntimeProcess } from '../../helpers/runtime.js';
import { ALARM_SERIAL, EVENTS, ROOT, SENSOR_SERIAL, STATE, STREAM, events, fixtureMessages, last, waitForLatest, type FixtureMessage } from './homelink-fixtures.js';

interface AlertEntry {
  alertid: string;
  alertstatus: string;
  eventtype: string;
}

const FIRE = '7c1e0d52-0000-4000-8000-00000000a001';
const FIRE_DEVICE = `${STATE}/${ALARM_SERIAL}`;
const SENSOR_DEVICE = `${STATE}/${SENSOR_SERIAL}`;

describe('homelink: the fixture stream over MQTT (each step: test/e2e/homelink-stream.test.ts)', () => {
  let harness: Harness;
  let broker: TestBroker;
  let client: TestClient;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    harness = await Harness.create();
    await harness.start({ events: { exclude: [] }, plugins: { homelink: { topicRoot: ROOT } } });
    ({ broker, client } = harness);
  });

  afterEach(async () => {
    await harness.close();
  });

  const send = (i: number): Promise<void> => client.publish(stream[i]!.topic, stream[i]!.body);

  it('gives each event the shape of the fixtures\' README and a stable id', async () => {
    for (let i = 0; i < 7; i++) await send(i);
    const [alert] = await client.waitForCount(`${EVENTS}/homelink_alert`, 1);
    const body = alert!.json<{ event_type: string; id: string; data: Record<string, unknown> }>();
    assert.equal(body.event_type, 'homelink_alert');
    assert.equal(body.id, `${FIRE}@2026-01-15T08:10:02.000Z`);
    assert.equal(body.data.sub_type, 'device');
    assert.deepEqual(body.data.device_info, {
      identifiers: [['homelink', 'device', ALARM_SERIAL]],
      name: 'Flat 3 Kitchen FIRECOALARM',
      via_device: ['homelink', 'property', 'BRIGHT_HOMES_Flat_3'],
      manufacturer: 'Ei',
      model: 'EI3028 (FIRECOALARM)',
    });
    assert.deepEqual(body.data.payload, stream[6]!.payload);

    const property = events(client, 'homelink_property')[0]!;
    assert.equal(property.data.sub_type, 'property');
    assert.deepEqual((property.data.device_info as { identifiers: unknown }).identifiers, [['homelink', 'property', 'BRIGHT_HOMES_Flat_3']]);

    // The device's own event topic repeats it, not retained.
    const [deviceEvent] = await client.waitForCount(`${FIRE_DEVICE}/event`, 3);
    const perDevice = client.on(`${FIRE_DEVICE}/event`).map((m) => m.json<Record<string, unknown>>());
    const raised = perDevice.find((e) => e.event_type === 'homelink_alert')!;
    assert.equal(deviceEvent!.retain, false);
    assert.equal(raised.id, body.id);
    assert.equal(raised.alertstatus, 'FIRE_ALARM');
    assert.equal(raised.eventTypeId, 'FIRE_ALARM');
  });

  it('publishes the device state and feeds the device registry', async () => {
    for (let i = 0; i < 7; i++) await send(i);
    await waitForLatest(client, `${FIRE_DEVICE}/state`, (m) => m.json<{ alarm: string }>().alarm === 'ON', 'the device state in alarm');
    const state = last<Record<string, unknown>>(client, `${FIRE_DEVICE}/state`)!;
    assert.equal(state.model, 'EI3028');
    assert.equal(state.modelType, 'FIRECOALARM');
    assert.equal(state.manufacturer, 'Ei');
    assert.equal(state.room, 'Kitchen');
    assert.equal(state.location, 'KITCHEN');
    assert.equal(state.deviceId, '0a1f5c2e-1111-4c1e-9a3b-000000000002');
    assert.equal(state.problem, 'OFF');
    assert.deepEqual((state.alerts as AlertEntry[]).map((a) => a.alertid), [FIRE]);
    await waitForLatest(client, `${SENSOR_DEVICE}/state`, (m) => m.json<{ readings: { temperature?: number } }>().readings.temperature === 19.4, 'the temperature reading');

    // The events output and the state topics are published apart: wait for the announcement too.
    await client.waitFor(() => events(client, 'device_updated').some((e) => JSON.stringify(e.data).includes('"key":"temperature"')), 5000, 'the sensor announced with its temperature');
    const updated = events(client, 'device_updated').map((e) => e.data as { id: string; kind: string; via?: string; stateTopic: string; capabilities: { key: string; type: string; class?: string; unit?: string; field?: string; eventTypes?: string[] }[] });
    const hub = updated.find((d) => d.id === 'homelink_property_BRIGHT_HOMES_Flat_3')!;
    assert.equal(hub.kind, 'hub');
    assert.equal(hub.stateTopic, `${STATE}/state`);
    assert.deepEqual(hub.capabilities.map((c) => [c.key, c.class]), [['alarm', 'safety'], ['problem', 'problem']]);
    const alarm = updated.filter((d) => d.id === `homelink_device_${ALARM_SERIAL}`).at(-1)!;
    assert.equal(alarm.via, 'homelink_property_BRIGHT_HOMES_Flat_3');
    assert.equal(alarm.stateTopic, `${FIRE_DEVICE}/state`);
    assert.equal(alarm.capabilities.find((c) => c.key === 'alarm')!.class, 'smoke');
    assert.equal(alarm.capabilities.find((c) => c.key === 'problem')!.class, 'problem');
    const gateway = updated.filter((d) => d.id === 'homelink_device_A7E2C410').at(-1)!;
    assert.deepEqual(gateway.capabilities.filter((c) => c.type === 'alarm').map((c) => c.key), ['problem'], 'a gateway raises no alarm');
    assert.deepEqual(alarm.capabilities.find((c) => c.type === 'events')!.eventTypes, ['homelink_alert', 'homelink_device', 'homelink_event', 'homelink_reading']);
    const sensor = updated.filter((d) => d.id === `homelink_device_${SENSOR_SERIAL}`).at(-1)!;
    assert.deepEqual(sensor.capabilities.find((c) => c.key === 'temperature'), { key: 'temperature', type: 'measurement', name: 'Temperature', unit: '°C', field: 'readings.temperature', class: 'temperature' });
  });

  it('ends in the same state when the stream up to the maintenance alert is replayed at once with `switchboard replay`', async () => {
    // Up to and including the maintenance alert: what is left is listed, not yet removed.
    const upTo = stream.findIndex((m) => m.note.startsWith('maintenance alert'));
    assert.ok(upTo > 0);
    const file = join(harness.dir.path, 'first-part.jsonl');
    await writeFile(file, stream.slice(0, upTo + 1).map((m) => JSON.stringify({ note: m.note, topic: m.topic, payload: m.payload })).join('\n'));
    const replay = await RuntimeProcess.run(['replay', file, '--url', broker.url, '--rate', '0']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitForCount(`${EVENTS}/homelink_alert`, 3);
    await waitForLatest(client, `${FIRE_DEVICE}/alerts`, (m) => m.json<AlertEntry[]>()[0]?.alertstatus === 'LOW_BATTERY_HEAD', 'the maintenance alert listed');
    await waitForLatest(client, `${STATE}/problem`, (m) => m.text === 'ON', 'the property has a problem');
    assert.equal(client.on(`${STATE}/alarm`).at(-1)!.text, 'OFF', 'and is not in alarm');
    // Every line but the duplicate and the late copy raises its event.
    assert.equal(events(client).length, upTo + 1 - 2);

    // What a client connecting now finds, retained.
    const late = await TestClient.connect(broker.url);
    try {
      await late.subscribe('switchboard/homelink/#');
      await late.waitForCount('switchboard/homelink/#', 9);
      const expected = [ALARM_SERIAL, SENSOR_SERIAL, 'A7E2C410'].flatMap((serial) => [`${STATE}/${serial}/alerts`, `${STATE}/${serial}/state`]);
      assert.deepEqual(late.received.map((m) => m.topic).sort(), [...expected, `${STATE}/alarm`, `${STATE}/problem`, `${STATE}/state`].sort());
      assert.ok(late.received.every((m) => m.retain));
      assert.equal(late.on(`${STATE}/problem`)[0]!.text, 'ON');
    } finally {
      await late.close();
    }
  });
});
