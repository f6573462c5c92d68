import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import { Harness } from '../../helpers/harness.js';
import { ALARM_SERIAL, BAD_INPUT, EVENTS, STATE, STREAM, events, fixtureMessages, waitForLatest } from './homelink-fixtures.js';

// The bad lines come under another landlord's root; the good message is moved under it.
const BAD_STATE = 'switchboard/homelink/JOE_BLOGGS_Home';

describe('homelink: bad input', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.create();
    await harness.start({ plugins: { homelink: { topicRoot: 'joe_bloggs' } } });
  });

  afterEach(async () => {
    await harness.close();
  });

  it('rejects each bad line with a log line and a counter, escapes unsafe ids, and processes the good message after them', async () => {
    const { client } = harness;
    const runtime = harness.runtime!;
    const bad = await fixtureMessages(BAD_INPUT);
    for (const line of bad) await client.publish(line.topic, line.body);
    const good = (await fixtureMessages(STREAM))[6]!;
    await client.publish(good.topic.replace(/^bright_homes\//, 'joe_bloggs/'), good.body);
    await client.waitFor((r) => r.some((m) => m.topic === `${EVENTS}/homelink_alert` && m.json<{ id: string }>().id.startsWith('7c1e0d52-0000-4000-8000-00000000a001@')), 5000, 'the good alert\'s event');

    const rejected = (reason: RegExp): boolean => runtime.logs.some((l) => l.level === 'warn' && l.plugin === 'homelink' && reason.test(String(l.reason)) && String(l.msg).startsWith('rejected a message on joe_bloggs/'));
    assert.ok(rejected(/^payload is not JSON/), 'not JSON');
    assert.ok(rejected(/^payload is JSON but not an object \(an array\)/), 'an array');
    assert.ok(rejected(/^alert message without eventId and actionTimestamp$/), 'missing fields');
    assert.ok(rejected(/^actionTimestamp "yesterday" is not an ISO 8601 date$/), 'not a date');
    assert.ok(rejected(/^payload of 1048589 bytes exceeds the limit/), '1 MiB');
    assert.ok(rejected(/^payload is empty$/), 'empty');
    assert.ok(rejected(/^payload is not valid UTF-8$/), 'invalid UTF-8');

    const metrics = await runtime.metrics();
    const counted = (code: string): number | undefined => metricValue(metrics, 'switchboard_plugin_messages_rejected_total', { plugin: 'homelink', code });
    assert.deepEqual(
      ['invalid_json', 'not_an_object', 'missing_field', 'invalid_timestamp', 'too_large', 'empty', 'invalid_utf8'].map(counted),
      [1, 1, 1, 1, 1, 1, 1],
    );

    // The serial "AB+/#CD" is a fire alarm like any other, but never a topic level as it is.
    const unsafe = runtime.logs.find((l) => l.level === 'warn' && l.id === 'AB+/#CD');
    assert.ok(unsafe, 'the escaped serial is logged');
    assert.equal(unsafe.escaped, 'AB%2B%2F%23CD');
    assert.equal(metricValue(metrics, 'switchboard_homelink_unsafe_ids_total'), 1);
    await waitForLatest(client, `${BAD_STATE}/AB%2B%2F%23CD/alerts`, (m) => m.json<{ alertid: string }[]>()[0]?.alertid === 'e-wild', 'the escaped device\'s alerts');
    assert.ok(client.received.every((m) => !m.topic.includes('AB+') && !m.topic.includes('/#CD')));

    // Nothing stopped: the good alert came after all of them and was listed.
    await waitForLatest(client, `${STATE}/${ALARM_SERIAL}/alerts`, (m) => m.json<{ alertstatus: string }[]>()[0]?.alertstatus === 'FIRE_ALARM', 'the good alert listed');
    assert.deepEqual(events(client, 'homelink_alert').map((e) => e.data.alertstatus), ['FIRE_ALARM', 'FIRE_ALARM']);
    const health = await fetch(runtime.healthUrl);
    assert.equal(health.status, 200);
  });
});
