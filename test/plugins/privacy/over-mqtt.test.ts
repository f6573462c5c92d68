import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';
import { fixture } from '../../helpers/paths.js';
import { SENSOR_THRESHOLD } from '../../helpers/plugins.js';

const EMAIL = 'jane.doe@example.com';
const LEAKY = fixture('dist', 'test', 'plugins', 'privacy', 'leaky-plugin.js');

describe('privacy: over MQTT', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.create();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('a drop rule on a topic filter removes exactly the events and messages on those topics', async () => {
    const runtime = await harness.start({
      plugins: {
        'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 30 },
        privacy: {
          rules: [
            { name: 'no-cleared', topics: ['switchboard/events/threshold_cleared'], action: 'drop' },
            { name: 'no-hall', topics: ['alerts/hall'], action: 'drop' },
          ],
        },
      },
    });
    const { client } = harness;
    // kitchen: exceeded, cleared, exceeded; hall: exceeded, cleared.
    for (const [sensor, value] of [['kitchen', '31'], ['kitchen', '20'], ['hall', '35'], ['hall', '10'], ['kitchen', '32']] as const) {
      await client.publish(`sensors/${sensor}/temperature`, value);
    }
    const exceeded = await client.waitForCount('switchboard/events/threshold_exceeded', 3);
    assert.deepEqual(exceeded.map((m) => m.json<{ data: { sensor: string; value: number } }>().data), [
      { sensor: 'kitchen', value: 31, threshold: 30 },
      { sensor: 'hall', value: 35, threshold: 30 },
      { sensor: 'kitchen', value: 32, threshold: 30 },
    ]);
    await client.waitFor((r) => r.some((m) => m.topic === 'alerts/kitchen' && m.json<{ value: number }>().value === 32), 5000, 'the kitchen\'s state after the last reading');

    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_privacy_events_dropped_total', { rule: 'no-cleared' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_privacy_messages_dropped_total', { rule: 'no-hall' }), 1);
    assert.equal(metricValue(metrics, 'switchboard_privacy_events_dropped_total', { rule: 'no-hall' }), 0);
    // Everything published after the dropped ones has arrived, so what is missing was dropped.
    assert.deepEqual(client.on('switchboard/events/threshold_cleared'), []);
    assert.deepEqual(client.on('alerts/hall'), []);
    assert.deepEqual([...new Set(client.received.map((m) => m.topic))].sort(), [
      'alerts/kitchen',
      'sensors/hall/temperature',
      'sensors/kitchen/temperature',
      'switchboard/events/threshold_exceeded',
      'switchboard/status',
    ]);
  });

  it('no plugin publishes around the rules: objects, text, bytes, retained topics, events and dead letters are all filtered', async () => {
    const runtime = await harness.start({
      deadLetter: { topic: 'switchboard/deadletter' },
      plugins: {
        leaky: { module: LEAKY },
        privacy: { secret: 'a secret of some length', rules: [{ name: 'emails', detectors: ['email'], action: 'hash' }] },
      },
    });
    const { client } = harness;
    await client.publish('leak/in', `tenant ${EMAIL}`);
    const topics = ['leak/object', 'leak/text', 'leak/bytes', 'leak/retained', 'switchboard/events/leak_event', 'switchboard/deadletter'];
    await client.waitFor((r) => topics.every((t) => r.some((m) => m.topic === t)), 5000, `a message on each of ${topics.join(', ')}`);

    const out = client.received.filter((m) => m.topic !== 'leak/in');
    assert.deepEqual(out.filter((m) => m.text.includes('@')).map((m) => m.topic), []);
    const token = /pii_[0-9a-f]{16}/.exec(client.on('leak/text')[0]!.text)![0];
    for (const topic of topics) assert.ok(client.on(topic)[0]!.text.includes(token), `${topic} carries the token`);
    assert.equal(client.on('leak/object')[0]!.json<{ nested: { text: string }[] }>().nested[0]!.text, `tenant ${token}`);
    const metrics = await runtime.metrics();
    // Two in the object (note and nested text), one each as text, bytes, retained and in the event, two in the dead letter
    // (reason and excerpt), two in the log line of the rejection (its message and reason).
    assert.equal(metricValue(metrics, 'switchboard_privacy_values_hashed_total', { rule: 'emails' }), 10);
    const rejected = runtime.logs.find((l) => l.level === 'warn' && l.msg.startsWith('rejected a message on leak/in'));
    assert.ok(rejected && String(rejected.msg).includes(token), JSON.stringify(rejected));
    assert.deepEqual(runtime.logs.filter((l) => JSON.stringify(l).includes(EMAIL)), [], 'no log line names the address');
  });
});
