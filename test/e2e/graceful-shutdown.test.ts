import assert from 'node:assert/strict';
import type { Client } from 'aedes';
import { SIGNAL_GRACE_MS } from '../../cli/start.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture } from '../helpers/paths.js';
import { processSuite } from '../helpers/process-suite.js';
import { InProcessRuntime, RuntimeProcess, testConfig, writeConfig } from '../helpers/runtime.js';
import { SlowRuntime } from '../helpers/slow-runtime.js';

const LINGERING = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'lingering.js');

describe('Graceful shutdown of the CLI', () => {
  let broker: TestBroker;
  let slow: SlowRuntime | undefined;

  beforeEach(async () => {
    broker = await startBroker();
  });

  afterEach(async () => {
    await slow?.close();
    slow = undefined;
    await broker.close();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}: finishes the message in flight, flushes state, says offline and exits 0`, async () => {
      // e2e-lingering leaves a timer running, as a plugin may: it must not hold the process up.
      slow = await SlowRuntime.create(broker.url, { clientId: `e2e-shutdown-${signal}`, plugins: { 'e2e-lingering': { module: LINGERING } } });
      const first = await slow.start();
      await slow.waitForStatus('online');
      await slow.send('m1', 1000);
      await slow.waitFor('started', 'm1', 1);

      // The handler finishes (and records m1 in its state) after the signal; onStop counts the stop.
      assert.deepEqual(await slow.kill(signal), { code: 0, signal: null }, `stderr: ${first.stderr}`);
      assert.ok(first.logs.some((l) => l.msg === 'shutting down' && l.signal === signal));
      assert.ok(first.logs.some((l) => l.msg === 'stopped'));
      assert.ok(!first.logs.some((l) => l.level === 'error' || l.level === 'fatal'), 'no error was logged');
      await slow.waitFor('done', 'm1', 1);
      await slow.waitForStatus('offline');
      const late = await TestClient.connect(broker.url);
      try {
        await late.subscribe('switchboard/status');
        const [status] = await late.waitForCount('switchboard/status', 1);
        assert.equal(status!.text, 'offline');
        assert.equal(status!.retain, true);
      } finally {
        await late.close();
      }

      await slow.start();
      assert.deepEqual(slow.lastReady(), { handled: ['m1'], stops: 1 }, 'the state written during the shutdown was found');
      // m1 was acknowledged on the way out: a queued copy would be delivered before m2.
      await slow.send('m2', 0);
      await slow.waitFor('done', 'm2', 1);
      assert.equal(slow.markers('started', 'm1').length, 1, 'm1 was not delivered again');
    });
  }

  it('on a second signal, exits at once; the unfinished message comes back at the next start', async () => {
    slow = await SlowRuntime.create(broker.url, { clientId: 'e2e-shutdown-twice' });
    const first = await slow.start();
    await slow.send('m1', 10000);
    await slow.waitFor('started', 'm1', 1);
    first.child.kill('SIGTERM');
    await first.waitForLog((l) => l.msg === 'shutting down');
    // A repeat within the grace is the same request (npm passes a Ctrl-C on), so wait past it.
    await new Promise((r) => setTimeout(r, SIGNAL_GRACE_MS + 200));
    // Without the second signal the runtime would wait for m1 until its shutdown deadline, then exit 0.
    assert.deepEqual(await slow.kill('SIGTERM'), { code: 1, signal: null });
    assert.ok(first.logs.some((l) => l.msg === 'second signal: exiting at once'));
    assert.equal(slow.markers('done', 'm1').length, 0);

    await slow.start();
    assert.deepEqual(slow.lastReady(), { handled: [], stops: 0 });
    await slow.waitFor('started', 'm1', 2);
  });
});

describe('Stopping before the runtime is fully up', () => {
  let runtime: InProcessRuntime | undefined;

  // Before the suite's own: the runtime stops while its broker is still there.
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });
  const suite = processSuite();

  it('closes a connection the broker has not accepted yet, so that it does not connect after the stop', async () => {
    const pending: Client[] = [];
    // The broker holds the runtime's CONNECT unanswered, as a slow or distant broker does.
    suite.broker.aedes.authenticate = (client) => void pending.push(client);
    runtime = await InProcessRuntime.start(suite.dir.path, { connections: { local: { url: suite.broker.url } } });
    await until(() => pending.length === 1, 'the runtime to send CONNECT');
    await runtime.stop();
    await until(() => pending[0]!.closed, 'the broker to see the connection closed');
    assert.ok(!runtime.logs.some((l) => l.msg === 'connected'));
  });

  it('exits 1 when the start fails part-way, even with a plugin that left a timer running', async () => {
    // The HTTP port is taken (by the test broker): the start fails after the plugins started.
    const file = await writeConfig(suite.dir.path, testConfig({ connections: { local: { url: suite.broker.url } }, http: { port: suite.broker.port }, plugins: { 'e2e-lingering': { module: LINGERING } } }));
    suite.child = new RuntimeProcess(['start', '--config', file]);
    assert.deepEqual(await suite.child.exited, { code: 1, signal: null });
    const fatal = suite.child.logs.find((l) => l.level === 'fatal');
    assert.match(String(fatal?.msg), /Switchboard did not start: .*the port is in use/);
    assert.ok(suite.child.logs.some((l) => l.msg === 'plugin running' && l.plugin === 'e2e-lingering'));
    // One clear line: no stack trace at the info level, and no stopping/stopped of a run that never started.
    assert.equal(fatal?.err, undefined);
    assert.ok(!suite.child.logs.some((l) => l.msg === 'stopped' || /^stopping/.test(l.msg)), suite.child.stdout);
  });

  it('says "the port is in use" in one line when the embedded broker\'s port is taken', async () => {
    const file = await writeConfig(suite.dir.path, testConfig({ broker: { embedded: true, port: suite.broker.port } }));
    suite.child = new RuntimeProcess(['start', '--config', file]);
    assert.deepEqual(await suite.child.exited, { code: 1, signal: null });
    const lines = suite.child.stdout.trim().split('\n');
    assert.equal(lines.length, 1, suite.child.stdout);
    const fatal = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(fatal.level, 'fatal');
    assert.match(String(fatal.msg), new RegExp(`^Switchboard did not start: the embedded broker cannot listen on 127\\.0\\.0\\.1:${suite.broker.port}: the port is in use`));
    assert.equal(fatal.err, undefined);
    assert.equal(suite.child.stderr, '');
  });
});

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
