import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { startBroker, freePort, type TestBroker } from '../helpers/broker.js';
import { Harness } from '../helpers/harness.js';
import { metricSum } from '../helpers/metrics.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { RuntimeProcess } from '../helpers/runtime.js';

const SAMPLE = fixture('test', 'fixtures', 'replay', 'sample.jsonl');

describe('switchboard replay', () => {
  let broker: TestBroker;
  let client: TestClient;
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    broker = await startBroker();
    client = await TestClient.connect(broker.url);
    dir = await tempDir('switchboard-replay-');
  });

  afterEach(async () => {
    await client.close();
    await broker.close();
    await dir.remove();
  });

  it('publishes payload, raw and raw_hex lines in order, with their retain flag', async () => {
    await client.subscribe('#');
    const result = await RuntimeProcess.run(['replay', SAMPLE, '--url', broker.url, '--rate', '0']);
    assert.equal(result.code, 0, result.stderr);
    const got = await client.waitForCount('#', 4);
    assert.deepEqual(got.map((m) => m.topic), ['site/alert/active/p1', 'site/reading/p1', 'site/raw/p1', 'site/binary/p1']);
    assert.deepEqual(got[0]!.json(), { eventId: 'e1', level: 3 });
    assert.equal(got[1]!.text, '{"value":21.5}');
    assert.equal(got[2]!.text, 'not json at all');
    assert.deepEqual(got[3]!.payload, Buffer.from([0x00, 0xff, 0x10, 0x80]));
    assert.equal(result.stdout.split('\n')[0], '[1/4] site/alert/active/p1  (an alert)');
    const late = await TestClient.connect(broker.url);
    try {
      await late.subscribe('site/#');
      const retained = await late.waitForCount('site/#', 1);
      assert.deepEqual(retained.map((m) => [m.topic, m.retain]), [['site/reading/p1', true]], 'only the line marked retain is retained');
    } finally {
      await late.close();
    }
  });

  it('rewrites the first level with --root', async () => {
    await client.subscribe('#');
    const result = await RuntimeProcess.run(['replay', SAMPLE, '--url', broker.url, '--rate', '0', '--root', 'homelink/joe']);
    assert.equal(result.code, 0, result.stderr);
    const got = await client.waitForCount('#', 4);
    assert.deepEqual(got.map((m) => m.topic), ['homelink/joe/alert/active/p1', 'homelink/joe/reading/p1', 'homelink/joe/raw/p1', 'homelink/joe/binary/p1']);
  });

  it('refuses a file with a bad line, naming the line, and publishes nothing', async () => {
    await client.subscribe('#');
    const file = join(dir.path, 'bad.jsonl');
    await writeFile(file, '{"topic": "a/b", "payload": 1}\n\n{"topic": "a/c", "payload": 2\n');
    const result = await RuntimeProcess.run(['replay', file, '--url', broker.url, '--rate', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^line 3 is not JSON: /);
    await writeFile(file, '{"topic": "a/b", "payload": 1}\n{"topic": "a/c"}\n');
    const missing = await RuntimeProcess.run(['replay', file, '--url', broker.url, '--rate', '0']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'line 2 needs "topic" and one of "payload", "raw", "raw_hex"\n');
    // A sync point: anything published above would have arrived before this.
    await client.publish('sync', 'x');
    await client.waitForCount('sync', 1);
    assert.deepEqual(client.received.map((m) => m.topic), ['sync']);
  });

  it('exits 1 when it cannot reach the broker, and 2 on bad options', async () => {
    const closed = await startBroker();
    const url = closed.url;
    await closed.close();
    const unreachable = await RuntimeProcess.run(['replay', SAMPLE, '--url', url, '--rate', '0']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`^switchboard replay: cannot connect to ${url.replace(/[.]/g, '\\.')}: `));
    const badQos = await RuntimeProcess.run(['replay', SAMPLE, '--qos', '3']);
    assert.equal(badQos.code, 2);
    assert.equal(badQos.stderr, 'switchboard replay: --qos must be 0, 1 or 2\n');
    const noFile = await RuntimeProcess.run(['replay']);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /^switchboard replay: which file\?/);
  });

  it('ends with a summary; without a runtime at --metrics it says so', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/metrics`;
    const result = await RuntimeProcess.run(['replay', SAMPLE, '--url', broker.url, '--rate', '0', '--metrics', nobody]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trimEnd().split('\n').slice(-2), [
      'sent 4 messages',
      `no runtime answered at ${nobody}, so what it made of them is not known (--metrics URL names its /metrics)`,
    ]);
  });
});

describe('switchboard replay into a running runtime', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  it('ends with what the runtime made of the messages: received, events raised, rejected, duplicates', async () => {
    const runtime = await h.start({ deadLetter: { topic: 'switchboard/deadletter' }, plugins: { homelink: { topicRoot: 'bright_homes' } } });
    const stream = await readFile(fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl'), 'utf8');
    const file = join(h.dir.path, 'stream.jsonl');
    await writeFile(file, `${stream.trimEnd()}\n{"note": "not JSON", "topic": "bright_homes/alert/active/bright_homes_flat_3/a7e2c410-5b1d0e22/fire-alarm", "raw": "{oops"}\n`);
    const sent = (await readFile(file, 'utf8')).trimEnd().split('\n').length;
    const metricsUrl = `${runtime.url}/metrics`;
    const before = await runtime.metrics();

    const result = await RuntimeProcess.run(['replay', file, '--url', h.broker.url, '--rate', '0', '--metrics', metricsUrl]);
    assert.equal(result.code, 0, result.stderr);

    const after = await runtime.metrics();
    const delta = (name: string): number => metricSum(after, name) - metricSum(before, name);
    const events = delta('switchboard_events_total');
    assert.ok(events > sent, 'every message raised an event, some more than one');
    assert.equal(delta('switchboard_homelink_duplicates_total'), 1, 'the stream repeats one alert');
    assert.equal(delta('switchboard_plugin_messages_rejected_total'), 1, 'the line that is not JSON');
    const [sentLine, runtimeLine] = result.stdout.trimEnd().split('\n').slice(-2);
    assert.equal(sentLine, `sent ${sent} messages`);
    assert.equal(
      runtimeLine,
      `the runtime received ${delta('switchboard_messages_received_total')} messages, raised ${events} events, rejected 1, ignored 1 duplicate and ` +
        `${delta('switchboard_homelink_out_of_order_total')} older than what it had, dead-lettered ${delta('switchboard_dead_letters_total')}`,
    );
    assert.equal(delta('switchboard_messages_received_total'), sent);
  });
});
