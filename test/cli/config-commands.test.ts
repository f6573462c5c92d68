import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { fixturePlugin, SENSOR_THRESHOLD } from '../helpers/plugins.js';
import { RuntimeProcess, writeConfig } from '../helpers/runtime.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('switchboard validate / print-config / start with a bad configuration', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('switchboard-cli-config-');
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('validate: says the file is valid and what it runs', async () => {
    const file = await writeConfig(dir.path, {
      connections: { remote: { url: 'mqtt://127.0.0.1:1' } },
      plugins: { 'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 3 }, ghost: { enabled: false } },
    });
    const result = await RuntimeProcess.run(['validate', '--config', file], { cwd: dir.path });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${file} is valid.\n  connections: remote, local\n  plugins: sensor-threshold 1.0.0\n  disabled: ghost\n`);
    assert.equal(result.stderr, '');
  });

  it('validate: lists every problem by path, exits 2 and creates nothing', async () => {
    const file = await writeConfig(dir.path, {
      state: { dir: './state' },
      log: { level: 'loud' },
      broker: { port: 70000 },
      connections: { remote: { url: 'mqtt://h:1', clean: false } },
      plugins: { 'sensor-threshold': { module: SENSOR_THRESHOLD, threshold: 'high' }, nope: {} },
    });
    const result = await RuntimeProcess.run(['validate', '--config', file], { cwd: dir.path });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], `switchboard: the configuration has ${lines.length - 1} problems; nothing was started:`);
    const paths = lines.slice(1).map((l) => l.trim().split(': ')[0]);
    assert.deepEqual(paths, ['broker.port', 'connections.remote.clientId', 'log.level', 'plugins.nope', 'plugins.sensor-threshold.threshold']);
    assert.ok(lines.includes('  log.level: must be one of fatal, error, warn, info, debug, trace, silent'));
    assert.ok(lines.includes('  plugins.sensor-threshold.threshold: must be a number'));
    assert.equal(await exists(join(dir.path, 'state')), false, 'no state directory');
  });

  it('start: a bad configuration starts nothing (no broker, no state, no logs) and exits 2', async () => {
    const file = await writeConfig(dir.path, {
      broker: { embedded: true, port: 0 },
      http: { port: 0 },
      state: { dir: './state' },
      connections: { local: { url: 'mqtt://127.0.0.1:1', keepalive: 'often' } },
    });
    const result = await RuntimeProcess.run(['start', '--config', file], { cwd: dir.path });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '', 'no log line: nothing was started');
    assert.match(result.stderr, /^switchboard: the configuration has 1 problem; nothing was started:\n {2}connections\.local\.keepalive: must be an integer\n$/);
    assert.equal(await exists(join(dir.path, 'state')), false);
  });

  it('says when a bad value came from an environment variable', async () => {
    const file = await writeConfig(dir.path, {});
    const result = await RuntimeProcess.run(['validate', '--config', file], { cwd: dir.path, env: { SWITCHBOARD_BROKER_PORT: 'abc' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\n {2}broker\.port: .*\(from the environment variable SWITCHBOARD_BROKER_PORT="abc"\)\n/);
  });

  it('names an unset ${VAR} and malformed JSON by line and column', async () => {
    const file = await writeConfig(dir.path, { connections: { remote: { url: 'mqtt://h:1', password: '${SB_TEST_UNSET_SECRET}' } } });
    const unset = await RuntimeProcess.run(['validate', '--config', file], { cwd: dir.path });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /\n {2}connections\.remote\.password: refers to the environment variable SB_TEST_UNSET_SECRET, which is not set\n/);

    const broken = join(dir.path, 'broken.json');
    await writeFile(broken, '{\n  "log": { "level": "info" }\n  "http": {}\n}\n');
    const malformed = await RuntimeProcess.run(['validate', '--config', broken], { cwd: dir.path });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, new RegExp(`\\n {2}${broken.replace(/[.]/g, '\\.')}:3:3: not valid JSON: `));
  });

  it('print-config: applies defaults, environment and flags, and redacts every secret', async () => {
    const file = await writeConfig(dir.path, {
      broker: { username: 'admin', password: 'broker-secret' },
      connections: { remote: { url: 'mqtt://me:url-secret@h:1', username: 'me', password: '${SB_TEST_PASSWORD}', tls: { passphrase: 'key-secret' } } },
      plugins: { secretive: { module: fixturePlugin('secretive'), token: 'plugin-secret', upstream: { apiKey: 'nested-secret' } }, off: { enabled: false } },
    });
    const result = await RuntimeProcess.run(['print-config', '--config', file, '--http-port', '4321'], { cwd: dir.path, env: { SB_TEST_PASSWORD: 'env-secret', SWITCHBOARD_LOG_LEVEL: 'warn' } });
    assert.equal(result.code, 0, result.stderr);
    for (const secret of ['broker-secret', 'url-secret', 'env-secret', 'key-secret', 'plugin-secret', 'nested-secret']) assert.ok(!result.stdout.includes(secret), `${secret} is not printed`);
    const printed = JSON.parse(result.stdout) as Record<string, any>;
    assert.equal(printed.broker.password, '[redacted]');
    assert.equal(printed.broker.username, 'admin');
    assert.equal(printed.connections.remote.password, '[redacted]');
    assert.equal(printed.connections.remote.username, 'me');
    assert.equal(printed.connections.remote.url, 'mqtt://[redacted]@h:1', 'credentials in a URL are secrets too');
    assert.equal(printed.connections.remote.tls.passphrase, '[redacted]');
    assert.equal(printed.connections.local.password, '[redacted]', 'the default local connection carries the broker password');
    assert.equal(printed.connections.remote.keepalive, 60);
    assert.equal(printed.http.port, 4321, 'flag applied');
    assert.equal(printed.log.level, 'warn', 'environment applied');
    assert.deepEqual(printed.plugins.secretive, { module: fixturePlugin('secretive'), token: '[redacted]', label: 'visible', upstream: { apiKey: '[redacted]', url: 'https://example.invalid/' } });
    assert.deepEqual(printed.plugins.off, { enabled: false });
    assert.equal(printed.state.dir, join(dir.path, 'state'));
    assert.equal('$schema' in printed, false, 'no empty $schema: the file named none');
  });
});
