import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers/paths.js';

/** Every relative import of every .ts file under `folder`, as [importing file, imported file], both from the root. */
async function importsUnder(folder: string): Promise<[string, string][]> {
  const files = (await readdir(join(ROOT, folder), { recursive: true })).filter((f) => f.endsWith('.ts') && !f.includes('node_modules'));
  const pairs: [string, string][] = [];
  for (const file of files) {
    const path = join(folder, file);
    const text = await readFile(join(ROOT, path), 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)\b[^'"]*?(?:from\s+)?'(\.{1,2}\/[^']+)'/gm)) {
      pairs.push([path, relative(ROOT, resolve(ROOT, dirname(path), spec!)).replace(/\.js$/, '.ts')]);
    }
  }
  return pairs;
}

function crossing(pairs: [string, string][], into: string, allowed: string[]): string[] {
  return pairs.filter(([, target]) => target.startsWith(into) && !allowed.includes(target)).map(([file, target]) => `${file} -> ${target}`);
}

describe('import boundaries', () => {
  it('plugins import only core/index.ts, and no other plugin', async () => {
    const pairs = await importsUnder('plugins');
    assert.deepEqual(crossing(pairs, 'core/', ['core/index.ts']), []);
    const foreign = pairs.filter(([file, target]) => target.startsWith('plugins/') && target.split('/')[1] !== file.split('/')[1]);
    assert.deepEqual(foreign, []);
  });

  it('the command line and the testing kit import the core through core/index.ts and core/host.ts only', async () => {
    for (const folder of ['cli', 'testing']) {
      assert.deepEqual(crossing(await importsUnder(folder), 'core/', ['core/index.ts', 'core/host.ts']), [], folder);
    }
  });

  it('the core imports no code outside core/', async () => {
    const out = (await importsUnder('core')).filter(([, target]) => target.endsWith('.ts') && !target.startsWith('core/'));
    assert.deepEqual(out, []);
  });
});
