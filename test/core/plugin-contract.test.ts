import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../core/config/config-error.js';
import { loadConfig } from '../../core/config/load-config.js';
import { PluginStartError } from '../../core/plugin-host.js';
import { VERSION } from '../../core/version.js';
import { Harness } from '../helpers/harness.js';
import { tempDir } from '../helpers/paths.js';
import { fixturePlugin } from '../helpers/plugins.js';
import { InProcessRuntime, RuntimeProcess, writeConfig } from '../helpers/runtime.js';

/** A plugin module of its own in `dir`: a plain definition, as a package built without the core's types would export it. */
async function writePlugin(dir: string, name: string, contract: { core?: unknown; dependencies?: unknown; events?: object }, setup = ''): Promise<string> {
  const definition = { name, version: '2.0.0', description: `Test plugin ${name}.`, schema: { type: 'object' }, ...contract };
  await writeFile(join(dir, `${name}.mjs`), `export default { ...${JSON.stringify(definition)}, setup(ctx) { ${setup} } };\n`);
  return `./${name}.mjs`;
}

describe('The plugin contract: supported core versions and dependencies, checked at load', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('switchboard-contract-');
  });

  afterEach(async () => {
    await dir.remove();
  });

  async function problems(plugins: Record<string, object>): Promise<ConfigProblem[]> {
    const file = await writeConfig(dir.path, { plugins });
    const err = await loadConfig({ file, env: {} }).then(
      () => assert.fail('the configuration was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return err.problems;
  }

  it('refuses a plugin made for other core versions, naming the plugin, its range and this version', async () => {
    const module = await writePlugin(dir.path, 'old', { core: '^9.0.0' });
    assert.deepEqual(await problems({ old: { module } }), [
      { path: 'plugins.old', message: `supports Switchboard ^9.0.0, but this is Switchboard ${VERSION}: install a version of the plugin made for it` },
    ]);
  });

  it('refuses a plugin that declares no core range, or one that is not a semver range', async () => {
    const none = await writePlugin(dir.path, 'none', {});
    const bad = await writePlugin(dir.path, 'bad', { core: 'the latest one' });
    const list = await problems({ none: { module: none }, bad: { module: bad } });
    assert.deepEqual(list.map((p) => p.path), ['plugins.bad', 'plugins.none']);
    assert.match(list[0]!.message, /is not a Switchboard plugin: its "core" must be a semver range of the Switchboard versions it works with, such as "\^0\.1\.0" \(it is "the latest one"\)$/);
    assert.match(list[1]!.message, /\(it is undefined\)$/);
  });

  it('refuses a plugin whose dependencies are not configured, or disabled, or go round in a circle', async () => {
    const needy = await writePlugin(dir.path, 'needy', { core: '*', dependencies: ['privacy', 'helper'] });
    const helper = await writePlugin(dir.path, 'helper', { core: '*' });
    assert.deepEqual(await problems({ needy: { module: needy }, helper: { module: helper, enabled: false } }), [
      { path: 'plugins.needy', message: 'needs the plugin "privacy", but plugins.privacy is not configured' },
      { path: 'plugins.needy', message: 'needs the plugin "helper", but plugins.helper is disabled (enabled: false)' },
    ]);
    const a = await writePlugin(dir.path, 'a', { core: '*', dependencies: ['b'] });
    const b = await writePlugin(dir.path, 'b', { core: '*', dependencies: ['a'] });
    assert.deepEqual(await problems({ a: { module: a }, b: { module: b } }), [{ path: 'plugins.a', message: 'its dependencies go round in a circle: a → b → a' }]);
  });

  it('sets a plugin up after the plugins it needs, the others in configured order', async () => {
    const needy = await writePlugin(dir.path, 'needy', { core: `^${VERSION}`, dependencies: ['base'] });
    const base = await writePlugin(dir.path, 'base', { core: '>=0.1.0' });
    const other = await writePlugin(dir.path, 'other', { core: '*' });
    const file = await writeConfig(dir.path, { plugins: { other: { module: other }, needy: { module: needy }, base: { module: base } } });
    const config = await loadConfig({ file, env: {} });
    assert.deepEqual(config.plugins.map((p) => p.name), ['other', 'base', 'needy']);
  });

  it('refuses a plugin that declares an event type the core or another plugin declares', async () => {
    const ping = { type: 'object' };
    const own = await writePlugin(dir.path, 'own', { core: '*', events: { device_updated: ping } });
    const first = await writePlugin(dir.path, 'first', { core: '*', events: { ping } });
    const second = await writePlugin(dir.path, 'second', { core: '*', events: { ping } });
    assert.deepEqual(await problems({ own: { module: own }, first: { module: first }, second: { module: second } }), [
      { path: 'plugins.own', message: 'declares the event type device_updated, which the core declares: an event type has one schema' },
      { path: 'plugins.second', message: 'declares the event type ping, which plugin "first" declares: an event type has one schema' },
    ]);
  });

  it('switchboard validate exits 2 and prints the problem', async () => {
    const module = await writePlugin(dir.path, 'old', { core: '~0.0.1' });
    const file = await writeConfig(dir.path, { plugins: { old: { module } } });
    const result = await RuntimeProcess.run(['validate', '--config', file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /plugins\.old: supports Switchboard ~0\.0\.1, but this is Switchboard /);
  });
});

describe('The plugin contract at run time', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  it('a plugin whose optional dependency failed does not run: the start stops with a PluginStartError naming both', async () => {
    const needy = await writePlugin(h.dir.path, 'needy', { core: '*', dependencies: ['broken'] });
    const config = { connections: { local: { url: h.broker.url } }, plugins: { needy: { module: needy }, broken: { module: fixturePlugin('broken'), optional: true } } };
    const err = await InProcessRuntime.start(h.dir.path, config).then(
      (runtime) => {
        h.runtime = runtime;
        assert.fail('the runtime started');
      },
      (e: unknown) => e,
    );
    assert.ok(err instanceof PluginStartError, String(err));
    assert.equal(err.message, 'plugin "needy" failed to set up: it needs the plugin "broken", which is failed');
  });

  it('an event whose data its declared schema refuses is not raised: logged and counted against the plugin that raised it', async () => {
    const events = { ping: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } };
    const emits = "ctx.onStart(() => { ctx.emit('ping', { n: 'one' }); ctx.emit('device_updated', { id: 'x' }); ctx.emit('ping', { n: 2 }); ctx.emit('pong', 'anything'); });";
    const pinger = await writePlugin(h.dir.path, 'pinger', { core: '*', events }, emits);
    const rt = await h.start({ plugins: { pinger: { module: pinger } } });
    await h.client.waitForCount('switchboard/events/pong', 1);
    assert.deepEqual(h.client.on('switchboard/events/ping').map((m) => (JSON.parse(m.text) as { data: unknown }).data), [{ n: 2 }]);
    assert.equal(h.client.on('switchboard/events/device_updated').length, 0);
    assert.match(await rt.metrics(), /switchboard_plugin_drops_total\{plugin="pinger",stage="schema"\} 2\b/);
    const refused = rt.logs.filter((l) => l.plugin === 'pinger' && l.level === 'warn').map((l) => `${l.msg}: ${String(l.problems)}`);
    assert.deepEqual(refused, [
      "event ping not raised: its data does not match the event's schema: /n must be integer",
      "event device_updated not raised: its data does not match the event's schema: (data) must have required property 'kind'; (data) must have required property 'name'; (data) must have required property 'connection'; (data) must have required property 'stateTopic'; (data) must have required property 'capabilities'",
    ]);
  });

  it('a message guard sees the event that an events output message publishes, its data carried as it is; other messages carry none', async () => {
    const setup =
      "ctx.guard({ message: (m) => (m.event ? { ...m, topic: `seen/${m.event.type}/${m.event.data === m.payload.data}` } : m.topic === 'plain' ? { ...m, topic: `plain/${m.event}` } : m) });" +
      "ctx.onStart(() => { ctx.emit('ping', { n: 1 }); ctx.publish('plain', { n: 2 }); });";
    const marker = await writePlugin(h.dir.path, 'marker', { core: '*' }, setup);
    await h.start({ plugins: { marker: { module: marker } } });
    await h.client.waitForCount('seen/ping/true', 1);
    await h.client.waitForCount('plain/undefined', 1);
    assert.equal(h.client.on('switchboard/events/#').length, 0);
  });
});
