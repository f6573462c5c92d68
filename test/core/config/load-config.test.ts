import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ConfigError, type ConfigProblem } from '../../../core/config/config-error.js';
import { loadConfig, OWN_USERNAME } from '../../../core/config/load-config.js';
import { tempDir } from '../../helpers/paths.js';
import { TestCa } from '../../helpers/tls.js';
import { fixturePlugin, SENSOR_THRESHOLD } from '../../helpers/plugins.js';
import { writeConfig } from '../../helpers/runtime.js';

describe('loadConfig', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('switchboard-config-');
  });

  afterEach(async () => {
    await dir.remove();
  });

  async function problems(config: object | string, options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<ConfigProblem[]> {
    const file = typeof config === 'string' ? join(dir.path, 'runtime.config.json') : await writeConfig(dir.path, config);
    if (typeof config === 'string') await writeFile(file, config);
    try {
      await loadConfig({ file, env: options.env ?? {}, ...(options.args ? { args: options.args } : {}) });
    } catch (err) {
      assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
      assert.equal(err.message, err.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
      return err.problems;
    }
    assert.fail('the configuration was accepted');
  }

  function find(list: ConfigProblem[], path: string): ConfigProblem {
    const found = list.find((p) => p.path === path);
    assert.ok(found, `a problem at ${path}; problems: ${JSON.stringify(list)}`);
    return found;
  }

  it('fills in defaults, and defaults connections.local to the embedded broker', async () => {
    const file = await writeConfig(dir.path, { connections: { remote: { url: 'mqtts://broker.invalid:8883' } } });
    const config = await loadConfig({ file, env: {} });
    assert.equal(config.localIsEmbedded, true);
    assert.equal(config.connections.local!.url, 'mqtt://127.0.0.1:1883');
    const remote = config.connections.remote!;
    assert.equal(remote.keepalive, 60);
    assert.equal(remote.connectTimeout, 90);
    assert.equal(remote.maxInflight, 10000);
    assert.equal(remote.clean, true);
    assert.equal(remote.protocolVersion, '3.1.1');
    assert.equal(remote.qos, 1);
    assert.deepEqual(remote.reconnect, { minDelay: 1, maxDelay: 60, stableAfter: 30 });
    assert.equal(remote.tls.verifyHostname, true);
    assert.equal(remote.tls.trustAll, false);
    assert.equal(config.core.broker.embedded, true);
    assert.equal(config.core.events.prefix, 'switchboard/events');
    assert.equal(config.core.http.port, 9883);
    assert.equal(config.core.log.level, 'info');
    assert.deepEqual(config.plugins, []);
    assert.ok(Object.isFrozen(config.core), 'frozen');
  });

  it('points the default local connection at the embedded broker\'s address, with a login of its own made anew at each start', async () => {
    const file = await writeConfig(dir.path, { broker: { host: '0.0.0.0', port: 1999, username: 'u', password: 'p' } });
    const config = await loadConfig({ file, env: {} });
    assert.equal(config.connections.local!.url, 'mqtt://127.0.0.1:1999');
    assert.equal(config.connections.local!.username, OWN_USERNAME);
    assert.ok(config.connections.local!.password!.length >= 32);
    assert.notEqual(config.connections.local!.password, (await loadConfig({ file, env: {} })).connections.local!.password);
    assert.equal(config.connections.local!.keepalive, 60, 'defaults filled in');
  });

  it('points the default local connection at an external broker with broker.username when the broker is not embedded', async () => {
    const file = await writeConfig(dir.path, { broker: { embedded: false, port: 1999, username: 'u', password: 'p' } });
    const local = (await loadConfig({ file, env: {} })).connections.local!;
    assert.deepEqual([local.url, local.username, local.password], ['mqtt://127.0.0.1:1999', 'u', 'p']);
  });

  it('keeps a configured local connection', async () => {
    const file = await writeConfig(dir.path, { connections: { local: { url: 'mqtt://127.0.0.1:2883' } } });
    const config = await loadConfig({ file, env: {} });
    assert.equal(config.localIsEmbedded, false);
    assert.equal(config.connections.local!.url, 'mqtt://127.0.0.1:2883');
  });

  it('reports every problem at once, each by its path', async () => {
    const list = await problems({
      brokr: {},
      broker: { port: 'x', colour: 'red' },
      log: { level: 'loud' },
      connections: { remote: { url: 'http://nope', keepalive: -1, qos: 3 } },
      http: { enabled: 'yes', auth: { type: 'none' } },
    });
    assert.match(find(list, 'brokr').message, /is not a known option/);
    assert.equal(find(list, 'http.auth').message, 'is not a known option; it is plugins.status-page.auth now');
    assert.match(find(list, 'broker.colour').message, /^is not a known option \(known: embedded, host, port, username, password, users, protectedTopics, tls\)$/);
    assert.equal(find(list, 'broker.port').message, 'must be an integer');
    assert.equal(find(list, 'log.level').message, 'must be one of fatal, error, warn, info, debug, trace, silent');
    assert.match(find(list, 'connections.remote.url').message, /must match pattern/);
    assert.match(find(list, 'connections.remote.keepalive').message, /must be >= 0/);
    assert.equal(find(list, 'connections.remote.qos').message, 'must be one of 0, 1, 2');
    assert.equal(find(list, 'http.enabled').message, 'must be a boolean');
    assert.deepEqual(list.map((p) => p.path), [...list.map((p) => p.path)].sort(), 'sorted by path');
    assert.equal(new Set(list.map((p) => `${p.path} ${p.message}`)).size, list.length, 'no duplicates');
  });

  it('reports plugin option problems under plugins.<name>, from the plugin\'s own schema', async () => {
    const list = await problems({
      plugins: {
        'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 'high', sensorLevel: -1, colour: 'red' },
        other: { module: SENSOR_THRESHOLD },
      },
    });
    assert.equal(find(list, 'plugins.sensor-threshold.threshold').message, 'must be a number');
    assert.equal(find(list, 'plugins.sensor-threshold.sensorLevel').message, 'must be >= 0');
    assert.match(find(list, 'plugins.sensor-threshold.colour').message, /^is not a known option \(known: filter, sensorLevel, threshold, connection, alertPrefix\)$/);
    assert.match(find(list, 'plugins.other').message, /is named "sensor-threshold", but is configured as plugins\.other/);
  });

  it('reports a missing required plugin option', async () => {
    const list = await problems({ plugins: { 'sensor-threshold': { module: SENSOR_THRESHOLD } } });
    assert.deepEqual(list, [{ path: 'plugins.sensor-threshold.threshold', message: 'is required' }]);
  });

  it('reports an unknown built-in plugin and a module that does not exist', async () => {
    const list = await problems({ plugins: { 'no-such-plugin': {}, missing: { module: './not-here.js' }, bad: { enabled: 'sometimes' } } });
    assert.match(find(list, 'plugins.no-such-plugin').message, /^no built-in plugin named "no-such-plugin" \(built-in: .*\); a third-party plugin needs "module": a path or a package name$/);
    assert.equal(find(list, 'plugins.missing').message, `module ./not-here.js: no such file or directory (${join(dir.path, 'not-here.js')})`);
    assert.equal(find(list, 'plugins.bad.enabled').message, 'must be a boolean');
  });

  it('suggests the nearest name for a misspelt key, plugin option or plugin name', async () => {
    const list = await problems({
      brokr: {},
      log: { levle: 'debug' },
      plugins: { homelnik: {}, 'sensor-threshold': { module: SENSOR_THRESHOLD, treshold: 3 } },
    });
    assert.match(find(list, 'brokr').message, /^is not a known option \(did you mean "broker"\?\); known: \$schema, broker, /);
    assert.match(find(list, 'log.levle').message, /^is not a known option \(did you mean "level"\?\); known: level\b/);
    assert.match(find(list, 'plugins.homelnik').message, /^no built-in plugin named "homelnik" \(did you mean "homelink"\?\) \(built-in: /);
    assert.equal(find(list, 'plugins.sensor-threshold.treshold').message, 'is not a known option (did you mean "threshold"?); known: filter, sensorLevel, threshold, connection, alertPrefix');
  });

  it('does not load a disabled plugin', async () => {
    const file = await writeConfig(dir.path, { plugins: { ghost: { enabled: false, module: './not-here.js' } } });
    const config = await loadConfig({ file, env: {} });
    assert.deepEqual(config.disabled, ['ghost']);
    assert.deepEqual(config.plugins, []);
  });

  it('loads a plugin with its options validated and defaults filled in', async () => {
    const file = await writeConfig(dir.path, { plugins: { 'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 30, optional: true } } });
    const config = await loadConfig({ file, env: {} });
    assert.equal(config.plugins.length, 1);
    const plugin = config.plugins[0]!;
    assert.equal(plugin.name, 'sensor-threshold');
    assert.equal(plugin.optional, true);
    assert.deepEqual(plugin.options, { threshold: 30, filter: 'sensors/+/temperature', sensorLevel: 1, connection: 'local', alertPrefix: 'alerts' });
  });

  it('expands ${VAR} from the environment, and names a variable that is not set', async () => {
    const file = await writeConfig(dir.path, { connections: { remote: { url: 'mqtt://${MQTT_HOST}:1883', password: '${MQTT_PASSWORD}' } } });
    const config = await loadConfig({ file, env: { MQTT_HOST: 'broker.invalid', MQTT_PASSWORD: 's3cret' } });
    assert.equal(config.connections.remote!.url, 'mqtt://broker.invalid:1883');
    assert.equal(config.connections.remote!.password, 's3cret');

    const list = await problems({ connections: { remote: { url: 'mqtt://h:1883', password: '${MQTT_PASSWORD}' } } }, { env: {} });
    assert.deepEqual(find(list, 'connections.remote.password'), { path: 'connections.remote.password', message: 'refers to the environment variable MQTT_PASSWORD, which is not set' });
  });

  it('applies environment overrides, and says when a bad value came from the environment', async () => {
    const file = await writeConfig(dir.path, { broker: { port: 1884 } });
    const config = await loadConfig({ file, env: { SWITCHBOARD_BROKER_PORT: '2884', SWITCHBOARD_LOG_LEVEL: 'debug', SWITCHBOARD_EVENTS_ENABLED: 'false' } });
    assert.equal(config.core.broker.port, 2884);
    assert.equal(config.core.log.level, 'debug');
    assert.equal(config.core.events.enabled, false);

    const list = await problems({}, { env: { SWITCHBOARD_BROKER_PORT: 'eighty', SWITCHBOARD_LOG_LEVEL: 'loud' } });
    assert.match(find(list, 'broker.port').message, /\(from the environment variable SWITCHBOARD_BROKER_PORT="eighty"\)$/);
    assert.match(find(list, 'log.level').message, /^must be one of .* \(from the environment variable SWITCHBOARD_LOG_LEVEL="loud"\)$/);
  });

  it('applies command-line overrides over the file and the environment', async () => {
    const file = await writeConfig(dir.path, { http: { port: 1000 } });
    const config = await loadConfig({ file, env: { SWITCHBOARD_HTTP_PORT: '2000' }, args: ['--http-port', '3000', '--log-level', 'warn'] });
    assert.equal(config.core.http.port, 3000);
    assert.equal(config.core.log.level, 'warn');
  });

  it('checks x-connection references, in the core and in plugin options', async () => {
    const list = await problems({
      connections: { local: { url: 'mqtt://127.0.0.1:2883' } },
      deadLetter: { topic: 'dead', connection: 'nowhere' },
      events: { connection: 'elsewhere' },
      plugins: { 'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 1, connection: 'remote' } },
    });
    assert.equal(find(list, 'deadLetter.connection').message, 'no connection named "nowhere" (connections: local)');
    assert.equal(find(list, 'events.connection').message, 'no connection named "elsewhere" (connections: local)');
    assert.equal(find(list, 'plugins.sensor-threshold.connection').message, 'no connection named "remote" (connections: local)');
  });

  it('requires a clientId for a persistent session', async () => {
    const list = await problems({ connections: { remote: { url: 'mqtt://h:1883', clean: false } } });
    assert.equal(find(list, 'connections.remote.clientId').message, 'is required for a persistent session (clean: false): the broker finds the session by it');
  });

  it('resolves relative paths against the configuration file\'s directory and checks TLS files are readable', async () => {
    await mkdir(join(dir.path, 'certs'));
    const ca = await TestCa.create();
    try {
      await copyFile(ca.cert, join(dir.path, 'certs', 'ca.pem'));
    } finally {
      await ca.remove();
    }
    const file = await writeConfig(dir.path, { state: { dir: './data/state' }, connections: { remote: { url: 'mqtts://h:8883', tls: { ca: 'certs/ca.pem' } } } });
    const config = await loadConfig({ file, env: {}, cwd: '/' });
    assert.equal(config.core.state.dir, join(dir.path, 'data', 'state'));
    assert.equal(config.connections.remote!.tls.ca, join(dir.path, 'certs', 'ca.pem'));

    const list = await problems({ connections: { remote: { url: 'mqtts://h:8883', tls: { ca: 'certs/missing.pem', cert: 'certs/ca.pem' } } } });
    const missing = join(dir.path, 'certs', 'missing.pem');
    assert.deepEqual(list, [{ path: 'connections.remote.tls.ca', message: `cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'` }]);
  });

  it('refuses TLS files that are not PEM certificates or keys, each with its path', async () => {
    await mkdir(join(dir.path, 'certs'));
    await writeFile(join(dir.path, 'certs', 'der.crt'), Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
    await writeFile(join(dir.path, 'certs', 'broken.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    await writeFile(join(dir.path, 'certs', 'key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const list = await problems({ connections: { remote: { url: 'mqtts://h:8883', tls: { ca: 'certs/der.crt', cert: 'certs/broken.pem', key: 'certs/key.pem' } } } });
    const at = (name: string): string => join(dir.path, 'certs', name);
    assert.deepEqual(list.map((p) => p.path), ['connections.remote.tls.ca', 'connections.remote.tls.cert', 'connections.remote.tls.key']);
    assert.equal(list[0]!.message, `${at('der.crt')} is not a PEM file (no "-----BEGIN ...-----" line)`);
    assert.match(list[1]!.message, new RegExp(`^${at('broken.pem')} does not hold a valid PEM certificate: `));
    assert.match(list[2]!.message, new RegExp(`^${at('key.pem')} does not hold a valid private key: `));
  });

  it('checks the embedded broker\'s TLS listener files as it checks a connection\'s: cert and key required, each a PEM of its kind', async () => {
    await mkdir(join(dir.path, 'certs'));
    await writeFile(join(dir.path, 'certs', 'broken.pem'), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    const missingKey = await problems({ broker: { embedded: true, tls: { enabled: true, cert: 'certs/broken.pem' } } });
    assert.deepEqual(missingKey.map((p) => p.path), ['broker.tls.cert', 'broker.tls.key']);
    assert.match(missingKey[0]!.message, new RegExp(`^${join(dir.path, 'certs', 'broken.pem')} does not hold a valid PEM certificate: `));
    assert.equal(missingKey[1]!.message, 'is required for the TLS listener (broker.tls.enabled)');
    // Off, the listener's files are not looked at.
    const off = await loadConfig({ file: await writeConfig(dir.path, { broker: { embedded: true, tls: { enabled: false, cert: 'certs/broken.pem' } } }), env: {} });
    assert.equal(off.core.broker.tls.cert, 'certs/broken.pem');
  });

  it('resolves a relative module path against the configuration file\'s directory', async () => {
    await mkdir(join(dir.path, 'conf'));
    const module = relative(join(dir.path, 'conf'), fixturePlugin('echo'));
    assert.match(module, /^\.\.\//);
    const file = await writeConfig(join(dir.path, 'conf'), { plugins: { echo: { module } } });
    const config = await loadConfig({ file, env: {}, cwd: '/' });
    assert.equal(config.plugins[0]!.name, 'echo');
    assert.equal(config.plugins[0]!.definition.version, '1.0.0');
  });

  it('points at the line and column of malformed JSON', async () => {
    const text = '{\n  "broker": {\n    "port": 1884,\n  }\n}\n';
    const list = await problems(text);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.path, `${join(dir.path, 'runtime.config.json')}:4:3`);
    assert.match(list[0]!.message, /^not valid JSON: /);
  });

  it('says what to do when the file is missing or not an object', async () => {
    await assert.rejects(loadConfig({ file: join(dir.path, 'absent.json'), env: {} }), (err: ConfigError) => {
      assert.deepEqual(err.problems, [{ path: join(dir.path, 'absent.json'), message: 'no such file (pass --config FILE, or create runtime.config.json)' }]);
      return true;
    });
    const list = await problems('[1, 2]');
    assert.deepEqual(list, [{ path: join(dir.path, 'runtime.config.json'), message: 'must hold a JSON object' }]);
  });
});
