import assert from 'node:assert/strict';
import { BROKERS, type BrokerUnderTest } from '../helpers/broker-under-test.js';
import { AlertStreamConsumer, assertStreamOutcome, StreamPublisher, type Mark } from '../helpers/alert-stream-mqtt.js';
import { waitUntilSettled } from '../helpers/endpoints.js';
import { alertStream } from '../helpers/homelink-alert-stream.js';
import { metricValue } from '../helpers/metrics.js';
import { sleep } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const SEED = 4242;
const ROOT = 'landlord';
const MESSAGES = 2000;

for (const kind of BROKERS) {
  describe(`faults: ${kind.name} stopped and started again in the middle of an alert stream`, () => {
    let broker: BrokerUnderTest;
    let runtime: RestartableRuntime | undefined;
    let consumer: AlertStreamConsumer | undefined;
    let publisher: StreamPublisher | undefined;

    before(async () => {
      broker = await kind.start();
    });

    after(async () => {
      await publisher?.close();
      await consumer?.close();
      await runtime?.close();
      await broker?.close();
    });

    it('reconnects, resubscribes and loses nothing the broker accepted', async () => {
      const stream = alertStream({ seed: SEED, count: MESSAGES, root: ROOT });
      const marks: Mark[] = [{ what: 'the start', at: Date.now() }];
      consumer = await AlertStreamConsumer.connect(broker.url, 'fault-broker-consumer');
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-broker-runtime', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
        events: { qos: 2 },
        plugins: { homelink: { topicRoot: ROOT, qos: 1 } },
      });
      const run = await runtime.start();
      await runtime.healthy();
      publisher = await StreamPublisher.connect(broker.url, 'fault-broker-publisher');
      const [probe, ...rest] = stream.messages;
      await publisher.publish([probe!], { chunk: 1, intervalMs: 0 });
      await consumer.arrived(probe!.raises!, 10000);

      // The publisher's persistent session sends again what the broker had not acknowledged when it went away.
      const publishing = publisher.publish(rest, { chunk: 50, intervalMs: 100 });
      while (publisher.accepted < MESSAGES / 3) await sleep(20);
      marks.push({ what: 'the broker stopping', at: Date.now() });
      await broker.stop();
      const acceptedBeforeStop = publisher.accepted;
      await sleep(2000);
      marks.push({ what: 'the broker starting', at: Date.now() });
      await broker.start();
      await publishing;
      assert.ok(acceptedBeforeStop < MESSAGES, 'the broker stopped in the middle of the stream');
      assert.equal(publisher.accepted, MESSAGES, 'the broker accepted every message in the end');

      await consumer.caughtUp(stream, 30000);
      await waitUntilSettled(run.healthUrl, 30000, 'the connection back, every message acknowledged and every publish delivered');
      await sleep(1000);
      const report = await assertStreamOutcome(broker.url, stream, consumer, marks, kind);
      if (report.repeated.length > 0) console.log(`      ${kind.name}: ${report.repeated.length} of ${stream.events.size} events arrived more than once (QoS 1)`);

      // One process throughout: it noticed the loss, came back on its persistent session, and says so.
      assert.equal(runtime.runs.length, 1);
      const connected = run.logs.filter((l) => l.msg === 'connected');
      assert.ok(connected.length >= 2, 'connected again after the broker restart');
      assert.equal(connected.at(-1)!.sessionPresent, true, 'the broker kept the session (and its subscription)');
      assert.ok(run.logs.some((l) => l.msg === 'connection lost'));
      const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.ok(metricValue(metrics, 'switchboard_connection_reconnects_total', { connection: 'local' })! >= 1);
      assert.deepEqual(runtime.crashes(), []);
    });
  });
}
