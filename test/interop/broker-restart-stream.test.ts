import assert from 'node:assert/strict';
import { BROKERS } from '../helpers/broker-under-test.js';
import { AlertStreamFault } from '../helpers/alert-stream-mqtt.js';
import { alertStream } from '../helpers/homelink-alert-stream.js';
import { metricValue } from '../helpers/metrics.js';
import { sleep } from '../helpers/mqtt.js';

const SEED = 4242;
const ROOT = 'landlord';
const MESSAGES = 2000;

for (const kind of BROKERS) {
  describe(`faults: ${kind.name} stopped and started again in the middle of an alert stream`, () => {
    const fault = new AlertStreamFault(kind, 'fault-broker');

    it('reconnects, resubscribes and loses nothing the broker accepted', async () => {
      const stream = alertStream({ seed: SEED, count: MESSAGES, root: ROOT });
      const { runtime, publisher, rest } = await fault.begin(stream, ROOT);
      const run = runtime.current!;

      // The publisher's persistent session sends again what the broker had not acknowledged when it went away.
      const publishing = publisher.publish(rest, { chunk: 50, intervalMs: 100 });
      while (publisher.accepted < MESSAGES / 3) await sleep(20);
      fault.marks.push({ what: 'the broker stopping', at: Date.now() });
      await fault.broker.stop();
      const acceptedBeforeStop = publisher.accepted;
      await sleep(2000);
      fault.marks.push({ what: 'the broker starting', at: Date.now() });
      await fault.broker.start();
      await publishing;
      assert.ok(acceptedBeforeStop < MESSAGES, 'the broker stopped in the middle of the stream');
      assert.equal(publisher.accepted, MESSAGES, 'the broker accepted every message in the end');
      await fault.end(stream);

      // One process throughout: it noticed the loss, came back on its persistent session, and says so.
      assert.equal(runtime.runs.length, 1);
      const connected = run.logs.filter((l) => l.msg === 'connected');
      assert.ok(connected.length >= 2, 'connected again after the broker restart');
      assert.equal(connected.at(-1)!.sessionPresent, true, 'the broker kept the session (and its subscription)');
      assert.ok(run.logs.some((l) => l.msg === 'connection lost'));
      const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.ok(metricValue(metrics, 'switchboard_connection_reconnects_total', { connection: 'local' })! >= 1);
    });
  });
}
