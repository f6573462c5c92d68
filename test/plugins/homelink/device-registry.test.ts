import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import type { TestClient } from '../../helpers/mqtt.js';
import { ALARM_SERIAL, EVENTS, ROOT, SENSOR_SERIAL, STATE, STREAM, events, fixtureMessages, last, type FixtureMessage } from './homelink-fixtures.js';

interface Announced {
  id: string;
  capabilities: { key: string; type: string; eventTypes?: string[] }[];
}

interface DeviceEvent {
  event_type: string;
  id: string;
  time: string;
  time_published: string;
}

const EVERY_DEVICE_EVENT = ['homelink_alert', 'homelink_device', 'homelink_event', 'homelink_reading'];
const FIRE_DEVICE = `${STATE}/${ALARM_SERIAL}`;
const ENV_DEVICE = `${STATE}/${SENSOR_SERIAL}`;
// The fire alarm's own fields, for the sensor's reading sent as if it were the alarm's.
const AS_ALARM = { deviceSerialNumber: ALARM_SERIAL, devicePhySerialNumber: ALARM_SERIAL, deviceId: '0a1f5c2e-1111-4c1e-9a3b-000000000002', sourceModel: 'EI3028', sourceModelType: 'FIRECOALARM', room: 'Kitchen', location: 'KITCHEN' };

