import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../helpers/paths.js';
import { RuntimeProcess } from '../../helpers/runtime.js';
import { MQTTX_EXPORT } from './homelink-fixtures.js';

interface Snippet {
  connections: Record<string, Record<string, unknown>>;
  plugins: { homelink: Record<string, unknown> };
}

describe('homelink: switchboard homelink import-mqttx', () => {
  let dir: { path: string; remove(): Promise<void> };
  let exported: Record<string, unknown>;

  beforeEach(async () => {
    dir = await tempDir();
    exported = (JSON.parse(await readFile(MQTTX_EXPORT, 'utf8')) as Record<string, unknown>[])[0]!;
  });

  afterEach(async () => {
    await dir.remove();
  });

  const writeExport = async (value: unknown): Promise<string> => {
    const file = join(dir.path, 'export.json');
    await writeFile(file, JSON.stringify(value));
    return file;
  };

  it('turns the export into a connection (mqtts, 3.1.1, persistent session) and the plugin\'s section', async () => {
    const run = await RuntimeProcess.run(['homelink', 'import-mqttx', MQTTX_EXPORT]);
    assert.equal(run.code, 0, run.stderr);
    const snippet = JSON.parse(run.stdout) as Snippet;
    assert.deepEqual(snippet, {
      connections: {
        homelink: {
          url: `mqtts://${String(exported.host)}:8883`,
          protocolVersion: '3.1.1',
          clientId: exported.clientId,
          username: exported.username,
          password: '${HOMELINK_PASSWORD}',
          clean: false,
          keepalive: 60,
        },
      },
      plugins: { homelink: { connection: 'homelink', topicRoot: 'joe_bloggs' } },
    });
    assert.match(run.stderr, /Set HOMELINK_PASSWORD to the password/);
    assert.ok(!run.stdout.includes(String(exported.password)), 'the password is not printed');
  });

  it('embeds the password with --inline-password, and names the connection with --connection', async () => {
    const run = await RuntimeProcess.run(['homelink', 'import-mqttx', MQTTX_EXPORT, '--inline-password', '--connection', 'aico']);
    assert.equal(run.code, 0, run.stderr);
    const snippet = JSON.parse(run.stdout) as Snippet;
    assert.equal(snippet.connections.aico!.password, exported.password);
    assert.equal(snippet.plugins.homelink.connection, 'aico');
  });

  it('gives a configuration that validates', async () => {
    const run = await RuntimeProcess.run(['homelink', 'import-mqttx', MQTTX_EXPORT]);
    const config = join(dir.path, 'runtime.config.json');
    await writeFile(config, JSON.stringify({ broker: { embedded: false }, ...(JSON.parse(run.stdout) as object) }));
    const validate = await RuntimeProcess.run(['validate', '--config', config], { env: { HOMELINK_PASSWORD: 'secret' } });
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /plugins: homelink/);
  });

  it('refuses subscriptions that disagree on the root', async () => {
    const subscriptions = [{ topic: 'joe_bloggs/alert/#', qos: 0 }, { topic: 'jane_doe/device/#', qos: 0 }];
    const run = await RuntimeProcess.run(['homelink', 'import-mqttx', await writeExport([{ ...exported, subscriptions }])]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /the subscriptions disagree on the topic root: joe_bloggs, jane_doe/);
    assert.equal(run.stdout, '');
  });

  it('refuses a file that is not an MQTTX export', async () => {
    const run = await RuntimeProcess.run(['homelink', 'import-mqttx', await writeExport({ hello: 'world' })]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not an MQTTX connection export/);
  });

  it('asks which connection when the export holds several', async () => {
    const file = await writeExport([exported, { ...exported, name: 'other' }]);
    const ambiguous = await RuntimeProcess.run(['homelink', 'import-mqttx', file]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /holds 2 connections \(HomeLINK joe_bloggs, other\); choose one with --name/);
    const chosen = await RuntimeProcess.run(['homelink', 'import-mqttx', file, '--name', 'other']);
    assert.equal(chosen.code, 0, chosen.stderr);
  });
});
