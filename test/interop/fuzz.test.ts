import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { get, waitForHealth } from '../helpers/endpoints.js';
import { fuzzMessages, OBFUSCATED_PII, type FuzzMessage, type FuzzTarget } from '../helpers/fuzz-messages.js';
import { metricSum, metricValue } from '../helpers/metrics.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sleep, TestClient } from '../helpers/mqtt.js';
import { SENSOR_THRESHOLD } from '../helpers/plugins.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const SEED = 1337;
const COUNT = 10000;
const WARM_UP = 2000;
const ROOT = 'fuzz';
const DEAD_LETTERS = 'switchboard/deadletter';
/** The whole fuzz run, publishing and handling, must end within this (a guard against a stall, not a speed test: CI machines are shared). */
const BOUND_MS = 180000;
/**
 * The runtime's JavaScript heap is capped, so that garbage is collected as on a small device instead of piling up
 * in a roomy heap: a leak in the heap shows as the process dying out of memory, one outside it (buffers, native
 * memory) as resident memory growing by more than the whole heap may hold.
 */
const HEAP_MB = 192;
const RSS_GROWTH_BYTES = HEAP_MB * 1024 * 1024;
const PLUGINS: FuzzTarget[] = ['homelink', 'ha-discovery', 'sensor-threshold'];

