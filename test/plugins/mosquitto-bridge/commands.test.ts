import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUPLA, SUPLA_TOPICS } from '../../helpers/bridge-conf.js';
import { tempDir } from '../../helpers/paths.js';
import { RuntimeProcess } from '../../helpers/runtime.js';

const CONNECTION = 'bridge-dom-unikalny-identyfilator-bramki_';
const ENV = 'SWITCHBOARD_BRIDGE_DOM_UNIKALNY_IDENTYFILATOR_BRAMKI_';

interface Imported {
  connections: Record<string, Record<string, unknown>>;
  plugins: { 'mosquitto-bridge': { bridges: { name: string; remote: string; topics: string[] }[] } };
}

describe('mosquitto-bridge: the import and export commands, and the configuration checks, as a user runs them', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir.path, name);
    await writeFile(file, text);
    return file;
  };

  it('import prints the SUPLA block as configuration that validates, and export gives its topic lines back', async () => {
    const run = await RuntimeProcess.run(['mosquitto-bridge', 'import', await write('mosquitto.conf', `${SUPLA}\n`)]);
    assert.equal(run.code, 0, run.stderr);
    const imported = JSON.parse(run.stdout) as Imported;
    const [bridge] = imported.plugins['mosquitto-bridge'].bridges;
    assert.deepEqual(bridge!.topics, SUPLA_TOPICS);
    assert.equal(bridge!.remote, CONNECTION);
    assert.equal(imported.connections[CONNECTION]!.password, `\${${ENV}_PASSWORD}`);
    assert.match(run.stderr, new RegExp(`set ${ENV}_USERNAME and ${ENV}_PASSWORD`));
    assert.ok(!run.stdout.includes('hasło'), 'the password is not printed');

    // The CA file is the gateway's; a runtime here checks that it can read it, so this one goes without.
    delete imported.connections[CONNECTION]!.tls;
    const config = await write('runtime.config.json', JSON.stringify({ connections: { local: { url: 'mqtt://127.0.0.1:1883' }, ...imported.connections }, plugins: imported.plugins }));
    const env = { [`${ENV}_USERNAME`]: 'u', [`${ENV}_PASSWORD`]: 'p' };
    const validate = await RuntimeProcess.run(['validate', '--config', config], { env });
    assert.equal(validate.code, 0, validate.stdout + validate.stderr);
    const exported = await RuntimeProcess.run(['mosquitto-bridge', 'export', '--config', config], { env });
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(
      exported.stdout.split('\n').filter((l) => l.startsWith('topic ')),
      SUPLA.split('\n').filter((l) => l.startsWith('topic ')),
    );
    assert.match(exported.stdout, /^connection bridge-dom-unikalny-identyfilator-bramki\*\naddress host-i-port-od-supla\*:1883\n/);
  });

  it('import refuses a file mosquitto refuses, with the file, the line and mosquitto\'s words (exit 2)', async () => {
    const file = await write('bad.conf', 'listener 1883\nconnection a\naddress 127.0.0.1\ntopic "" out 0 homelink/joe/# homelink/joe/#\n');
    const run = await RuntimeProcess.run(['mosquitto-bridge', 'import', file]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `${file}:4: Error: Invalid bridge topic local prefix 'homelink/joe/#'.\n`);
  });

  it('validate names every bad topic line with its path and mosquitto\'s words (exit 2)', async () => {
    const config = await write(
      'runtime.config.json',
      JSON.stringify({
        connections: { local: { url: 'mqtt://127.0.0.1:1883' }, remote: { url: 'mqtt://127.0.0.1:1884' } },
        plugins: {
          'mosquitto-bridge': {
            bridges: [
              { name: 'a', remote: 'remote', topics: ['ok/# both 1', '"" out 0 homelink/joe/# homelink/joe/#', 'x in 3'] },
              { name: 'a', remote: 'remote', topics: ['"" in 0 L/'] },
            ],
          },
        },
      }),
    );
    const run = await RuntimeProcess.run(['validate', '--config', config]);
    assert.equal(run.code, 2);
    const out = run.stdout + run.stderr;
    for (const problem of [
      "plugins.mosquitto-bridge.bridges[0].topics[1]: Error: Invalid bridge topic local prefix 'homelink/joe/#'.",
      "plugins.mosquitto-bridge.bridges[0].topics[2]: Error: Invalid bridge QoS level '3'.",
      'plugins.mosquitto-bridge.bridges[1].name: "a" is also the name of bridges[0] (mosquitto: Duplicate bridge name)',
      'plugins.mosquitto-bridge.bridges[1].topics[0]: Error: Invalid bridge remapping.',
    ]) {
      assert.ok(out.includes(problem), `${problem}\nin:\n${out}`);
    }
    assert.match(out, /4 problems/);
  });
});
