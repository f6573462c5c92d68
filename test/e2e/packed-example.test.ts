import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/paths.js';

/** Runs a command to completion; its output and exit status. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; output: string }> {
  // The npm running this suite passes its own settings (the project's prefix among them) down in npm_* variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') || k === 'npm_config_cache' || k === 'npm_config_registry'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, output }));
  });
}

describe('the packed package, as a plugin author installs it', function () {
  // npm pack, an npm install from the cache and a TypeScript build: minutes on a busy machine.
  this.timeout(600000);

  it('installs from its tarball; the example plugin builds and passes its own tests against it outside the repository, and loads by its package name', async () => {
    const dir = await tempDir('switchboard-packed-');
    try {
      const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], ROOT);
      assert.equal(pack.code, 0, pack.output);
      const [{ filename, files }] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
      const packed = files.map((f) => f.path);
      for (const path of ['dist/core/index.js', 'dist/core/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'dist/cli/switchboard.js', 'LICENSE', 'README.md']) {
        assert.ok(packed.includes(path), `the package holds ${path}`);
      }
      assert.ok(!packed.some((p) => p.startsWith('dist/test/')), 'and not the repository\'s own tests');

      const example = join(dir.path, 'sensor-threshold');
      for (const entry of ['package.json', 'tsconfig.json', 'index.ts', 'README.md', 'test']) await cp(join(ROOT, 'examples', 'sensor-threshold', entry), join(example, entry), { recursive: true });
      // --no-save keeps the package's peer dependency on switchboard as it is published.
      const install = await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', join(dir.path, filename)], example);
      assert.equal(install.code, 0, install.output);

      const test = await run('npm', ['test'], example);
      assert.equal(test.code, 0, test.output);
      assert.match(test.output, /\n {2}4 passing/, test.output);
      assert.doesNotMatch(test.output, /pending|failing/);

      // A user's folder: Switchboard and the plugin's package installed side by side, the plugin named by its package.
      const plugin = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], example);
      assert.equal(plugin.code, 0, plugin.output);
      const [{ filename: pluginTarball }] = JSON.parse(plugin.stdout) as [{ filename: string }];
      const app = join(dir.path, 'app');
      await mkdir(app);
      await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-house', private: true }));
      const both = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir.path, filename), join(dir.path, pluginTarball)], app);
      assert.equal(both.code, 0, both.output);
      await writeFile(join(app, 'runtime.config.json'), JSON.stringify({ $schema: './schemas/runtime.config.schema.json', plugins: { 'sensor-threshold': { module: 'switchboard-plugin-sensor-threshold', threshold: 30 } } }));
      const validate = await run('npx', ['switchboard', 'validate'], app);
      assert.equal(validate.code, 0, validate.output);
      assert.match(validate.output, /plugins: sensor-threshold 1\.0\.0/);
      const schema = await run('npx', ['switchboard', 'schema', '--write'], app);
      assert.equal(schema.code, 0, schema.output);
      const written = JSON.parse(await readFile(join(app, 'schemas', 'runtime.config.schema.json'), 'utf8')) as { properties: { plugins: { properties: Record<string, { required?: string[] }> } } };
      assert.deepEqual(written.properties.plugins.properties['sensor-threshold']!.required, ['threshold'], 'the plugin\'s options are in the editor schema');
    } finally {
      await dir.remove();
    }
  });
});
