import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient, type Received } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';

const RECORDER = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'recorder.js');

interface Report {
  handler: string;
  connection: string;
  topic: string;
  payload: string;
}

/** `handler <- topic` pairs, sorted, for comparing what was dispatched with what should have been. */
function pairs(reports: Received[]): string[] {
  return reports.map((r) => r.json<Report>()).map((r) => `${r.handler} <- ${r.topic} (${r.payload})`).sort();
}

/**
 * The runtime only receives what it subscribed to, so a message no handler matches arrives through a
 * persistent session that still holds a subscription no handler uses (say, of a plugin since removed).
 */
async function leaveStaleSubscription(url: string, clientId: string, filter: string): Promise<void> {
  const client = await TestClient.connect(url, { clientId, clean: false });
  await client.subscribe(filter);
  await client.close();
}

describe('Wildcard dispatch over MQTT', () => {
  let brokerA: TestBroker;
  let brokerB: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  const clients: TestClient[] = [];

  beforeEach(async () => {
    brokerA = await startBroker();
    brokerB = await startBroker();
    dir = await tempDir();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await runtime?.stop();
    runtime = undefined;
    await brokerA.close();
    await brokerB.close();
    await dir.remove();
  });

  async function client(url: string): Promise<TestClient> {
    const c = await TestClient.connect(url);
    clients.push(c);
    return c;
  }

  it('on one connection, gives each message to exactly the handlers whose filters match, and counts the unmatched', async () => {
    await leaveStaleSubscription(brokerA.url, 'e2e-wildcards', 'attic/#');
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: brokerA.url, clientId: 'e2e-wildcards', clean: false } },
      plugins: {
        'e2e-recorder': {
          module: RECORDER,
          handlers: [
            { id: 'plus', filter: 'home/+/temperature' },
            { id: 'hash', filter: 'home/#' },
            { id: 'exact', filter: 'home/kitchen/temperature' },
            { id: 'first-plus', filter: '+/kitchen/+' },
            { id: 'one-level', filter: 'home/+' },
            { id: 'parent', filter: 'home' },
          ],
        },
      },
    });
    await runtime.healthy();
    const unmatchedBefore = metricValue(await runtime.metrics(), 'switchboard_messages_unmatched_total', { connection: 'local' }) ?? 0;
    const observer = await client(brokerA.url);
    await observer.subscribe('e2e/report/#');
    const publisher = await client(brokerA.url);

    const published: [topic: string, expected: string[]][] = [
      ['home/kitchen/temperature', ['plus', 'hash', 'exact', 'first-plus']],
      ['home/hall/temperature', ['plus', 'hash']],
      ['home', ['hash', 'parent']],
      ['home/kitchen', ['hash', 'one-level']],
      ['home/kitchen/humidity', ['hash', 'first-plus']],
      ['home/kitchen/temperature/raw', ['hash']],
      ['garden/kitchen/light', ['first-plus']],
      ['homes/hall/temperature', []],
      ['attic/fan', []],
    ];
    for (const [topic] of published) await publisher.publish(topic, `m:${topic}`);
    // Handlers run in the order messages arrive and report on one connection: the sentinel's report comes last.
    await publisher.publish('home', 'sentinel');
    await observer.waitFor((r) => r.some((m) => m.json<Report>().payload === 'sentinel' && m.json<Report>().handler === 'parent'), 10000, 'the sentinel');

    const expected = published.flatMap(([topic, handlers]) => handlers.map((h) => `${h} <- ${topic} (m:${topic})`));
    expected.push('hash <- home (sentinel)', 'parent <- home (sentinel)');
    assert.deepEqual(pairs(observer.on('e2e/report/#')), expected.sort());
    for (const report of observer.on('e2e/report/#')) assert.equal(report.topic, `e2e/report/${report.json<Report>().handler}`);

    const unmatched = (metricValue(await runtime.metrics(), 'switchboard_messages_unmatched_total', { connection: 'local' }) ?? 0) - unmatchedBefore;
    assert.equal(unmatched, 1, 'attic/fan reached the runtime through the stale subscription and matched no handler');
  });

  it('on two connections, dispatches each connection\'s messages to that connection\'s handlers only', async () => {
    await leaveStaleSubscription(brokerA.url, 'e2e-wildcards-a', 'attic/#');
    runtime = await InProcessRuntime.start(dir.path, {
      connections: {
        local: { url: brokerA.url, clientId: 'e2e-wildcards-a', clean: false },
        second: { url: brokerB.url },
      },
      plugins: {
        'e2e-recorder': {
          module: RECORDER,
          handlers: [
            { id: 'a-plus', filter: 'home/+/temperature' },
            { id: 'a-hash', filter: 'home/#' },
            { id: 'b-exact', filter: 'home/kitchen/temperature', connection: 'second' },
            { id: 'b-all', filter: '#', connection: 'second' },
            { id: 'b-plus', filter: '+/+/temperature', connection: 'second' },
          ],
        },
      },
    });
    await runtime.healthy();
    const metricsBefore = await runtime.metrics();
    const observer = await client(brokerA.url);
    await observer.subscribe('e2e/report/#');
    const onA = await client(brokerA.url);
    const onB = await client(brokerB.url);

    for (const topic of ['home/kitchen/temperature', 'home', 'garden/shed/temperature', 'attic/fan']) {
      await onA.publish(topic, 'A');
      await onB.publish(topic, 'B');
    }
    await onA.publish('home', 'sentinel-A');
    await onB.publish('home', 'sentinel-B');
    await observer.waitFor(
      (r) => ['sentinel-A', 'sentinel-B'].every((s) => r.some((m) => m.json<Report>().payload === s)),
      10000,
      'both sentinels',
    );

    const expected = [
      'a-plus <- home/kitchen/temperature (A)',
      'a-hash <- home/kitchen/temperature (A)',
      'a-hash <- home (A)',
      'a-hash <- home (sentinel-A)',
      'b-exact <- home/kitchen/temperature (B)',
      'b-all <- home/kitchen/temperature (B)',
      'b-plus <- home/kitchen/temperature (B)',
      'b-all <- home (B)',
      'b-all <- home (sentinel-B)',
      'b-all <- garden/shed/temperature (B)',
      'b-plus <- garden/shed/temperature (B)',
      'b-all <- attic/fan (B)',
    ];
    assert.deepEqual(pairs(observer.on('e2e/report/#')), expected.sort());
    for (const r of observer.on('e2e/report/#').map((m) => m.json<Report>())) assert.equal(r.connection, r.handler.startsWith('a-') ? 'local' : 'second');

    const metricsAfter = await runtime.metrics();
    const unmatched = (connection: string): number =>
      (metricValue(metricsAfter, 'switchboard_messages_unmatched_total', { connection }) ?? 0) - (metricValue(metricsBefore, 'switchboard_messages_unmatched_total', { connection }) ?? 0);
    assert.equal(unmatched('local'), 1, 'attic/fan on broker A matched no handler of connection local');
    assert.equal(unmatched('second'), 0);
  });
});
