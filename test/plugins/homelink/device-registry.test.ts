import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import type { TestClient } from '../../helpers/mqtt.js';
import { EVENTS, STATE, STREAM, events, fixtureMessages, last, type FixtureMessage } from './homelink-fixtures.js';

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
const FIRE_DEVICE = `${STATE}/D6FCD4F0`;
const ENV_DEVICE = `${STATE}/ENV01234`;

describe('homelink: what the device registry and the devices\' event topics are told', () => {
  let harness: Harness;
  let client: TestClient;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    harness = await Harness.create();
    await harness.start({ events: { exclude: [] }, plugins: { homelink: { topicRoot: 'joe_bloggs', publishIntervalMs: 0 } } });
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
    await handled('homelink_device', () => send(1));
    const first = announced('homelink_device_D6FCD4F0');
    assert.equal(first.length, 1);
    assert.deepEqual(eventTypesOf(first[0]!), EVERY_DEVICE_EVENT);

    await handled('homelink_alert', () => send(3));
    await handled('homelink_event', () => send(5));
    await handled('homelink_reading', () => send(2, { deviceSerialNumber: 'D6FCD4F0', location: 'HALLWAY1', readingDate: '2026-11-20T10:02:00Z' }));
    // Insights and notifications concern the property, even when they name a device.
    await handled('homelink_insight', () => send(9, { deviceSerialNumber: 'D6FCD4F0' }));
    await handled('homelink_notification', () => send(8, { deviceSerialNumber: 'D6FCD4F0' }));

    const raised = deviceEvents(FIRE_DEVICE).map((e) => e.event_type);
    assert.deepEqual(raised, ['homelink_device', 'homelink_alert', 'homelink_event', 'homelink_reading']);
    const insight = events(client, 'homelink_insight')[0]!;
    assert.equal(insight.data.sub_type, 'property');
    assert.deepEqual((insight.data.device_info as { identifiers: unknown }).identifiers, [['homelink', 'property', 'JOE_BLOGGS_Home']]);
    const all = announced('homelink_device_D6FCD4F0');
    assert.equal(all.length, 2, 'announced again for the temperature reading only (a new capability)');
    assert.deepEqual(eventTypesOf(all[1]!), EVERY_DEVICE_EVENT, 'the events capability never changes');
  });

  it('announces a device again when what describes it changes, not when only a value does', async () => {
    const id = 'homelink_device_ENV01234';
    await handled('homelink_reading', () => send(2));
    assert.equal(announced(id).length, 1, 'a new device with its first reading: one announcement');
    assert.ok(announced(id)[0]!.capabilities.some((c) => c.key === 'temperature'));

    await handled('homelink_reading', () => send(2, { value: 22.1, readingDate: '2026-11-20T09:10:00Z', actionTimestamp: '2026-11-20T09:10:00.000Z' }));
    await handled('homelink_reading', () => send(2, { value: 22.6, readingDate: '2026-11-20T09:15:00Z', actionTimestamp: '2026-11-20T09:15:00.000Z' }));
    assert.equal(announced(id).length, 1, 'newer readings of a known kind change a value only');
    assert.equal(last<{ readings: { temperature: number } }>(client, `${ENV_DEVICE}/state`)!.readings.temperature, 22.6);

    const device = (changes: Record<string, unknown>): Promise<void> =>
      client.publish('joe_bloggs/device/add/JOE_BLOGGS_Home/ENV01234', { deviceSerialNumber: 'ENV01234', propertyReference: 'JOE_BLOGGS_Home', sourceModelType: 'ENVSENSOR', ...changes });
    await handled('homelink_device', () => device({ lastTestedDate: '2026-11-20T00:00:00Z', actionTimestamp: '2026-11-20T09:20:00.000Z' }));
    assert.equal(announced(id).length, 2, 'a model type and a first test date describe it');
    assert.ok(announced(id)[1]!.capabilities.some((c) => c.key === 'last_tested'));

    await handled('homelink_device', () => device({ lastTestedDate: '2026-11-21T00:00:00Z', actionTimestamp: '2026-11-21T09:20:00.000Z' }));
    await handled('homelink_reading', () => send(2, { value: 22.9, readingDate: '2026-11-21T09:25:00Z', actionTimestamp: '2026-11-21T09:25:00.000Z' }));
    assert.equal(announced(id).length, 2, 'a later test date is a value');
    assert.equal(last<{ lastTestedDate: string }>(client, `${ENV_DEVICE}/state`)!.lastTestedDate, '2026-11-21T00:00:00Z', 'and the state shows it');

    await handled('homelink_device', () => device({ room: 'Lounge', actionTimestamp: '2026-11-21T09:30:00.000Z' }));
    await handled('homelink_reading', () => send(2, { readingTypeId: 'environment.humidity.indoor', value: 48, readingDate: '2026-11-21T09:35:00Z', actionTimestamp: '2026-11-21T09:35:00.000Z' }));
    const all = announced(id);
    assert.equal(all.length, 4, 'a new room, then a new kind of reading');
    assert.deepEqual(all[3]!.capabilities.filter((c) => c.type === 'measurement').map((c) => c.key), ['temperature', 'humidity']);
  });

  it('dates each device event when it happened, and says when it was published', async () => {
    await handled('homelink_property', () => send(0));
    await handled('homelink_device', () => send(1));
    await handled('homelink_alert', () => send(3));
    await handled('homelink_reading', () => send(2, { deviceSerialNumber: 'D6FCD4F0', readingDate: '2026-11-20T10:02:00Z', actionTimestamp: '2026-11-20T10:02:30.000Z' }));
    // A gateway event as HomeLINK sends some: raisedDate without a zone (UTC), no actionTimestamp.
    await handled('homelink_event', () => client.publish('joe_bloggs/event/JOE_BLOGGS_Home/D6FCD4F0', { eventId: 'check-in', eventTypeId: 'GATEWAY_CHECK_IN', deviceSerialNumber: 'D6FCD4F0', propertyReference: 'JOE_BLOGGS_Home', raisedDate: '2026-11-20T10:03:00' }));
    await handled('homelink_event', () => client.publish('joe_bloggs/event/JOE_BLOGGS_Home/D6FCD4F0', { eventId: 'undated', eventTypeId: 'HEAD_REMOVED', deviceSerialNumber: 'D6FCD4F0', propertyReference: 'JOE_BLOGGS_Home' }));

    const [added, alert, reading, checkIn, undated] = deviceEvents(FIRE_DEVICE);
    assert.deepEqual(
      [added, alert, reading, checkIn].map((e) => [e!.event_type, e!.time]),
      [
        ['homelink_device', '2026-11-20T09:00:01.000Z'],
        ['homelink_alert', '2026-11-20T10:00:00.000Z'],
        ['homelink_reading', '2026-11-20T10:02:00.000Z'],
        ['homelink_event', '2026-11-20T10:03:00.000Z'],
      ],
    );
    for (const e of [added, alert, reading, checkIn, undated]) assert.ok(Number.isFinite(Date.parse(e!.time_published)), `time_published of ${e!.event_type}`);
    assert.equal(undated!.time, undated!.time_published, 'a message that says no time happened when it came');
  });

  it('takes model types and reading kinds from payloads as data, even when they are names of Object\'s properties', async () => {
    await handled('homelink_property', () => send(0));
    await handled('homelink_device', () => send(1, { sourceModelType: 'constructor' }));
    const [device] = announced('homelink_device_D6FCD4F0') as unknown as { capabilities: { key: string; class?: string }[] }[];
    assert.equal(device!.capabilities.find((c) => c.key === 'alarm')?.class, 'problem');
    await handled('homelink_reading', () => send(2, { readingTypeId: 'constructor', value: 7, unit: 'x' }));
    const state = last<{ readings: Record<string, number> }>(client, `${ENV_DEVICE}/state`);
    assert.equal(state?.readings.constructor, 7);
  });
});
