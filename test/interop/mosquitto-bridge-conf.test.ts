import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { exportBridge, importBridges } from '../../plugins/mosquitto-bridge/conf-commands.js';
import { ConfError, readMosquittoConf } from '../../plugins/mosquitto-bridge/mosquitto-conf.js';
import type { BridgeOptions } from '../../plugins/mosquitto-bridge/schema.js';
import { MAPPING_TABLE, SUPLA, SYS_ROW } from '../helpers/bridge-conf.js';
import { freePort } from '../helpers/broker.js';
import { accepts, MOSQUITTO } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/paths.js';

type Verdict = { accepted: true } | { accepted: false; message: string; line: number | undefined };

/** What real mosquitto makes of `conf` (bridge options) after a listener: it runs, or it refuses with its first error and the line. */
async function mosquittoReads(conf: string): Promise<Verdict> {
  const dir = await tempDir('switchboard-mosquitto-conf-');
  const port = await freePort();
  const preamble = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `user ${userInfo().username}`, 'log_dest stderr'];
  const file = join(dir.path, 'mosquitto.conf');
  await writeFile(file, `${[...preamble, conf].join('\n')}\n`);
  const child = spawn(MOSQUITTO, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve(void (exited = true))));
  try {
    const deadline = Date.now() + 10000;
    for (;;) {
      if (exited) break;
      if (await accepts(port)) return { accepted: true };
      if (Date.now() > deadline) throw new Error(`mosquitto neither ran nor refused the file:\n${output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await exit;
    const lines = output.split('\n').map((l) => l.replace(/^\d+: /, ''));
    const message = lines.find((l) => l.startsWith('Error: '));
    if (!message) throw new Error(`mosquitto exited without an error message:\n${output}`);
    const at = /Error found at .*:(\d+)\.$/.exec(lines.find((l) => l.startsWith('Error found at')) ?? '');
    return { accepted: false, message, line: at ? Number(at[1]) - preamble.length : undefined };
  } finally {
    child.kill('SIGKILL');
    await exit;
    await dir.remove();
  }
}

/** What the plugin's reader makes of the same text. */
function switchboardReads(conf: string): Verdict & { line?: number | undefined } {
  try {
    readMosquittoConf(conf, 'gw');
    return { accepted: true };
  } catch (err) {
    if (!(err instanceof ConfError)) throw err;
    return { accepted: false, message: err.message.replace(/^line \d+: /, ''), line: err.line };
  }
}

const A = 'connection a\naddress 127.0.0.1:1\ntopic x';

// The research note's refused lines (S5) and the options' own checks.
const REFUSED = [
  'topic x out\nconnection a',
  'connection a\naddress 127.0.0.1:1\ntopic "" out 0 homelink/joe/# homelink/joe/#',
  'connection a\naddress 127.0.0.1:1\ntopic # in 0 L',
  'connection a\naddress 127.0.0.1:1\ntopic "" out 0 L/',
  'connection a\naddress 127.0.0.1:1\ntopic x in 3',
  'connection a\naddress 127.0.0.1:1\ntopic x sideways',
  'connection a\naddress 127.0.0.1:1\ntopic x in 1 L# R',
  'connection a\naddress 127.0.0.1:1\ntopic x in 1 "" R+',
  'connection a\naddress 127.0.0.1:1\n  # indented\ntopic x',
  'connection a\naddress 127.0.0.1:1\ntopic\tx',
  `${A}\nconnection a`,
  'connection a\naddress 127.0.0.1:1\naddress 127.0.0.1:2\ntopic x',
  'connection a\naddress\ntopic x',
  'connection a\naddress 127.0.0.1:0\ntopic x',
  'connection\naddress 127.0.0.1:1\ntopic x',
  `${A}\ntry_private maybe`,
  `${A}\ncleansession`,
  `${A}\nbridge_protocol_version mqttv5`,
  `${A}\nbridge_protocol_version`,
  `${A}\nstart_type manual`,
  `${A}\nstart_type weird`,
  `${A}\nkeepalive_interval 70000`,
  `${A}\nrestart_timeout 10 5`,
  `${A}\nrestart_timeout`,
  `${A}\nremote_clientid a\nremote_clientid b`,
  `${A}\nclientid`,
  `${A}\nusername u\nremote_username v`,
  `${A}\nlocal_clientid a\nlocal_clientid b`,
  `${A}\nnotification_topic`,
  `${A}\nbridge_cafile /ca\nbridge_identity id`,
  `${A}\nbridge_identity id\nbridge_cafile /ca`,
  `${A}\nbridge_keyfile /k\nbridge_psk 00`,
  'connection a\ntopic x',
  'connection a\naddress 127.0.0.1:1',
  `${A}\nconnection b\naddress 127.0.0.1:1\ntopic y\nremote_clientid q\nconnection c\naddress 127.0.0.1:1\ntopic z\nremote_clientid q`,
];

// The research note's accepted lines (its mapping table), its lexing rules, and the SUPLA gateway's block.
const NOTE = [
  'connection note',
  'address 127.0.0.1:1',
  ...[
    ...MAPPING_TABLE,
    SYS_ROW,
    'x IN',
    'y in foo',
    'z   both  2 # the rest is a comment',
  ].map((l) => `topic ${l}`),
  'remote_password a b c ',
  'keepalive_interval 2',
  'restart_timeout 1 2',
  'bridge_protocol_version mqttv50',
].join('\n');
const ACCEPTED = [SUPLA, NOTE, 'connection a extra words\r\naddress 127.0.0.1:1 #comment\r\n# comment\r\ntopic x   in  1\r\nremote_clientid  spaced id '];

describe('mosquitto-bridge: mosquitto.conf read as real mosquitto reads it', function () {
  this.timeout(60000);

  for (const conf of REFUSED) {
    it(`refuses with mosquitto's message and line: ${JSON.stringify(conf.split('\n').slice(-2).join('\n'))}`, async () => {
      const real = await mosquittoReads(conf);
      assert.equal(real.accepted, false, 'real mosquitto refuses it');
      const ours = switchboardReads(conf);
      assert.equal(ours.accepted, false, `refused: ${JSON.stringify(real)}`);
      if (real.accepted || ours.accepted) return;
      assert.equal(ours.message, real.message);
      // mosquitto names no line for what it checks at the end of the file; the plugin names the bridge's connection line.
      if (real.line !== undefined) assert.equal(ours.line, real.line);
    });
  }

  for (const conf of ACCEPTED) {
    it(`accepts what mosquitto accepts, and mosquitto accepts the export of its import: ${JSON.stringify(conf.split('\n')[0])}`, async () => {
      assert.deepEqual(await mosquittoReads(conf), { accepted: true });
      assert.deepEqual(switchboardReads(conf), { accepted: true });
      const imported = importBridges(readMosquittoConf(conf, 'gw'), [], 'gw');
      for (const bridge of imported.plugins['mosquitto-bridge'].bridges as unknown as BridgeOptions[]) {
        const exported = exportBridge(bridge, imported.connections[bridge.remote]!, []);
        assert.deepEqual(await mosquittoReads(exported), { accepted: true }, exported);
        assert.deepEqual(readMosquittoConf(exported, 'gw')[0]!.topics, readMosquittoConf(conf, 'gw')[0]!.topics);
      }
    });
  }
});
