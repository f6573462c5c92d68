import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Harness, metricValue } from 'switchboard/testing';

interface ThresholdEvent {
  event_type: string;
  data: { sensor: string; value: number; threshold: number };
}

/** The plugin configured as a user configures one: `module` names its compiled entry point (dist/index.js). */
const config = {
  deadLetter: { topic: 'switchboard/deadletter' },
  plugins: { 'sensor-threshold': { module: fileURLToPath(new URL('../index.js', import.meta.url)), threshold: 30 } },
};

describe('sensor-threshold (example third-party plugin)', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  const events = (): ThresholdEvent[] => h.client.on('switchboard/events/+').map((m) => m.json<ThresholdEvent>());

  it('raises threshold_exceeded and threshold_cleared when a reading crosses the threshold, and keeps a retained alert', async () => {
    await h.start(config);
    for (const reading of ['25', '31.5', '{"value": 32}', '29']) await h.client.publish('sensors/kitchen/temperature', reading);
    await h.client.waitForCount('switchboard/events/threshold_cleared', 1);
    assert.deepEqual(
      events().map((e) => [e.event_type, e.data]),
      [
        ['threshold_exceeded', { sensor: 'kitchen', value: 31.5, threshold: 30 }],
        ['threshold_cleared', { sensor: 'kitchen', value: 29, threshold: 30 }],
      ],
    );

    const [high, normal] = await h.client.waitForCount('alerts/kitchen', 2);
    assert.deepEqual({ ...high!.json<object>(), since: undefined }, { state: 'high', value: 31.5, since: undefined });
    assert.deepEqual({ ...normal!.json<object>(), since: undefined }, { state: 'normal', value: 29, since: undefined });

    const late = await h.connect();
    try {
      await late.subscribe('alerts/#');
      const [retained] = await late.waitForCount('alerts/#', 1);
      assert.equal(retained!.retain, true);
      assert.equal(retained!.json<{ state: string }>().state, 'normal');
    } finally {
      await late.close();
    }
  });

  it('makes a sensor name with special characters one safe topic level', async () => {
    await h.start(config);
    await h.client.publish('sensors/50%/temperature', '40');
    const [alert] = await h.client.waitForCount('alerts/+', 1);
    assert.equal(alert!.topic, 'alerts/50%25');
    // The event and the retained alert are published independently: either may arrive first.
    await h.client.waitForCount('switchboard/events/threshold_exceeded', 1);
    assert.equal(events()[0]!.data.sensor, '50%');
  });

  it('rejects a reading that is not a number (logged, counted, dead-lettered) and goes on with the next', async () => {
    const runtime = await h.start(config);
    await h.client.publish('sensors/hall/temperature', 'hot');
    await h.client.publish('sensors/hall/temperature', '{"value": "warm"}');
    await h.client.publish('sensors/hall/temperature', '{"value": 40');
    await h.client.publish('sensors/hall/temperature', '41');
    await h.client.waitForCount('switchboard/events/threshold_exceeded', 1);
    const letters = (await h.client.waitForCount('switchboard/deadletter', 3)).map((m) => m.json<{ reason: string; plugin: string; excerpt: string }>());
    assert.deepEqual(
      letters.map((l) => [l.plugin, l.excerpt, l.reason]),
      [
        ['sensor-threshold', 'hot', 'payload "hot" is not a number (nor JSON {"value": <number>})'],
        ['sensor-threshold', '{"value": "warm"}', 'payload "{"value": "warm"}" is not a number (nor JSON {"value": <number>})'],
        ['sensor-threshold', '{"value": 40', 'payload looks like JSON but does not parse'],
      ],
    );
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_messages_rejected_total', { plugin: 'sensor-threshold', code: 'invalid' }), 3);
    const warn = await runtime.waitForLog((l) => l.plugin === 'sensor-threshold' && l.level === 'warn');
    assert.equal(warn.msg, 'rejected a message on sensors/hall/temperature: payload "hot" is not a number (nor JSON {"value": <number>})');
    assert.deepEqual(events().map((e) => [e.event_type, e.data.value]), [['threshold_exceeded', 41]]);
  });

  it('remembers across a restart which sensors are high: no second threshold_exceeded', async () => {
    await h.start(config);
    await h.client.publish('sensors/garage/temperature', '35');
    await h.client.waitForCount('switchboard/events/threshold_exceeded', 1);
    await h.stopRuntime();

    const before = h.client.received.length;
    await h.start(config);
    await h.client.publish('sensors/garage/temperature', '36');
    await h.client.publish('sensors/garage/temperature', '20');
    await h.client.waitForCount('switchboard/events/threshold_cleared', 1);
    const after = h.client.received.slice(before).filter((m) => m.topic.startsWith('switchboard/events/'));
    assert.deepEqual(
      after.map((m) => [m.json<ThresholdEvent>().event_type, m.json<ThresholdEvent>().data.value]),
      [['threshold_cleared', 20]],
      'still high after the restart, so 36 raised nothing',
    );
  });
});