describe('hostile input: 10 000 seeded malformed and adversarial messages through every plugin (mosquitto)', function () {
  this.timeout(BOUND_MS + 60000);
  let mosquitto: Mosquitto;
  let runtime: RestartableRuntime | undefined;
  let observer: TestClient | undefined;
  let publisher: MqttClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start({ config: ['max_queued_messages 1000000'] });
  });

  after(async () => {
    await publisher?.endAsync(true);
    await observer?.close();
    await runtime?.close();
    await mosquitto.close();
  });

  it('crashes nothing, counts every message, keeps memory stable, and still processes a good message afterwards', async () => {
    const messages = fuzzMessages({ seed: SEED, count: COUNT, root: ROOT });
    runtime = await RestartableRuntime.create({
      connections: { local: { url: mosquitto.url } },
      deadLetter: { topic: DEAD_LETTERS },
      plugins: {
        homelink: { topicRoot: ROOT },
        'ha-discovery': { republishDelayMs: 100 },
        'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 30 },
        privacy: {
          secret: 'fuzz-test-secret-0123456789',
          rules: [
            { name: 'emails', detectors: ['email'], action: 'hash' },
            { name: 'phones', detectors: ['phone'], action: 'mask', keepEnd: 3 },
            { name: 'landlord', paths: ['payload.landlordReference'], action: 'hash' },
          ],
        },
      },
    }, { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
    const run = await runtime.start();
    await runtime.healthy();
    const metrics = async (): Promise<string> => (await get(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
    observer = await TestClient.connect(mosquitto.url);
    await observer.subscribe([DEAD_LETTERS, 'switchboard/#', 'homeassistant/#'], 1);
    publisher = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
    const deadline = Date.now() + BOUND_MS;

    // Every message goes through the broker to the runtime at QoS 1, so the broker delivers each exactly once here.
    const publish = async (batch: readonly FuzzMessage[]): Promise<void> => {
      for (let i = 0; i < batch.length; i += 100) {
        await Promise.all(batch.slice(i, i + 100).map((m) => publisher!.publishAsync(m.topic, m.payload, { qos: 1 })));
      }
    };
    const accounted = (text: string): number =>
      metricSum(text, 'switchboard_plugin_messages_handled_total') + metricSum(text, 'switchboard_plugin_messages_rejected_total') + metricSum(text, 'switchboard_plugin_failures_total', { stage: 'handler' });
    const alive = (): void => assert.ok(run.child.exitCode === null && run.child.signalCode === null, `the runtime died (out of memory?): ${run.stderr.slice(-2000)}`);
    const handled = async (count: number): Promise<string> => {
      for (;;) {
        alive();
        const text = await metrics();
        if (metricSum(text, 'switchboard_messages_received_total') >= count && accounted(text) >= count) return text;
        assert.ok(Date.now() < deadline, `the fuzz run did not end within ${BOUND_MS} ms: ${accounted(text)} of ${count} messages accounted for`);
        await sleep(200);
      }
    };

    await publish(messages.slice(0, WARM_UP));
    const warm = await handled(WARM_UP);
    await publish(messages.slice(WARM_UP));
    const end = await handled(COUNT);
    alive();
    await waitForHealth(run.healthUrl, (status) => status === 200, 10000, 'the runtime to be healthy after the fuzz');
    assert.deepEqual(runtime.crashes(), []);
    assert.equal(run.stderr, '', 'nothing on stderr');

    // Every message counted once: received, then handled or rejected by the one plugin whose filter it matches (a
    // handler failing, rather than refusing bad input, would be counted in plugin_failures_total{stage="handler"}).
    assert.equal(metricSum(end, 'switchboard_messages_received_total'), COUNT);
    assert.equal(metricSum(end, 'switchboard_messages_unmatched_total'), 0);
    assert.equal(accounted(end), COUNT);
    for (const plugin of PLUGINS) {
      const sent = messages.filter((m) => m.target === plugin).length;
      const counted = metricSum(end, 'switchboard_plugin_messages_handled_total', { plugin }) + metricSum(end, 'switchboard_plugin_messages_rejected_total', { plugin });
      assert.equal(counted, sent, `${plugin}: ${sent} messages, handled + rejected`);
    }

    // Every rejection was dead-lettered, and the dead letters reached the broker.
    const rejected = metricSum(end, 'switchboard_plugin_messages_rejected_total');
    assert.ok(rejected > COUNT / 4, `most of the input is refused (${rejected} of ${COUNT})`);
    assert.equal(metricSum(end, 'switchboard_dead_letters_total'), rejected);
    await observer.waitForCount(DEAD_LETTERS, rejected, 20000);

    // Nothing personal left, however it was written: not in a topic, a payload, a dead letter or a log line.
    // Whole addresses and numbers: one the sender cut off ("jane.doe@exam") is no longer recognisable as one.
    const raw = ['jane.doe@example.com', '7946 0958', '900123', '900150', '900153', ...OBFUSCATED_PII];
    const leaks = observer.received.flatMap((m) => raw.filter((data) => m.topic.includes(data) || m.text.includes(data)).map((data) => `${m.topic}: ${data}`));
    assert.deepEqual([...new Set(leaks)].slice(0, 20), [], 'published messages carry personal data');
    assert.deepEqual(observer.on(DEAD_LETTERS).filter((m) => m.json<{ payload?: unknown }>().payload !== undefined || m.payload.length > 4096).length, 0, 'dead letters quote a bounded excerpt, never the payload');
    const logged = run.logs.map((l) => JSON.stringify(l)).filter((l) => l.includes('jane.doe@example.com') || l.includes('7946 0958'));
    assert.deepEqual(logged.slice(0, 5), [], 'log lines carry personal data');

    // Memory: what the plugins keep is bounded (a fixed pool of ids), so resident memory stays put.
    const rssWarm = metricValue(warm, 'switchboard_process_resident_memory_bytes')!;
    const rssEnd = metricValue(end, 'switchboard_process_resident_memory_bytes')!;
    assert.ok(rssEnd - rssWarm < RSS_GROWTH_BYTES, `resident memory grew by ${Math.round((rssEnd - rssWarm) / 1048576)} MiB over ${COUNT - WARM_UP} messages`);

    // A good alert and a good reading afterwards raise their events.
    const alert = { eventId: 'after-fuzz-1', deviceSerialNumber: 'GOOD0001', propertyReference: 'GOOD_HOME', statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', actionTimestamp: '2026-11-21T10:00:00.000Z' };
    await publisher.publishAsync(`${ROOT}/alert/active/GOOD_HOME/GOOD0001`, JSON.stringify(alert), { qos: 1 });
    await publisher.publishAsync('sensors/after-fuzz/temperature', '45', { qos: 1 });
    await observer.waitFor(
      (r) => r.some((m) => m.topic === 'switchboard/events/homelink_alert' && m.json<{ id: string }>().id === 'after-fuzz-1@2026-11-21T10:00:00.000Z'),
      10000,
      "the good alert's event",
    );
    await observer.waitFor((r) => r.some((m) => m.topic === 'switchboard/events/threshold_exceeded' && m.json<{ data: { sensor: string } }>().data.sensor === 'after-fuzz'), 10000, "the good reading's event");

    // Contained is not enough: a transform, guard or publisher that fails drops an event, and a device announcement
    // that the core refuses leaves the device out of Home Assistant.
    const contained = run.logs
      .filter((l) => l.level === 'error' || (l.level === 'warn' && /not raised: its data does not match/.test(l.msg)))
      .map((l) => `${String(l.plugin ?? 'core')}: ${l.msg}${l.event ? ` (${String(l.event)})` : ''}: ${String((l.err as { message?: string } | undefined)?.message ?? l.problems ?? '')}`);
    assert.deepEqual([...new Set(contained)], [], 'no plugin failed on hostile input');
  });
});
