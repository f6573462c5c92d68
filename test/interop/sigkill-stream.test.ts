import assert from 'node:assert/strict';
import { AlertStreamConsumer, assertStreamOutcome, StreamPublisher, type Mark } from '../helpers/alert-stream-mqtt.js';
import { waitUntilSettled } from '../helpers/endpoints.js';
import { alertStream } from '../helpers/homelink-alert-stream.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sleep } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const SEED = 20261120;
const ROOT = 'landlord';
const MESSAGES = 5000;
const KILLS = 5;

describe('faults: the runtime SIGKILLed again and again while 5 000 alerts stream in (mosquitto, persistent sessions)', () => {
  let mosquitto: Mosquitto;
  let runtime: RestartableRuntime | undefined;
  let consumer: AlertStreamConsumer | undefined;
  let publisher: StreamPublisher | undefined;

  before(async () => {
    // mosquitto's defaults otherwise (max_inflight_messages 20): a session may queue the whole stream while its client is down.
    mosquitto = await Mosquitto.start({ config: ['max_queued_messages 1000000'] });
  });

  after(async () => {
    await publisher?.close();
    await consumer?.close();
    await runtime?.close();
    await mosquitto.close();
  });

  it('ends with every alert in its right state, every event raised exactly once and nothing lost', async () => {
    const stream = alertStream({ seed: SEED, count: MESSAGES, root: ROOT });
    const marks: Mark[] = [{ what: 'the start', at: Date.now() }];
    consumer = await AlertStreamConsumer.connect(mosquitto.url, 'fault-kill-consumer');
    runtime = await RestartableRuntime.create({
      connections: { local: { url: mosquitto.url, clientId: 'fault-kill-runtime', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      // QoS 2 on the output: the broker recognises a message sent again after a crash, so each event goes out once.
      events: { qos: 2 },
      plugins: { homelink: { topicRoot: ROOT, qos: 1 } },
    });
    await runtime.start();
    await runtime.healthy();
    publisher = await StreamPublisher.connect(mosquitto.url, 'fault-kill-publisher');

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
    await assertStreamOutcome(mosquitto.url, stream, consumer, marks);
    assert.deepEqual(runtime.crashes(), []);
  });
});
