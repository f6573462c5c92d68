import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/broker.js';
import { Harness } from '../helpers/harness.js';
import { fixture, ROOT, tempDir } from '../helpers/paths.js';
import { RuntimeProcess } from '../helpers/runtime.js';

const exec = promisify(execFile);

/** Exit status and output of a command that may fail. */
async function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(file, args);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error(`${file} is not installed (Debian: apt-get install systemd)`);
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}

describe('deployment files', () => {
  it('the systemd unit passes systemd-analyze verify (with this machine\'s node and checkout in ExecStart)', async () => {
    const unit = await readFile(fixture('deploy', 'switchboard.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/switchboard\/dist\/cli\/switchboard\.js start --config \/etc\/switchboard\/runtime\.config\.json$/m);
    const dir = await tempDir('switchboard-unit-');
    try {
      const here = unit.replace('/usr/bin/node', process.execPath).replace('/opt/switchboard/', ROOT);
      await writeFile(join(dir.path, 'switchboard.service'), here);
      const good = await run('systemd-analyze', ['verify', join(dir.path, 'switchboard.service')]);
      assert.deepEqual(good, { code: 0, output: '' });
      // The check can fail: a misspelt directive and a missing executable are reported.
      await writeFile(join(dir.path, 'broken.service'), here.replace('KillSignal=', 'KilSignal=').replace(process.execPath, '/nonexistent/node'));
      const bad = await run('systemd-analyze', ['verify', join(dir.path, 'broken.service')]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.output, /Unknown key '?KilSignal/);
    } finally {
      await dir.remove();
    }
  });

  it('the compose configuration is valid, and names the mosquitto service as its local connection', async () => {
    const file = fixture('deploy', 'compose.runtime.config.json');
    const result = await RuntimeProcess.run(['validate', '--config', file]);
    assert.equal(result.code, 0, result.stderr);
    const compose = await readFile(fixture('deploy', 'compose.yaml'), 'utf8');
    assert.match(compose, /^ {2}mosquitto:\n {4}image: eclipse-mosquitto:2$/m);
    assert.match(compose, /- \.\/compose\.runtime\.config\.json:\/app\/runtime\.config\.json:ro/);
    const config = JSON.parse(await readFile(file, 'utf8')) as { connections: { local: { url: string } } };
    assert.equal(config.connections.local.url, 'mqtt://mosquitto:1883');
  });

  describe('the Dockerfile', () => {
    let dockerfile: string;

    before(async () => {
      dockerfile = await readFile(fixture('Dockerfile'), 'utf8');
    });

    it('copies only what exists after a build, runs as the node user, and keeps state on a volume', async () => {
      for (const [, from] of dockerfile.matchAll(/^COPY --from=build (.+) \S+$/gm)) {
        for (const path of from!.split(' ')) await access(join(ROOT, path.replace(/^\/src\//, ''))).catch(() => assert.fail(`the image copies ${path}, which a build does not make`));
      }
      assert.match(dockerfile, /^FROM node:20-bookworm-slim$/m);
      assert.match(dockerfile, /^USER node$/m);
      assert.match(dockerfile, /^VOLUME \["\/var\/lib\/switchboard"\]$/m);
      assert.match(dockerfile, /SWITCHBOARD_STATE_DIR=\/var\/lib\/switchboard/);
    });

    it('its HEALTHCHECK command succeeds against a healthy runtime and fails when there is none', async () => {
      const command = /^ {2}CMD (\[.*\])$/m.exec(dockerfile.slice(dockerfile.indexOf('HEALTHCHECK')));
      assert.ok(command, 'HEALTHCHECK runs an exec-form command');
      const [node, flag, script] = JSON.parse(command[1]!) as string[];
      assert.equal(node, 'node');
      const h = await Harness.create();
      try {
        const runtime = await h.start({});
        const port = new URL(runtime.url).port;
        assert.equal((await run(process.execPath, [flag!, script!.replace('127.0.0.1:9883', `127.0.0.1:${port}`)])).code, 0);
        assert.equal((await run(process.execPath, [flag!, script!.replace('127.0.0.1:9883', `127.0.0.1:${await freePort()}`)])).code, 1);
      } finally {
        await h.close();
      }
    });
  });
});
