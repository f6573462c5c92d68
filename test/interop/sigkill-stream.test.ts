import assert from 'node:assert/strict';
import { BROKERS } from '../helpers/broker-under-test.js';
import { AlertStreamFault } from '../helpers/alert-stream-mqtt.js';
import { alertStream } from '../helpers/homelink-alert-stream.js';
import { sleep } from '../helpers/mqtt.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const SEED = 20261120;
const ROOT = 'landlord';
const MESSAGES = 5000;
const KILLS = 5;

for (const kind of BROKERS) {
  describe(`faults: the runtime SIGKILLed again and again while 5 000 alerts stream in (${kind.name}, persistent sessions)`, () => {
    const fault = new AlertStreamFault(kind, 'fault-kill');

    it(`ends with every alert in its right state, every event raised ${kind.maxQos === 2 ? 'exactly' : 'at least'} once and nothing lost`, async () => {
      const stream = alertStream({ seed: SEED, count: MESSAGES, root: ROOT });
      const { runtime, publisher, rest } = await fault.begin(stream, ROOT);
      const publishing = publisher.publish(rest, { chunk: 50, intervalMs: 100 });
      const rnd = new SeededRandom(SEED + 1);
      for (let k = 1; k <= KILLS; k++) {
        await sleep(rnd.int(300, 2500));
        fault.marks.push({ what: `kill #${k}`, at: Date.now() });
        assert.equal((await runtime.kill()).signal, 'SIGKILL');
        await runtime.start();
      }
      await publishing;
      assert.equal(publisher.accepted, MESSAGES, 'the broker accepted every message');
      await fault.end(stream);
    });
  });
}
