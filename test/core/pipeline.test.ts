import assert from 'node:assert/strict';
import { Harness } from '../helpers/harness.js';
import { metricValue } from '../helpers/metrics.js';
import { fixturePlugin } from '../helpers/plugins.js';

const plugin = (name: string, options: object = {}): object => ({ module: fixturePlugin(name), ...options });

interface EventBody<D = Record<string, unknown>> {
  event_type: string;
  data: D;
  origin: string;
  time_fired: string;
}

describe('Pipeline (handlers, transforms, guards, publishers) over a real broker', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  /** Publishes `sync` and waits for the event it raises, so that everything published before it has been handled. */
  async function sync(): Promise<void> {
    const before = h.client.on('switchboard/events/sync').length;
    await h.client.publish('in/sync', 'sync');
    await h.client.waitForCount('switchboard/events/sync', before + 1);
  }

  it('contains a throwing handler: logged with the plugin name, counted, and the other plugin still gets the message', async () => {
    const runtime = await h.start({ plugins: { thrower: plugin('thrower'), echo: plugin('echo') } });
    await h.client.publish('in/ping', 'hello');
    const [event] = await h.client.waitForCount('switchboard/events/ping', 1);
    assert.deepEqual(event!.json<EventBody>().data, { topic: 'in/ping', text: 'hello' });
    const line = await runtime.waitForLog((l) => l.plugin === 'thrower' && l.level === 'error');
    assert.equal(line.msg, 'topic handler failed on in/ping: thrower failed on in/ping');
    assert.equal(line.topic, 'in/ping');
    assert.equal(line.connection, 'local');

    await h.client.publish('in/pong', 'again');
    await h.client.waitForCount('switchboard/events/pong', 1);
    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_plugin_failures_total', { plugin: 'thrower', stage: 'handler' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_handled_total', { plugin: 'echo' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_handled_total', { plugin: 'thrower' }) ?? 0, 0);
  });

  it('contains a handler whose promise rejects, and keeps acknowledging and processing', async () => {
    const runtime = await h.start({ plugins: { thrower: plugin('thrower', { mode: 'async-throw' }), echo: plugin('echo') } });
    for (let i = 0; i < 3; i++) await h.client.publish(`in/n${i}`, String(i), { qos: 1 });
    await h.client.waitForCount('switchboard/events/+', 3);
    await runtime.waitForLog((l) => l.plugin === 'thrower' && l.msg === 'topic handler failed on in/n2: thrower failed later on in/n2');
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_failures_total', { plugin: 'thrower', stage: 'handler' }), 3);
  });

  it('counts a MessageRejected by code and sends it to the dead-letter topic with the reason', async () => {
    const runtime = await h.start({
      deadLetter: { topic: 'switchboard/deadletter' },
      plugins: { thrower: plugin('thrower', { mode: 'reject', code: 'not_a_reading' }), echo: plugin('echo') },
    });
    await h.client.publish('in/text', 'hot', { qos: 1 });
    await h.client.publish('in/binary', Buffer.from([0xff, 0x00, 0xfe]), { qos: 0 });
    // Three dead letters: thrower refuses both messages, and echo's message.text() refuses the binary one.
    const letters = (await h.client.waitForCount('switchboard/deadletter', 3)).map((m) => m.json<Record<string, unknown>>());
    const text = letters.find((l) => l.plugin === 'thrower' && l.topic === 'in/text');
    assert.deepEqual({ ...text, time: undefined }, {
      reason: 'reading on in/text is not acceptable',
      code: 'not_a_reading',
      plugin: 'thrower',
      connection: 'local',
      topic: 'in/text',
      qos: 1,
      retain: false,
      time: undefined,
      bytes: 3,
      excerpt: 'hot',
      truncated: false,
    });
    assert.ok(!Number.isNaN(Date.parse(String(text!.time))));
    const binary = letters.find((l) => l.plugin === 'thrower' && l.topic === 'in/binary');
    // Never the raw bytes: what is not UTF-8 is shown as U+FFFD, so that a guard reads all there is to read.
    assert.deepEqual([binary!.bytes, binary!.excerpt, binary!.payload], [3, '\ufffd\u0000\ufffd', undefined]);
    assert.equal(binary!.qos, 0);
    const notText = letters.find((l) => l.plugin === 'echo');
    assert.deepEqual([notText!.topic, notText!.code, notText!.reason], ['in/binary', 'invalid_utf8', 'payload is not valid UTF-8']);

    const warn = await runtime.waitForLog((l) => l.plugin === 'thrower' && l.level === 'warn');
    assert.equal(warn.msg, 'rejected a message on in/text: reading on in/text is not acceptable');
    assert.equal(warn.code, 'not_a_reading');
    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_rejected_total', { plugin: 'thrower', code: 'not_a_reading' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_rejected_total', { plugin: 'echo', code: 'invalid_utf8' }), 1);
    assert.equal(metricValue(metrics, 'switchboard_plugin_failures_total', { plugin: 'thrower', stage: 'handler' }), undefined, 'a rejection is not a failure');
    assert.equal(metricValue(metrics, 'switchboard_dead_letters_total', { plugin: 'thrower' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_dead_letters_total', { plugin: 'echo' }), 1);
    assert.equal(h.client.on('switchboard/events/+').length, 1, 'echo handled the text message');
  });

  it('quotes at most the first kilobyte of a rejected message in its dead letter, cut after a whole word', async () => {
    await h.start({ deadLetter: { topic: 'switchboard/deadletter' }, plugins: { thrower: plugin('thrower', { mode: 'reject', code: 'too_big' }) } });
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    await h.client.publish('in/large', `${words} ${'x'.repeat(1_000_000)}`, { qos: 1 });
    const [letter] = (await h.client.waitForCount('switchboard/deadletter', 1)).map((m) => m.json<Record<string, unknown>>());
    const excerpt = String(letter!.excerpt);
    assert.equal(letter!.bytes, words.length + 1 + 1_000_000);
    assert.equal(letter!.truncated, true);
    assert.ok(Buffer.byteLength(excerpt) <= 1024, `${Buffer.byteLength(excerpt)} bytes quoted`);
    assert.ok(words.startsWith(excerpt) && /\d $/.test(excerpt), `cut after a whole word: ...${excerpt.slice(-20)}`);
  });

  it('runs transforms by order (ties in registration order), skips a throwing one, and a dropped event goes nowhere', async () => {
    const runtime = await h.start({
      plugins: {
        echo: plugin('echo'),
        shaper: plugin('shaper', {
          transforms: [
            { mark: 'late', order: 10 },
            { mark: 'early', order: -5 },
            { mark: 'mid' },
            { mark: 'boom', action: 'throw', order: 1 },
            { mark: 'mid2' },
            { mark: 'dropper', action: 'drop', events: ['secret'] },
          ],
        }),
        relay: plugin('relay'),
      },
    });
    await h.client.publish('in/ping', 'x');
    await h.client.publish('in/secret', 'x');
    await sync();
    const [event] = h.client.on('switchboard/events/ping');
    assert.deepEqual(event!.json<EventBody<{ trail: string[] }>>().data.trail, ['early', 'mid', 'mid2', 'late']);
    const [relayed] = h.client.on('relay/ping');
    assert.deepEqual(relayed!.json<{ trail: string[] }>().trail, ['early', 'mid', 'mid2', 'late'], 'publishers get the final event');
    assert.equal(h.client.on('switchboard/events/secret').length, 0);
    assert.equal(h.client.on('relay/secret').length, 0);

    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_plugin_failures_total', { plugin: 'shaper', stage: 'transform' }), 2, 'ping and sync (secret was dropped before the throwing transform)');
    assert.equal(metricValue(metrics, 'switchboard_plugin_drops_total', { plugin: 'shaper', stage: 'transform' }), 1);
    assert.equal(metricValue(metrics, 'switchboard_events_total', { plugin: 'echo', type: 'secret' }), 1, 'the event was raised');
    const failed = await runtime.waitForLog((l) => l.plugin === 'shaper' && l.level === 'error');
    assert.equal(failed.msg, 'transform failed; the event goes on without it');
  });

  it('lets a guard see every event and every outgoing message, change them, and drop what it must (failing closed)', async () => {
    const runtime = await h.start({
      plugins: {
        echo: plugin('echo'),
        shaper: plugin('shaper', { transforms: [{ mark: 't' }] }),
        relay: plugin('relay', { prefix: 'out' }),
        gatekeeper: plugin('gatekeeper', { dropEvents: ['hidden'], throwOnEvents: ['explosive'], dropTopics: ['out/blocked'], throwOnTopics: ['out/explode'] }),
      },
    });
    for (const type of ['ping', 'hidden', 'explosive', 'blocked', 'explode']) await h.client.publish(`in/${type}`, type);
    await sync();

    const [event] = h.client.on('switchboard/events/ping');
    assert.deepEqual(event!.json<EventBody>().data, { topic: 'in/ping', text: 'ping', trail: ['t'], guarded: true }, 'the guard sees the event after the transforms');
    assert.deepEqual(h.client.on('out/ping')[0]!.json(), { topic: 'in/ping', text: 'ping', trail: ['t'], guarded: true });
    assert.equal(h.client.on('+/+/hidden').length + h.client.on('out/hidden').length, 0, 'dropped by the event hook');
    assert.equal(h.client.on('+/+/explosive').length + h.client.on('out/explosive').length, 0, 'a throwing guard drops');
    assert.equal(h.client.on('switchboard/events/blocked').length, 1);
    assert.equal(h.client.on('out/blocked').length, 0, 'dropped by the message hook');
    assert.equal(h.client.on('switchboard/events/explode').length, 1);
    assert.equal(h.client.on('out/explode').length, 0, 'a throwing message hook drops');

    const metrics = await runtime.metrics();
    const seen = (hook: string, what: string): number | undefined => metricValue(metrics, 'switchboard_gatekeeper_seen_total', { hook, what });
    for (const type of ['ping', 'hidden', 'explosive', 'blocked', 'explode', 'sync']) assert.equal(seen('event', type), 1, `event ${type}`);
    for (const topic of ['switchboard/status', 'switchboard/events/ping', 'out/ping', 'out/blocked', 'out/explode', 'switchboard/events/blocked']) {
      assert.equal(seen('message', topic), 1, `message ${topic}`);
    }
    assert.equal(metricValue(metrics, 'switchboard_plugin_failures_total', { plugin: 'gatekeeper', stage: 'guard' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_plugin_drops_total', { plugin: 'gatekeeper', stage: 'guard' }), 4);
    const logs = runtime.logs.filter((l) => l.plugin === 'gatekeeper' && l.level === 'error').map((l) => l.msg);
    assert.deepEqual(logs.sort(), ['guard failed; the event is dropped', 'guard failed; the message is not published']);
  });

  it('contains a publisher that throws or rejects; the other publishers still get the event', async () => {
    const runtime = await h.start({ plugins: { echo: plugin('echo'), relay: plugin('relay', { throwOn: ['bad'], rejectOn: ['worse'] }) } });
    for (const type of ['bad', 'worse', 'good']) await h.client.publish(`in/${type}`, type);
    await sync();
    // Two publishers' messages leave in no promised order: the relay's own sync message is waited for too.
    await h.client.waitForCount('relay/sync', 1);
    assert.deepEqual(h.client.on('relay/+').map((m) => m.topic), ['relay/good', 'relay/sync']);
    assert.deepEqual(h.client.on('switchboard/events/+').map((m) => m.topic), ['switchboard/events/bad', 'switchboard/events/worse', 'switchboard/events/good', 'switchboard/events/sync']);
    await runtime.waitForLog((l) => l.plugin === 'relay' && l.level === 'error' && l.event === 'worse');
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_failures_total', { plugin: 'relay', stage: 'publisher' }), 2);
    assert.equal(runtime.logs.filter((l) => l.plugin === 'relay' && l.level === 'error' && l.msg === 'publisher failed').length, 2);
  });

  it('does not publish events the events output excludes, and honours the prefix', async () => {
    await h.start({ events: { prefix: 'sb/ev', exclude: ['quiet'] }, plugins: { echo: plugin('echo') } });
    await h.client.publish('in/quiet', 'x');
    await h.client.publish('in/loud', 'x');
    const [loud] = await h.client.waitForCount('sb/ev/loud', 1);
    const body = loud!.json<EventBody>();
    assert.equal(body.event_type, 'loud');
    assert.equal(body.origin, 'echo');
    assert.ok(!Number.isNaN(Date.parse(body.time_fired)));
    assert.equal(h.client.on('sb/ev/quiet').length, 0);
  });

  it('leaves the device registry\'s announcements and the bridges\' state out by default', async () => {
    await h.start({ plugins: { echo: plugin('echo') } });
    for (const type of ['device_updated', 'device_removed', 'bridge_updated', 'other']) await h.client.publish(`in/${type}`, 'x');
    await sync();
    assert.deepEqual(h.client.on('switchboard/events/+').map((m) => m.topic), ['switchboard/events/other', 'switchboard/events/sync']);
  });
});
