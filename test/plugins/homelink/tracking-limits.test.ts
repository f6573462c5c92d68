import assert from 'node:assert/strict';
import { waitUntil } from '../../../testing/wait.js';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';

const ROOT = 'landlord';
const PREFIX = 'switchboard/homelink';
const EVENTS = 'switchboard/events';

type Runtime = Awaited<ReturnType<Harness['start']>>;

const at = (minute: number): string => new Date(Date.UTC(2026, 0, 15, 8, minute)).toISOString();

function device(property: string, serial: string, minute: number): { topic: string; payload: Record<string, unknown> } {
  const payload = { deviceSerialNumber: serial, propertyReference: property, sourceModel: 'EI3016', sourceModelType: 'FIREALARM', room: 'Hallway', action: 'ADD', actionTimestamp: at(minute) };
  return { topic: `${ROOT}/device/add/${property}/${serial}`, payload };
}

function alert(property: string, serial: string, eventId: string, eventTypeId: 'FIRE_ALARM' | 'END_OF_LIFE', minute: number): { topic: string; payload: Record<string, unknown> } {
  const payload = { eventId, statusId: 'ACTIVE', eventTypeId, severity: 'HIGH', title: eventTypeId, description: eventTypeId, deviceSerialNumber: serial, propertyReference: property, raisedDate: at(minute), action: 'ADD', actionTimestamp: at(minute) };
  return { topic: `${ROOT}/alert/active/${property}/${serial}`, payload };
}

