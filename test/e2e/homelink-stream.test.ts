import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { metricValue } from '../helpers/metrics.js';
import { TestClient, type Received } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';
import { STREAM, fixtureMessages, type FixtureMessage } from '../plugins/homelink/homelink-fixtures.js';

/**
 * HomeLINK's own message shapes, end to end: the corrected fixture stream replayed over the embedded
 * broker into a runtime with homelink, ha-discovery and the shipped privacy rules, checking each step its
 * `note` names in what a client of the broker sees (events, retained state topics, Home Assistant configs).
 */

const STATE = 'switchboard/homelink/BRIGHT_HOMES_Flat_3';
const EVENTS = 'switchboard/events';
const HA = 'homeassistant';
const GATEWAY = 'A7E2C410';
const ALARM = 'A7E2C410-5B1D0E22';
const SENSOR = 'A7E2C410-00C0FFEE';
const PROPERTY_ID = 'homelink_property_BRIGHT_HOMES_Flat_3';
const FIRE_ALERT = '7c1e0d52-0000-4000-8000-00000000a001';
const BATTERY_ALERT = '7c1e0d52-0000-4000-8000-00000000a002';

interface AlertEntry {
  alertid: string;
  alertstatus: string;
  category: string | null;
}

interface Event {
  event_type: string;
  id: string;
  data: Record<string, unknown> & { payload: Record<string, unknown> };
}

/** The privacy rules runtime.config.json ships. */
async function shippedPrivacy(): Promise<unknown> {
  const config = JSON.parse(await readFile(fixture('runtime.config.json'), 'utf8')) as { plugins: { privacy: unknown } };
  return config.plugins.privacy;
}

