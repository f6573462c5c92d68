import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.js';

// One idea a file: a core file past 400 lines holds more than one (README "Architecture").
describe('file sizes', () => {
  it('keeps every core file at 400 lines or fewer', async () => {
    const files = (await readdir(join(ROOT, 'core'), { recursive: true })).filter((f) => f.endsWith('.ts'));
    const long: string[] = [];
    for (const file of files) {
      const lines = (await readFile(join(ROOT, 'core', file), 'utf8')).split('\n').length - 1;
      if (lines > 400) long.push(`core/${file}: ${lines} lines`);
    }
    assert.deepEqual(long, []);
  });
});