describe('homelink: what the device registry and the devices\' event topics are told', () => {
  let harness: Harness;
  let client: TestClient;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    harness = await Harness.create();
    await harness.start({ events: { exclude: [] }, plugins: { homelink: { topicRoot: ROOT, publishIntervalMs: 0 } } });
    client = harness.client;
  });

  afterEach(async () => {
    await harness.close();
  });

  const send = (i: number, changes: Record<string, unknown> = {}): Promise<void> => client.publish(stream[i]!.topic, { ...stream[i]!.payload, ...changes });
  const announced = (id: string): Announced[] => events(client, 'device_updated').map((e) => e.data as unknown as Announced).filter((d) => d.id === id);
  const eventTypesOf = (device: Announced): string[] | undefined => device.capabilities.find((c) => c.type === 'events')?.eventTypes;
  const deviceEvents = (topic: string): DeviceEvent[] => client.on(`${topic}/event`).map((m) => m.json<DeviceEvent>());
  /** Sends a message and waits for its event: the runtime publishes in order, so whatever it announced before has arrived too. */
  const handled = async (type: string, sendIt: () => Promise<void>): Promise<void> => {
    const count = client.on(`${EVENTS}/${type}`).length;
    await sendIt();
    await client.waitForCount(`${EVENTS}/${type}`, count + 1);
  };

  it('declares every event type a device can raise in its first announcement, and publishes no other on its topic', async () => {
    await handled('homelink_property', () => send(0));
    await handled('homelink_device', () => send(2));
    const first = announced(`homelink_device_${ALARM_SERIAL}`);
    assert.equal(first.length, 1);
    assert.deepEqual(eventTypesOf(first[0]!), EVERY_DEVICE_EVENT);

    await handled('homelink_alert', () => send(6));
    await handled('homelink_event', () => send(8));
    await handled('homelink_reading', () => send(4, { ...AS_ALARM, readingDate: '2026-01-15T08:12:00Z' }));
    // Insights and notifications concern the property, even when they name a device.
    await handled('homelink_insight', () =>
      client.publish(`${ROOT}/insight/bright_homes_flat_3`, { insightId: 'i-1', propertyReference: 'BRIGHT_HOMES_Flat_3', deviceSerialNumber: ALARM_SERIAL, action: 'ADD', actionTimestamp: '2026-01-15T08:13:00.000Z' }),
    );
    await handled('homelink_notification', () => send(13, { deviceSerialNumber: ALARM_SERIAL }));

    const raised = deviceEvents(FIRE_DEVICE).map((e) => e.event_type);
    assert.deepEqual(raised, ['homelink_device', 'homelink_alert', 'homelink_event', 'homelink_reading']);
    const insight = events(client, 'homelink_insight')[0]!;
    assert.equal(insight.data.sub_type, 'property');
    assert.deepEqual((insight.data.device_info as { identifiers: unknown }).identifiers, [['homelink', 'property', 'BRIGHT_HOMES_Flat_3']]);
    const all = announced(`homelink_device_${ALARM_SERIAL}`);
    assert.equal(all.length, 2, 'announced again for the temperature reading only (a new capability)');
    assert.deepEqual(eventTypesOf(all[1]!), EVERY_DEVICE_EVENT, 'the events capability never changes');
  });

  it('announces a device again when what describes it changes, not when only a value does', async () => {
    const id = `homelink_device_${SENSOR_SERIAL}`;
    await handled('homelink_reading', () => send(4));
    assert.equal(announced(id).length, 1, 'a new device with its first reading: one announcement');
    assert.ok(announced(id)[0]!.capabilities.some((c) => c.key === 'temperature'));

    await handled('homelink_reading', () => send(4, { value: 22.1, readingDate: '2026-11-20T09:10:00Z', actionTimestamp: '2026-11-20T09:10:00.000Z' }));
    await handled('homelink_reading', () => send(4, { value: 22.6, readingDate: '2026-11-20T09:15:00Z', actionTimestamp: '2026-11-20T09:15:00.000Z' }));
    assert.equal(announced(id).length, 1, 'newer readings of a known kind change a value only');
    assert.equal(last<{ readings: { temperature: number } }>(client, `${ENV_DEVICE}/state`)!.readings.temperature, 22.6);

    const device = (changes: Record<string, unknown>): Promise<void> =>
      client.publish(`${ROOT}/device/bright_homes_flat_3/update`, { deviceSerialNumber: SENSOR_SERIAL, propertyReference: 'BRIGHT_HOMES_Flat_3', sourceModelType: 'ENVCO2SENSOR', action: 'UPDATE', ...changes });
    await handled('homelink_device', () => device({ lastTestedDate: '2026-11-20T00:00:00Z', actionTimestamp: '2026-11-20T09:20:00.000Z' }));
    assert.equal(announced(id).length, 2, 'a first test date describes it');
    assert.ok(announced(id)[1]!.capabilities.some((c) => c.key === 'last_tested'));

    await handled('homelink_device', () => device({ lastTestedDate: '2026-11-21T00:00:00Z', actionTimestamp: '2026-11-21T09:20:00.000Z' }));
    await handled('homelink_reading', () => send(4, { value: 22.9, readingDate: '2026-11-21T09:25:00Z', actionTimestamp: '2026-11-21T09:25:00.000Z' }));
    assert.equal(announced(id).length, 2, 'a later test date is a value');
    assert.equal(last<{ lastTestedDate: string }>(client, `${ENV_DEVICE}/state`)!.lastTestedDate, '2026-11-21T00:00:00Z', 'and the state shows it');

    await handled('homelink_device', () => device({ room: 'Lounge', actionTimestamp: '2026-11-21T09:30:00.000Z' }));
    await handled('homelink_reading', () => send(4, { readingTypeId: 'environment.humidity.indoor', value: 48, readingDate: '2026-11-21T09:35:00Z', actionTimestamp: '2026-11-21T09:35:00.000Z' }));
    const all = announced(id);
    assert.equal(all.length, 4, 'a new room, then a new kind of reading');
    assert.deepEqual(all[3]!.capabilities.filter((c) => c.type === 'measurement').map((c) => c.key), ['temperature', 'humidity']);
  });

  it('dates each device event when it happened, and says when it was published', async () => {
    await handled('homelink_property', () => send(0));
    await handled('homelink_device', () => send(2));
    await handled('homelink_alert', () => send(6));
    await handled('homelink_reading', () => send(4, { ...AS_ALARM, readingDate: '2026-01-15T08:11:00Z', actionTimestamp: '2026-01-15T08:11:30.000Z' }));
    // A gateway event as HomeLINK sends some: raisedDate without a zone (UTC), no actionTimestamp.
    const eventTopic = `${ROOT}/event/bright_homes_flat_3/a7e2c410-5b1d0e22/gateway-check-in`;
    await handled('homelink_event', () => client.publish(eventTopic, { eventId: 'check-in', eventTypeId: 'GATEWAY_CHECK_IN', deviceSerialNumber: ALARM_SERIAL, propertyReference: 'BRIGHT_HOMES_Flat_3', raisedDate: '2026-01-15T08:12:00' }));
    await handled('homelink_event', () => client.publish(eventTopic, { eventId: 'undated', eventTypeId: 'HEAD_REMOVED', deviceSerialNumber: ALARM_SERIAL, propertyReference: 'BRIGHT_HOMES_Flat_3' }));

    const [added, alert, reading, checkIn, undated] = deviceEvents(FIRE_DEVICE);
    assert.deepEqual(
      [added, alert, reading, checkIn].map((e) => [e!.event_type, e!.time]),
      [
        ['homelink_device', '2026-01-15T08:02:00.000Z'],
        ['homelink_alert', '2026-01-15T08:10:02.000Z'],
        ['homelink_reading', '2026-01-15T08:11:00.000Z'],
        ['homelink_event', '2026-01-15T08:12:00.000Z'],
      ],
    );
    for (const e of [added, alert, reading, checkIn, undated]) assert.ok(Number.isFinite(Date.parse(e!.time_published)), `time_published of ${e!.event_type}`);
    assert.equal(undated!.time, undated!.time_published, 'a message that says no time happened when it came');
  });

  it('takes model types and reading kinds from payloads as data, even when they are names of Object\'s properties', async () => {
    await handled('homelink_property', () => send(0));
    await handled('homelink_device', () => send(2, { sourceModelType: 'constructor' }));
    const [device] = announced(`homelink_device_${ALARM_SERIAL}`) as unknown as { capabilities: { key: string; class?: string }[] }[];
    assert.equal(device!.capabilities.find((c) => c.key === 'alarm')?.class, 'safety');
    await handled('homelink_reading', () => send(4, { readingTypeId: 'constructor', value: 7, unit: 'x' }));
    const state = last<{ readings: Record<string, number> }>(client, `${ENV_DEVICE}/state`);
    assert.equal(state?.readings.constructor, 7);
  });
});