describe('homelink end to end: the corrected HomeLINK stream over the embedded broker', function () {
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime;
  let client: TestClient;
  let stream: FixtureMessage[];

  before(async () => {
    stream = await fixtureMessages(STREAM);
  });

  beforeEach(async () => {
    dir = await tempDir();
    runtime = await InProcessRuntime.start(dir.path, {
      broker: { embedded: true, host: '127.0.0.1', port: 0 },
      events: { exclude: [] },
      plugins: {
        privacy: await shippedPrivacy(),
        homelink: { topicRoot: 'bright_homes', publishIntervalMs: 0 },
        'ha-discovery': { republishDelayMs: 50 },
      },
    });
    await runtime.healthy();
    client = await TestClient.connect(runtime.runtime.broker!.url);
    await client.subscribe('#');
  });

  afterEach(async () => {
    await client.close();
    await runtime.stop();
    await dir.remove();
  });

  /** Publishes the stream's line `i`, after checking that its note says what the test expects of it. */
  const send = async (i: number, note: RegExp): Promise<void> => {
    assert.match(stream[i]!.note, note, `line ${i} of stream.jsonl is not the step the test expects`);
    await client.publish(stream[i]!.topic, stream[i]!.body);
  };
  const events = (type: string): Event[] => client.on(`${EVENTS}/${type}`).map((m) => m.json<Event>());
  const latest = (topic: string): Received | undefined => client.on(topic).at(-1);
  const until = (topic: string, check: (m: Received) => boolean, what: string): Promise<void> =>
    client.waitFor(() => {
      const m = latest(topic);
      return m !== undefined && check(m);
    }, 10000, what);
  const alerts = (device: string): AlertEntry[] => latest(`${STATE}/${device}/alerts`)!.json<AlertEntry[]>();
  const statuses = (device: string): string[] => alerts(device).map((a) => a.alertstatus);
  const deviceState = (device: string): Record<string, unknown> => latest(`${STATE}/${device}/state`)!.json<Record<string, unknown>>();
  const config = (component: string, object: string): Record<string, unknown> | undefined => {
    const m = latest(`${HA}/${component}/switchboard/${object}/config`);
    return m === undefined || m.payload.length === 0 ? undefined : m.json<Record<string, unknown>>();
  };
  const configTopics = (deviceId: string): string[] => [...new Set(client.on(`${HA}/+/switchboard/+/config`).map((m) => m.topic))].filter((t) => t.split('/')[3]!.startsWith(`${deviceId}-`));

  it('walks every step its notes name', async () => {
    // Property and devices added: registered, announced, with their Home Assistant entities.
    await send(0, /property added \(action ADD\)/);
    await until(`${STATE}/alarm`, (m) => m.text === 'OFF', 'the property registered, not in alarm');
    await send(1, /device added: GATEWAY/);
    await send(2, /device added: FIRECOALARM/);
    await send(3, /device added: ENVCO2SENSOR/);
    await client.waitForCount(`${EVENTS}/homelink_device`, 3);
    await client.waitFor(() => config('binary_sensor', `homelink_device_${SENSOR}-alarm`) !== undefined, 10000, 'the sensor\'s config');
    assert.equal(config('binary_sensor', `homelink_device_${ALARM}-alarm`)!.device_class, 'smoke');
    assert.equal(config('binary_sensor', `homelink_device_${ALARM}-problem`)!.device_class, 'problem');
    assert.equal(config('binary_sensor', `homelink_device_${SENSOR}-alarm`)!.device_class, 'gas');
    assert.equal(config('binary_sensor', `homelink_device_${GATEWAY}-alarm`), undefined, 'a gateway raises no alarm');
    assert.equal(config('binary_sensor', `homelink_device_${GATEWAY}-problem`)!.device_class, 'problem');
    assert.equal(config('binary_sensor', `${PROPERTY_ID}-problem`)!.device_class, 'problem');
    assert.equal((config('binary_sensor', `homelink_device_${ALARM}-alarm`)!.device as { name: string }).name, 'Flat 3 Kitchen FIRECOALARM');
    assert.equal(deviceState(ALARM).deviceId, '0a1f5c2e-1111-4c1e-9a3b-000000000002');

    await send(4, /reading: temperature/);
    await until(`${STATE}/${SENSOR}/state`, (m) => m.json<{ readings: Record<string, number> }>().readings.temperature === 19.4, 'the temperature');

    // FIRE_ALARM: the event first (nothing listed yet), then the alert.
    await send(5, /event FIRE_ALARM \(the detector went off\)/);
    await client.waitForCount(`${EVENTS}/homelink_event`, 1);
    await send(6, /alert raised .*alertstatus FIRE_ALARM, property alarm ON/);
    await until(`${STATE}/${ALARM}/alerts`, (m) => m.text.includes('FIRE_ALARM'), 'the fire alarm listed');
    assert.deepEqual(alerts(ALARM), [{ alertid: FIRE_ALERT, alertstatus: 'FIRE_ALARM', eventtype: 'FIRE_ALARM', category: 'ALARM', severity: 'HIGH', raiseddate: '2026-01-15T08:10:00Z', description: '5B1D0E22 in location Kitchen: Fire alarm activated' }]);
    await until(`${STATE}/alarm`, (m) => m.text === 'ON', 'the property alarm ON');
    assert.equal(deviceState(ALARM).alarm, 'ON');
    assert.equal(latest(`${STATE}/problem`)!.text, 'OFF');

    // The duplicate changes nothing; HUSH silences: CANCEL, still listed, still in alarm.
    await send(7, /the same alert delivered again/);
    await send(8, /event HUSH .*alertstatus CANCEL, still listed/);
    await until(`${STATE}/${ALARM}/alerts`, (m) => m.text.includes('"alertstatus":"CANCEL"'), 'the alarm silenced');
    assert.deepEqual(statuses(ALARM), ['CANCEL']);
    assert.equal(latest(`${STATE}/alarm`)!.text, 'ON', 'a silenced alarm is still listed');
    assert.equal(events('homelink_alert').length, 1, 'the redelivered alert raised no second event');
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_duplicates_total', { type: 'alert' }), 1);

    // Raised again at the device while silenced: back to FIRE_ALARM.
    await send(9, /event FIRE_ALARM again while silenced: back to FIRE_ALARM/);
    await until(`${STATE}/${ALARM}/alerts`, (m) => m.text.includes('"alertstatus":"FIRE_ALARM"'), 'the alarm re-activated');

    // Resolved: cleared, the resolving event kept on the alert's last event.
    await send(10, /alert resolved .*resolvingEventTypeId FIRE_ALARM_STOP.*cleared/);
    await until(`${STATE}/${ALARM}/alerts`, (m) => m.text === '[]', 'the alert cleared');
    await until(`${STATE}/alarm`, (m) => m.text === 'OFF', 'the property alarm OFF');
    await client.waitForCount(`${EVENTS}/homelink_alert`, 2);
    await client.waitFor((r) => r.filter((m) => m.topic === `${STATE}/${ALARM}/event` && m.text.includes('FIRE_ALARM_STOP')).length > 0, 10000, 'the resolve on the device\'s event topic');
    const resolved = events('homelink_alert').at(-1)!;
    assert.equal(resolved.data.alertstatus, null);
    assert.equal(resolved.data.payload.resolvingEventTypeId, 'FIRE_ALARM_STOP');
    const onDevice = client.on(`${STATE}/${ALARM}/event`).map((m) => m.json<Record<string, unknown>>()).filter((e) => e.event_type === 'homelink_alert');
    assert.equal(onDevice.at(-1)!.resolvingEventTypeId, 'FIRE_ALARM_STOP');
    assert.equal(onDevice.at(-1)!.alertstatus, null);

    // The late copy of the raise is ignored; the maintenance alert is listed without an alarm, as a problem.
    await send(11, /an older copy of the raise arriving late: ignored/);
    await send(12, /maintenance alert \(LOW_BATTERY_HEAD.*listed, but no alarm/);
    await until(`${STATE}/${ALARM}/alerts`, (m) => m.text.includes('LOW_BATTERY_HEAD'), 'the maintenance alert listed');
    assert.deepEqual(alerts(ALARM).map((a) => [a.alertid, a.alertstatus, a.category]), [[BATTERY_ALERT, 'LOW_BATTERY_HEAD', 'MAINTENANCE']]);
    await until(`${STATE}/problem`, (m) => m.text === 'ON', 'the property problem ON');
    assert.equal(latest(`${STATE}/alarm`)!.text, 'OFF', 'a maintenance alert is no alarm');
    assert.equal(deviceState(ALARM).alarm, 'OFF');
    assert.equal(deviceState(ALARM).problem, 'ON');
    // The events output and the state topics are published apart: wait for the maintenance alert's event too.
    await client.waitForCount(`${EVENTS}/homelink_alert`, 3);
    assert.deepEqual(events('homelink_alert').map((e) => e.data.alertstatus), ['FIRE_ALARM', null, 'LOW_BATTERY_HEAD'], 'the late copy raised nothing');
    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_homelink_out_of_order_total', { type: 'alert' }), 1);
    const alarmValues = client.on(`${STATE}/alarm`).map((m) => m.text).filter((v, i, all) => i === 0 || v !== all[i - 1]);
    assert.deepEqual(alarmValues, ['OFF', 'ON', 'OFF'], 'in alarm from the raise to the resolve only');

    // The notification belongs to the property its alerts name; its recipients leave only masked.
    await send(13, /notification \(action SEND\).*alerts\[\] name the property/);
    const [notification] = (await client.waitForCount(`${EVENTS}/homelink_notification`, 1)).map((m) => m.json<Event>());
    assert.equal(notification!.data.sub_type, 'property');
    assert.deepEqual((notification!.data.device_info as { identifiers: unknown }).identifiers, [['homelink', 'property', 'BRIGHT_HOMES_Flat_3']]);
    const sent = stream[13]!.payload!;
    for (const field of ['recipientEmail', 'recipientSmsNumber', 'recipientUsername', 'recipientLandlordPersonReference']) {
      const value = notification!.data.payload[field];
      assert.equal(typeof value, 'string', field);
      assert.notEqual(value, sent[field], `${field} left as it was`);
      for (const m of client.received) assert.ok(!m.text.includes(sent[field] as string) || m.topic.startsWith('bright_homes/'), `${field} on ${m.topic}`);
    }

    // UPDATE: the nickname kept, the device renamed in Home Assistant.
    await send(14, /device updated \(action UPDATE\): a nickname given/);
    await until(`${STATE}/${SENSOR}/state`, (m) => m.json<{ locationNickname: string | null }>().locationNickname === 'Nursery', 'the nickname kept');
    await client.waitFor(() => (config('binary_sensor', `homelink_device_${SENSOR}-alarm`)?.device as { name?: string } | undefined)?.name === 'Flat 3 Nursery ENVCO2SENSOR', 10000, 'the device renamed');

    // Device REMOVE: unregistered, its retained topics and Home Assistant configs cleared.
    const sensorConfigs = configTopics(`homelink_device_${SENSOR}`);
    assert.ok(sensorConfigs.length >= 3, `the sensor's configs: ${sensorConfigs.join(', ')}`);
    await send(15, /device removed \(action REMOVE.*unregistered, its alerts and retained topics cleared/);
    await client.waitFor(() => events('device_removed').length === 1, 10000, 'device_removed');
    assert.deepEqual(events('device_removed').map((e) => e.data), [{ id: `homelink_device_${SENSOR}` }]);
    for (const topic of [`${STATE}/${SENSOR}/state`, `${STATE}/${SENSOR}/alerts`, ...sensorConfigs]) await until(topic, (m) => m.payload.length === 0, `${topic} cleared`);
    assert.ok(config('binary_sensor', `homelink_device_${ALARM}-alarm`), 'the other devices stay');
    await until(`${STATE}/state`, (m) => m.json<{ devices: number }>().devices === 2, 'the property down to two devices');

    // Property REMOVE: the property, its devices, their alerts, retained topics and configs all go.
    const owned = [...new Set(client.on(`${STATE}/#`).map((m) => m.topic))].filter((t) => !t.endsWith('/event'));
    const configs = [...new Set(client.on(`${HA}/+/switchboard/+/config`).map((m) => m.topic))];
    await send(16, /property removed \(action REMOVE\): the property, its devices, alerts and retained topics go/);
    await client.waitFor(() => events('device_removed').length === 4, 10000, 'device_removed for the property and its two devices');
    assert.deepEqual(events('device_removed').slice(1).map((e) => e.data.id).sort(), [`homelink_device_${GATEWAY}`, `homelink_device_${ALARM}`, PROPERTY_ID].sort());
    for (const topic of [...owned, ...configs]) await until(topic, (m) => m.payload.length === 0, `${topic} cleared`);
    assert.ok(owned.includes(`${STATE}/problem`) && owned.includes(`${STATE}/${ALARM}/alerts`), owned.join(', '));
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_alerts_listed'), 0, 'no alert left listed');
  });
});
