import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PluginStartError } from '../../core/plugin-host.js';
import { Harness } from '../helpers/harness.js';
import { metricValue } from '../helpers/metrics.js';
import { fixturePlugin } from '../helpers/plugins.js';
import { InProcessRuntime, RuntimeProcess, testConfig, writeConfig } from '../helpers/runtime.js';

const plugin = (name: string, options: object = {}): object => ({ module: fixturePlugin(name), ...options });

describe('PluginHost: plugins that fail to set up or start', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  async function startFails(plugins: Record<string, object>): Promise<Error> {
    const config = { connections: { local: { url: h.broker.url } }, plugins };
    let failure: Error | undefined;
    try {
      h.runtime = await InProcessRuntime.start(h.dir.path, config);
    } catch (err) {
      failure = err as Error;
    }
    assert.ok(failure, 'the start failed');
    return failure;
  }

  it('stops the start with a PluginStartError naming the plugin, and leaves nothing running', async () => {
    const err = await startFails({ echo: plugin('echo'), broken: plugin('broken') });
    assert.ok(err instanceof PluginStartError);
    assert.equal(err.message, 'plugin "broken" failed to set up: broken on purpose in setup');
    assert.ok(!(await readdir(join(h.dir.path, 'state'))).includes('state.lock'), 'the state directory is released');
    assert.equal(h.broker.aedes.connectedClients, 1, 'only the test\'s own client is connected');
  });

  it('reports a failure in a start hook the same way', async () => {
    const err = await startFails({ broken: plugin('broken', { failIn: 'start' }) });
    assert.ok(err instanceof PluginStartError);
    assert.equal(err.message, 'plugin "broken" failed to start: broken on purpose at start');
    // It had connected by then: the connection is closed again.
    const deadline = Date.now() + 3000;
    while (h.broker.aedes.connectedClients > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.broker.aedes.connectedClients, 1, 'only the test\'s own client is connected');
    assert.ok(!(await readdir(join(h.dir.path, 'state'))).includes('state.lock'), 'the state directory is released');
  });

  it('a plugin with a guard cannot be optional', async () => {
    const err = await startFails({ broken: plugin('broken', { optional: true, guard: true }) });
    assert.ok(err instanceof PluginStartError);
    assert.equal(err.message, 'plugin "broken" failed to set up (it guards what leaves the runtime, so it cannot be optional): broken on purpose in setup');
  });

  for (const failIn of ['setup', 'start'] as const) {
    it(`disables an optional plugin that fails in ${failIn}, rolls back what it registered, and runs the rest`, async () => {
      const runtime = await h.start({ plugins: { echo: plugin('echo'), broken: plugin('broken', { optional: true, failIn }) } });
      const stage = failIn === 'setup' ? 'set up' : 'start';
      const error = `broken on purpose ${failIn === 'setup' ? 'in setup' : 'at start'}`;
      const line = await runtime.waitForLog((l) => l.plugin === 'broken' && l.level === 'error');
      assert.equal(line.msg, `plugin "broken" failed to ${stage} and is disabled (optional): ${error}`);

      const health = (await (await fetch(runtime.healthUrl)).json()) as { status: string; plugins: Record<string, unknown> };
      assert.equal(health.status, 'ok', 'a disabled optional plugin is not a problem');
      assert.deepEqual(health.plugins.broken, { state: 'failed', version: '1.0.0', optional: true, subscribes: [], error });
      assert.equal((health.plugins.echo as { state: string }).state, 'running');

      await h.client.publish('in/ping', 'x');
      const [event] = await h.client.waitForCount('switchboard/events/ping', 1);
      assert.deepEqual(event!.json<{ data: unknown }>().data, { topic: 'in/ping', text: 'x' }, 'its transform is gone');
      assert.equal(h.client.on('switchboard/events/broken_saw').length, 0, 'its handler is gone');
      const metrics = await runtime.metrics();
      assert.equal(metricValue(metrics, 'switchboard_plugin_failures_total', { plugin: 'broken', stage: failIn }), 1);
      assert.equal(metricValue(metrics, 'switchboard_plugin_messages_handled_total', { plugin: 'broken' }) ?? 0, 0);
    });
  }

  it('the same plugin, not failing, does get the messages (the rollback test above can fail)', async () => {
    await h.start({ plugins: { echo: plugin('echo'), broken: plugin('broken', { failIn: 'never' }) } });
    await h.client.publish('in/ping', 'x');
    const [saw] = await h.client.waitForCount('switchboard/events/broken_saw', 1);
    assert.deepEqual(saw!.json<{ data: unknown }>().data, { topic: 'in/ping', broken: true });
    const [ping] = await h.client.waitForCount('switchboard/events/ping', 1);
    assert.deepEqual(ping!.json<{ data: unknown }>().data, { topic: 'in/ping', text: 'x', broken: true });
  });

  it('`switchboard start` exits 1 and says which plugin stopped the start', async () => {
    const file = await writeConfig(h.dir.path, testConfig({ connections: { local: { url: h.broker.url } }, plugins: { broken: plugin('broken') } }));
    const result = await RuntimeProcess.run(['start', '--config', file], { cwd: h.dir.path });
    assert.equal(result.code, 1);
    const fatal = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .find((l) => l.level === 'fatal');
    assert.equal(fatal?.msg, 'Switchboard did not start: plugin "broken" failed to set up: broken on purpose in setup');
  });
});
