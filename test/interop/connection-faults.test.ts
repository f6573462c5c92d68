import assert from 'node:assert/strict';
import { BROKERS, type BrokerUnderTest } from '../helpers/broker-under-test.js';
import { waitForHealth } from '../helpers/endpoints.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import type { LogLine } from '../helpers/runtime.js';

/** The delays mqtt.js was told to wait before each attempt, in seconds, in order. */
function attemptDelays(logs: LogLine[]): number[] {
  return logs.filter((l) => l.msg === 'reconnecting').map((l) => Number(l.nextAttemptInSeconds));
}

for (const kind of BROKERS) {
  describe(`faults: connections that heal (${kind.name})`, () => {
    let broker: BrokerUnderTest | undefined;
    let runtime: RestartableRuntime | undefined;
    let intruder: TestClient | undefined;

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && runtime) console.log(runtime.logs().slice(-30).map((l) => JSON.stringify(l)).join('\n'));
      await intruder?.close();
      await runtime?.close();
      await broker?.close();
      intruder = undefined;
      runtime = undefined;
      broker = undefined;
    });

    it('retries after a refused CONNACK, with back-off, and connects once the credentials are accepted', async () => {
      broker = await kind.start({ login: true });
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-login', username: 'switchboard', password: 'right', reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      });
      const p = await runtime.start();
      // The broker's user database does not know the user yet (as while it is being restored): refused, again and again.
      await p.waitForLog((l) => l.msg.startsWith('connection error') && /Not authorized|Bad username or password/i.test(String(l.err)), 20000, 'a refused attempt');
      await p.waitForLog(() => attemptDelays(p.logs).length >= 3, 20000, 'three attempts');
      const delays = attemptDelays(p.logs);
      assert.ok(delays.length >= 2 && delays.at(-1)! > delays[0]!, `the delay grows between refused attempts: ${delays.join(', ')}`);
      await broker.addUser('switchboard', 'right');
      await waitForHealth(p.healthUrl, (status) => status === 200, 20000, 'the connection once the credentials are accepted');
      assert.deepEqual(runtime.crashes(), []);
    });

    it('says so when another client uses its client id, and backs off instead of kicking it once a second', async () => {
      broker = await kind.start();
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-shared-id', reconnect: { minDelay: 0.2, maxDelay: 2 } } },
      });
      const p = await runtime.start();
      await runtime.healthy();
      // A second client with the same id that reconnects as eagerly: each connection closes the other's.
      intruder = await TestClient.connect(broker.url, { clientId: 'fault-shared-id', reconnectPeriod: 200 });
      const report = await p.waitForLog((l) => l.level === 'error' && /same client id/.test(l.msg), 30000, 'the takeover to be reported');
      assert.match(report.msg, /^connection local: closed by the broker 3 times in a row soon after connecting .*another client is connected with the same client id.*give each client its own clientId$/);
      assert.equal(report.clientId, 'fault-shared-id');
      const delays = attemptDelays(p.logs);
      // A back-off reset by each connection would wait minDelay (0.2 s, at most 0.24 s with jitter) every time.
      assert.ok(Math.max(...delays) > 0.2 * 1.2 + 0.001, `the back-off is not reset by each short-lived connection: ${delays.join(', ')}`);
      const metrics = await (await fetch(p.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.ok(metricValue(metrics, 'switchboard_connection_takeovers_total', { connection: 'local' })! >= 1);
      await intruder.close();
      intruder = undefined;
      await waitForHealth(p.healthUrl, (status) => status === 200, 20000, 'the connection back once the other client is gone');
    });

    it('warns when the broker grants a lower QoS than asked', async () => {
      broker = await kind.start({ maxQos: 1 });
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-qos' } },
        plugins: { homelink: { topicRoot: 'landlord', qos: 2 } },
      });
      const p = await runtime.start();
      await runtime.healthy();
      const warning = await p.waitForLog((l) => l.level === 'warn' && l.filter === 'landlord/#', 10000, 'a warning about the granted QoS');
      assert.equal(warning.asked, 2);
      assert.equal(warning.granted, 1);
      assert.match(warning.msg, /^the broker granted QoS 1 for landlord\/#, lower than the 2 asked/);
    });

    it('keeps trying at the shortest delay while nothing listens, so it is back as soon as the broker is', async () => {
      broker = await kind.start();
      runtime = await RestartableRuntime.create({
        connections: { local: { url: broker.url, clientId: 'fault-return', reconnect: { minDelay: 0.2, maxDelay: 30 } } },
      });
      const p = await runtime.start();
      await runtime.healthy();
      await broker.stop();
      await p.waitForLog(() => attemptDelays(p.logs).length >= 8, 30000, 'eight attempts while the broker is down');
      const delays = attemptDelays(p.logs);
      assert.ok(delays.every((d) => d <= 0.2 * 1.2 + 0.001), `no attempt waits longer than minDelay (with jitter) while the connection is refused: ${delays.join(', ')}`);
      await broker.start();
      await waitForHealth(p.healthUrl, (status) => status === 200, 20000, 'the connection back');
    });
  });
}
