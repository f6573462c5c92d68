import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import { TestClient } from '../../helpers/mqtt.js';
import { placeosSuite, send, stateEvents } from './support.js';

const MIRROR_DEPLOYED = 'placeos/mirror/state/_/_/_/{data.system}/{data.driver}/{data.module}/{data.index}/{data.status}';
const MIRROR_DOCUMENTED = 'placeos/mirror/state/docs/_/_/{data.system}/{data.driver}/{data.module}/{data.index}/{data.status}';

describe('placeos: publishing bus events as PlaceOS state', () => {
  const suite = placeosSuite();

  it('writes both shapes, keeps an injected "/" or "#" inside one level, and never ingests what it published', async () => {
    const { client } = suite.harness;
    const runtime = await suite.harness.start({
      plugins: {
        placeos: {
          publish: [
            // placeos_state in, placeos_state out, under the topics it subscribes: a loop unless its own topics are skipped.
            { events: ['placeos_state'], topic: MIRROR_DEPLOYED, value: 'data.value' },
            { events: ['placeos_state'], topic: MIRROR_DOCUMENTED, value: 'data.value', shape: 'documented', retain: false },
            { events: ['placeos_metadata'], topic: 'placeos/mirror/state/_/_/_/_/names/{data.name}/1/name', value: 'data.name' },
          ],
        },
      },
    });
    await send(client, suite.lines[2]!); // M'Odule power true, deployed
    await client.publish('placeos/acme/metadata/sys-x', JSON.stringify({ name: 'Room/#1' }), { retain: true });
    await client.publish('placeos/acme/metadata/sys-y', JSON.stringify({ name: 'a/+/b' }), { retain: true });
    await send(client, suite.lines[8]!); // VidConf call_status, documented
    const mirrored = (filter: string): number => client.on(filter).length;
    await client.waitFor((r) => r.filter((m) => m.topic.startsWith('placeos/mirror/')).length >= 6, 5000, 'six mirrored messages');
    // A sentinel through the same handler: anything the mirrors caused would have been handled before it.
    await send(client, suite.lines[9]!);
    await client.waitFor(() => mirrored('placeos/mirror/#') >= 8, 5000, 'the sentinel mirrored');

    const out = client.on('placeos/mirror/#').map((m) => ({ topic: m.topic, body: m.json<{ time: number; value: unknown }>(), retain: m.retain }));
    assert.deepEqual(
      out.map((m) => [m.topic, m.body.value]),
      [
        ["placeos/mirror/state/_/_/_/cs-9445/12345/M'Odule/1/power", true],
        ["placeos/mirror/state/docs/_/_/cs-9445/12345/M'Odule/1/power", 'true'],
        ['placeos/mirror/state/_/_/_/_/names/Room%2F%231/1/name', 'Room/#1'],
        ['placeos/mirror/state/_/_/_/_/names/a%2F%2B%2Fb/1/name', 'a/+/b'],
        ['placeos/mirror/state/_/_/_/sys-vc1/dep-123/VidConf/1/call_status', { status: 'connected', remote: '+44 20 7946 0958' }],
        ['placeos/mirror/state/docs/_/_/sys-vc1/dep-123/VidConf/1/call_status', '{"status":"connected","remote":"+44 20 7946 0958"}'],
        ['placeos/mirror/state/_/_/_/sys-vc1/dep-456/Display/1/power', true],
        ['placeos/mirror/state/docs/_/_/sys-vc1/dep-456/Display/1/power', 'true'],
      ],
    );
    // The time is the event's: unix seconds in the deployed shape, milliseconds in the documented one.
    for (const m of out) {
      assert.deepEqual(Object.keys(m.body), ['time', 'value'], m.topic);
      if (m.topic.startsWith('placeos/mirror/state/docs/')) assert.ok(Number.isInteger(m.body.time) && m.body.time > 1e12, `${m.topic}: ms`);
      else assert.ok(Number.isInteger(m.body.time) && m.body.time > 1.6e9 && m.body.time < 1e11, `${m.topic}: seconds`);
    }
    assert.equal(Math.floor(out[1]!.body.time / 1000), out[0]!.body.time);
    // Retained by default (a later subscriber gets them), not where the rule says retain: false.
    const later = await TestClient.connect(suite.harness.broker.url);
    try {
      await later.subscribe('placeos/mirror/#');
      await later.waitForCount('placeos/mirror/#', 5);
      assert.deepEqual(later.received.map((m) => [m.topic, m.retain]).sort(), out.filter((m) => !m.topic.includes('/docs/')).map((m) => [m.topic, true]).sort());
    } finally {
      await later.close();
    }

    // One event per message PlaceOS sent, none for what the plugin published itself.
    assert.deepEqual(stateEvents(client).map((s) => `${s.system}/${s.status}`), ['cs-9445/power', 'sys-vc1/call_status', 'sys-vc1/power']);
    assert.equal(client.on('switchboard/events/placeos_metadata').length, 2);
    // Each mirrored message came back from the broker and was skipped (the count settles once the last has).
    let ignored: number | undefined;
    for (let tries = 0; tries < 100 && ignored !== 8; tries++) {
      ignored = metricValue(await runtime.metrics(), 'switchboard_placeos_own_messages_ignored_total');
      if (ignored !== 8) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ignored, 8);
    assert.equal(stateEvents(client).length, 3);
  });

  it('refuses to start with a topic template that is not a topic, saying which rule', async () => {
    await assert.rejects(
      suite.harness.start({ plugins: { placeos: { publish: [{ events: ['homelink_alert'], topic: 'placeos/acme/state/#/{data.id}' }] } } }),
      /plugin "placeos" failed to set up: publish\[0\]\.topic: topic template "placeos\/acme\/state\/#\/\{data\.id\}": .*must not contain wildcards/,
    );
  });

  it('counts and skips an event whose topic placeholder is missing', async () => {
    const { client } = suite.harness;
    const runtime = await suite.harness.start({
      plugins: { placeos: { publish: [{ events: ['placeos_metadata'], topic: 'placeos/mirror/state/_/_/_/_/x/{data.model.title}/1/t' }] } },
    });
    await client.publish('placeos/acme/metadata/sys-x', JSON.stringify({ name: 'No title' }));
    await client.waitForCount('switchboard/events/placeos_metadata', 1);
    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_placeos_publish_failures_total', { rule: '0' }), 1);
    assert.deepEqual(client.on('placeos/mirror/#'), []);
  });
});
