import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startBroker } from '../helpers/broker.js';
import { health, waitForHealth } from '../helpers/endpoints.js';
import { Harness } from '../helpers/harness.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixturePlugin } from '../helpers/plugins.js';
import { InProcessRuntime } from '../helpers/runtime.js';

describe('GET /healthz and /metrics', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  it('/healthz: 200 with connections and plugins when healthy; 503 with the problem while a connection is down; 200 again after it reconnects', async function () {
    this.timeout(20000);
    const runtime = await h.start({ plugins: { echo: { module: fixturePlugin('echo') } } });
    assert.equal((await fetch(runtime.healthUrl)).headers.get('content-type'), 'application/json');
    const ok = await health(runtime.healthUrl);
    assert.equal(ok.status, 200);
    assert.equal(ok.report.status, 'ok');
    assert.equal(ok.report.phase, 'running');
    assert.deepEqual(ok.report.problems, []);
    assert.equal(ok.report.connections.local!.state, 'connected');
    assert.equal(ok.report.connections.local!.url, h.broker.url);
    assert.deepEqual(ok.report.plugins.echo, { state: 'running', version: '1.0.0', optional: false, subscribes: ['local: in/#'] });
    assert.equal(ok.report.state.writable, true);

    const port = h.broker.port;
    await h.broker.close();
    const down = await waitForHealth(runtime.healthUrl, (status) => status === 503, 5000, '503');
    assert.equal(down.status, 'unhealthy');
    assert.equal(down.problems.length, 1, JSON.stringify(down.problems));
    assert.match(down.problems[0]!, /^connection local is (offline|reconnecting)/);

    h.broker = await startBroker(port);
    const back = await waitForHealth(runtime.healthUrl, (status) => status === 200, 10000, '200 after the broker returned');
    assert.equal(back.connections.local!.state, 'connected');
    assert.deepEqual(back.problems, []);
    assert.ok((metricValue(await runtime.metrics(), 'switchboard_connection_reconnects_total', { connection: 'local' }) ?? 0) >= 1);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_connection_up', { connection: 'local' }), 1);
    // The subscriptions are back too: once the runtime's "online" (sent after them) is on the new broker, a message reaches the plugin again.
    const client = await TestClient.connect(h.broker.url);
    try {
      await client.subscribe(['switchboard/status', 'switchboard/events/#']);
      await client.waitFor((r) => r.some((m) => m.topic === 'switchboard/status' && m.text === 'online'), 5000, 'the online status');
      await client.publish('in/again', 'x');
      await client.waitForCount('switchboard/events/again', 1);
    } finally {
      await client.close();
    }
  });

  it('/healthz: 503 while state cannot be written, 200 once it can', async function () {
    this.timeout(10000);
    // The state directory's lock cannot be created (a directory is in its place), as on a broken disk.
    await mkdir(join(h.dir.path, 'state', 'state.lock'), { recursive: true });
    const runtime = await InProcessRuntime.start(h.dir.path, { connections: { local: { url: h.broker.url } } });
    h.runtime = runtime;
    await waitForHealth(runtime.healthUrl, (_, report) => report.connections.local?.state === 'connected', 5000, 'the connection');
    const down = await health(runtime.healthUrl);
    assert.equal(down.status, 503);
    assert.equal(down.report.state.writable, false);
    assert.deepEqual(down.report.problems.length, 1, JSON.stringify(down.report.problems));
    assert.match(down.report.problems[0]!, /^state cannot be written: EISDIR/);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_state_degraded'), 1);

    await rm(join(h.dir.path, 'state', 'state.lock'), { recursive: true });
    const up = await waitForHealth(runtime.healthUrl, (status) => status === 200, 5000, 'state to be writable again');
    assert.equal(up.state.writable, true);
  });

  it('/metrics: Prometheus text with message counters per connection and plugin, and the handler histogram', async () => {
    const runtime = await h.start({ plugins: { echo: { module: fixturePlugin('echo') }, thrower: { module: fixturePlugin('thrower'), filter: 'other/#' } } });
    for (let i = 0; i < 3; i++) await h.client.publish('in/reading', String(i));
    await h.client.waitForCount('switchboard/events/reading', 3);
    const res = await fetch(`${runtime.runtime.http.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^# HELP switchboard_messages_received_total MQTT messages received$/m);
    assert.match(text, /^# TYPE switchboard_handler_duration_seconds histogram$/m);
    assert.equal(metricValue(text, 'switchboard_messages_received_total', { connection: 'local' }), 3);
    assert.ok((metricValue(text, 'switchboard_messages_published_total', { connection: 'local' }) ?? 0) >= 4, 'three events and the status');
    assert.equal(metricValue(text, 'switchboard_plugin_messages_handled_total', { plugin: 'echo' }), 3);
    assert.equal(metricValue(text, 'switchboard_events_total', { plugin: 'echo', type: 'reading' }), 3);
    assert.equal(metricValue(text, 'switchboard_handler_duration_seconds_count', { plugin: 'echo' }), 3);
    assert.equal(metricValue(text, 'switchboard_handler_duration_seconds_bucket', { plugin: 'echo', le: '+Inf' }), 3);
    assert.ok((metricValue(text, 'switchboard_handler_duration_seconds_sum', { plugin: 'echo' }) ?? -1) >= 0);
    assert.equal(metricValue(text, 'switchboard_handler_duration_seconds_count', { plugin: 'thrower' }) ?? 0, 0, 'a handler that matched nothing was not timed');
    assert.ok((metricValue(text, 'switchboard_state_commits_total') ?? 0) >= 1);
    assert.equal(metricValue(text, 'switchboard_state_degraded'), 0);
    assert.equal(metricValue(text, 'switchboard_connection_up', { connection: 'local' }), 1);
    assert.match(text, /^switchboard_process_cpu_user_seconds_total /m, 'process metrics too');
  });

  it('answers other paths with 404 and other methods with 405, in JSON', async () => {
    const runtime = await h.start({});
    const base = runtime.runtime.http.url!;
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'no such endpoint: /nope', endpoints: ['/healthz', '/metrics'] });
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.deepEqual(await post.json(), { error: 'only GET is supported' });
  });
});
