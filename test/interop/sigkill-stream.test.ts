import assert from 'node:assert/strict';
import { BROKERS, type BrokerUnderTest } from '../helpers/broker-under-test.js';
import { AlertStreamConsumer, assertStreamOutcome, StreamPublisher, type Mark } from '../helpers/alert-stream-mqtt.js';
import { waitUntilSettled } from '../helpers/endpoints.js';
import { alertStream } from '../helpers/homelink-alert-stream.js';
import { sleep } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const SEED = 20261120;
const ROOT = 'landlord';
const MESSAGES = 5000;
const KILLS = 5;

for (const kind of BROKERS) {
  describe(`faults: the runtime SIGKILLed again and again while 5 000 alerts stream in (${kind.name}, persistent sessions)`, () => {
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

    it(`ends with every alert in its right state, every event raised ${kind.maxQos === 2 ? 'exactly' : 'at least'} once and nothing lost`, async () => {
      const stream = alertStream({ seed: SEED, count: MESSAGES, root: ROOT });
      const marks: Mark[] = [{ what: 'the start', at: Date.now() }];
      consumer = await AlertStreamConsumer.connect(broker.url, 'fault-kill-consumer');
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-kill-runtime', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
        // QoS 2 on the output: a broker that has it recognises a message sent again after a crash, so each event goes out once.
        events: { qos: 2 },
        plugins: { homelink: { topicRoot: ROOT, qos: 1 } },
      });
      await runtime.start();
      await runtime.healthy();
      publisher = await StreamPublisher.connect(broker.url, 'fault-kill-publisher');

      // The first message is a probe: once its event is out, the runtime's subscription is in place.
      const [probe, ...rest] = stream.messages;
      await publisher.publish([probe!], { chunk: 1, intervalMs: 0 });
      await consumer.arrived(probe!.raises!, 10000);

      const publishing = publisher.publish(rest, { chunk: 50, intervalMs: 100 });
      const rnd = new SeededRandom(SEED + 1);
      for (let k = 1; k <= KILLS; k++) {
        await sleep(rnd.int(300, 2500));
        marks.push({ what: `kill #${k}`, at: Date.now() });
        assert.equal((await runtime.kill()).signal, 'SIGKILL');
        await runtime.start();
      }
      await publishing;
      assert.equal(publisher.accepted, MESSAGES, 'the broker accepted every message');

      await consumer.caughtUp(stream, 30000);
      await waitUntilSettled(runtime.current!.healthUrl, 30000, 'every message acknowledged and every publish delivered');
      // A repeat would come right after the original: give it time to show.
      await sleep(1000);
      const report = await assertStreamOutcome(broker.url, stream, consumer, marks, kind);
      // With QoS 1 only, an event sent again after a kill reaches its subscribers twice: allowed, and shown.
      if (report.repeated.length > 0) console.log(`      ${kind.name}: ${report.repeated.length} of ${stream.events.size} events arrived more than once (QoS 1)`);
      assert.deepEqual(runtime.crashes(), []);
    });
  });
}