describe('homelink: tracking limits over MQTT (limits.*)', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.create();
  });

  afterEach(async () => {
    await harness.close();
  });

  const limited = (runtime: Runtime, kind: string, outcome: string): Promise<number> =>
    runtime.metrics().then((m) => metricValue(m, 'switchboard_homelink_tracking_limit_total', { kind, outcome }) ?? 0);
  const rejected = (runtime: Runtime): Promise<number> => runtime.metrics().then((m) => metricValue(m, 'switchboard_plugin_messages_rejected_total', { plugin: 'homelink', code: 'tracking_limit' }) ?? 0);

  /** Sends a message and waits until its event is out: it was handled. */
  async function handled(message: { topic: string; payload: Record<string, unknown> }, type: string): Promise<void> {
    const before = harness.client.on(`${EVENTS}/${type}`).length;
    await harness.client.publish(message.topic, message.payload);
    await harness.client.waitForCount(`${EVENTS}/${type}`, before + 1);
  }

  /** Sends a message and waits until it was rejected for a tracking limit. */
  async function refused(runtime: Runtime, message: { topic: string; payload: Record<string, unknown> }): Promise<void> {
    const before = await rejected(runtime);
    await harness.client.publish(message.topic, message.payload);
    await waitUntil(async () => ((await rejected(runtime)) > before ? true : undefined), { what: 'the message rejected for a tracking limit' });
  }

  const alertIds = (property: string, serial: string): string[] | undefined =>
    harness.client.on(`${PREFIX}/${property}/${serial}/alerts`).at(-1)?.json<{ alertid: string }[]>().map((a) => a.alertid);
  const deviceState = (property: string, serial: string): string | undefined => harness.client.on(`${PREFIX}/${property}/${serial}/state`).at(-1)?.text;

  it('forgets the oldest device without an alarm to make room, keeps those with one, and says so in a log line and a counter', async () => {
    const runtime = await harness.start({ plugins: { homelink: { topicRoot: ROOT, publishIntervalMs: 0, limits: { devices: 3, devicesPerProperty: 10 } } } });
    await handled(device('P1', 'D1', 1), 'homelink_device');
    await handled(alert('P1', 'D2', 'fire-2', 'FIRE_ALARM', 2), 'homelink_alert');
    await handled(device('P2', 'D3', 3), 'homelink_device');
    assert.equal(await limited(runtime, 'device', 'evicted'), 0, 'nothing evicted under the limit');

    await handled(device('P2', 'D4', 4), 'homelink_device');
    await waitUntil(() => (deviceState('P1', 'D1') === '' ? true : undefined), { what: 'D1\'s state topic cleared' });
    assert.equal(await limited(runtime, 'device', 'evicted'), 1);
    const line = runtime.logs.find((l) => l.level === 'warn' && l.plugin === 'homelink' && /^tracking limit reached: forgot the oldest device without a listed alarm/.test(l.msg));
    assert.ok(line, 'the eviction is logged');
    assert.equal(line.outcome, 'evicted');

    // D2 is older than D3 but has an alarm: D3 goes.
    await handled(device('P3', 'D5', 5), 'homelink_device');
    await waitUntil(() => (deviceState('P2', 'D3') === '' ? true : undefined), { what: 'D3\'s state topic cleared' });
    assert.deepEqual(alertIds('P1', 'D2'), ['fire-2']);
    assert.notEqual(deviceState('P2', 'D4'), '');
    assert.equal(await limited(runtime, 'device', 'evicted'), 2);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_alerts_listed'), 1);

    // A forgotten device comes back as new when it speaks again, making room in turn.
    await handled(device('P1', 'D1', 6), 'homelink_device');
    await waitUntil(() => (deviceState('P2', 'D4') === '' ? true : undefined), { what: 'D4 forgotten for D1' });
    assert.match(deviceState('P1', 'D1') ?? '', /"serial":"D1"/);
  });

  it('never loses an alarm: a new alarm is tracked over the limit when only alarms could make room, anything else is refused and dead-lettered', async () => {
    const runtime = await harness.start({
      deadLetter: { topic: 'switchboard/dead-letter' },
      plugins: { homelink: { topicRoot: ROOT, publishIntervalMs: 0, limits: { devices: 2, devicesPerProperty: 2, alerts: 2, alertsPerProperty: 2 } } },
    });
    await handled(alert('P1', 'D1', 'fire-1', 'FIRE_ALARM', 1), 'homelink_alert');
    await handled(alert('P1', 'D2', 'fire-2', 'FIRE_ALARM', 2), 'homelink_alert');

    // A new device without an alarm: every tracked device has one.
    await refused(runtime, device('P1', 'D3', 3));
    assert.equal(await limited(runtime, 'device', 'refused'), 1);
    assert.equal(deviceState('P1', 'D3'), undefined, 'the refused device is not tracked');
    const line = runtime.logs.find((l) => l.level === 'warn' && l.plugin === 'homelink' && l.code === 'tracking_limit');
    assert.match(String(line?.reason), /^not tracking the new device: the property tracks 2 items already \(limit 2\), all of them active alarms$/);
    await harness.client.waitForCount('switchboard/dead-letter', 1);

    // A new maintenance alert on a new device is refused as well; on a known device, it has no room either.
    await refused(runtime, alert('P1', 'D3', 'eol-3', 'END_OF_LIFE', 4));
    await refused(runtime, alert('P1', 'D1', 'eol-1', 'END_OF_LIFE', 5));
    assert.equal(await limited(runtime, 'alert', 'refused'), 1);
    assert.deepEqual(alertIds('P1', 'D1'), ['fire-1']);

    // A new alarm is never refused: tracked beyond both limits, and counted.
    await handled(alert('P1', 'D3', 'fire-3', 'FIRE_ALARM', 6), 'homelink_alert');
    await waitUntil(() => (alertIds('P1', 'D3')?.join() === 'fire-3' ? true : undefined), { what: 'the third alarm listed' });
    await handled(alert('P1', 'D1', 'fire-1b', 'FIRE_ALARM', 7), 'homelink_alert');
    await waitUntil(() => (alertIds('P1', 'D1')?.join() === 'fire-1,fire-1b' ? true : undefined), { what: 'a second alarm on D1 listed' });
    assert.equal(await limited(runtime, 'device', 'over_limit'), 1);
    assert.equal(await limited(runtime, 'alert', 'over_limit'), 2);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_alerts_listed'), 4);
    assert.equal(await rejected(runtime), 3);
  });

  it('forgets the oldest listed alert that is not an alarm to make room for a new alert', async () => {
    const runtime = await harness.start({ plugins: { homelink: { topicRoot: ROOT, publishIntervalMs: 0, limits: { alerts: 3, alertsPerProperty: 10 } } } });
    await handled(alert('P1', 'D1', 'eol-1', 'END_OF_LIFE', 1), 'homelink_alert');
    await handled(alert('P1', 'D1', 'fire-1', 'FIRE_ALARM', 2), 'homelink_alert');
    await handled(alert('P2', 'D2', 'eol-2', 'END_OF_LIFE', 3), 'homelink_alert');
    await handled(alert('P2', 'D2', 'fire-2', 'FIRE_ALARM', 4), 'homelink_alert');
    await waitUntil(() => (alertIds('P1', 'D1')?.join() === 'fire-1' ? true : undefined), { what: 'eol-1 forgotten, the alarm kept' });
    assert.deepEqual(alertIds('P2', 'D2'), ['eol-2', 'fire-2']);
    assert.equal(await limited(runtime, 'alert', 'evicted'), 1);

    // The forgotten alert's repeat is recognised, not listed again.
    const repeats = metricValue(await runtime.metrics(), 'switchboard_homelink_duplicates_total', { type: 'alert' }) ?? 0;
    const repeat = alert('P1', 'D1', 'eol-1', 'END_OF_LIFE', 1);
    await harness.client.publish(repeat.topic, repeat.payload);
    await waitUntil(async () => ((metricValue(await runtime.metrics(), 'switchboard_homelink_duplicates_total', { type: 'alert' }) ?? 0) > repeats ? true : undefined), { what: 'the repeat counted as a duplicate' });
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_alerts_listed'), 3);
  });
});
