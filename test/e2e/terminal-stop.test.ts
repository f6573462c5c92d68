import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/paths.js';
import { writeConfig } from '../helpers/runtime.js';

/**
 * Ctrl-C in a real terminal under `npm start`, as the README says to run it: `script` (util-linux) gives
 * the command a pseudo-terminal, and the ^C written to it becomes a SIGINT to the whole foreground
 * group, npm and the runtime alike, which npm then passes on a second time.
 */
describe('Ctrl-C on `npm start` in a terminal', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('stops cleanly: readable logs, exit status 0, the state lock released, no "exiting at once"', async () => {
    const config = await writeConfig(dir.path, {
      broker: { embedded: true, port: 0 },
      http: { port: 0 },
      state: { dir: './state', fsync: false },
      plugins: { homelink: { topicRoot: 'joe_bloggs' } },
    });
    // `script` runs the command with $SHELL -c; `exec` makes npm the pseudo-terminal's foreground process itself,
    // as under an interactive shell, whichever shell that is (dash, unlike bash, would wait and die of the ^C).
    const command = `exec npm start -- --config '${config}'`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb', SHELL: '/bin/sh' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(() => /Switchboard is running/.test(output), 'the runtime to start', () => output);
      assert.ok(existsSync(join(dir.path, 'state', 'state.lock')), 'the state is locked while it runs');
      child.stdin.write('\x03');
      assert.equal(await exited, 0, output);
    } finally {
      child.kill('SIGKILL');
    }
    const text = stripColours(output);
    assert.match(text, /INFO.*shutting down/);
    assert.match(text, /INFO.*stopped/);
    assert.doesNotMatch(text, /exiting at once/);
    const connected = text.search(/INFO: connected/);
    assert.ok(connected >= 0 && connected < text.search(/INFO: Switchboard is running/), '"running" comes after "connected"');
    assert.doesNotMatch(text, /^\{"level"/m, 'a terminal gets readable lines, not JSON');
    assert.match(text, /^\s+connection\s+local\s+mqtt:\/\/127\.0\.0\.1:\d+\s+connected$/m);
    assert.match(text, /^\s+plugin\s+homelink \S+\s+running; subscribes local: joe_bloggs\/#$/m);
    assert.ok(!existsSync(join(dir.path, 'state', 'state.lock')), 'the state lock was released');
  });
});

function stripColours(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
}

async function until(condition: () => boolean, what: string, output: () => string, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
