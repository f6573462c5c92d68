import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The CLI as installed: dist/core/cli.js. */
export const CLI = join(ROOT, 'dist', 'core', 'cli.js');

export function fixture(...parts: string[]): string {
  return join(ROOT, ...parts);
}

/** A fresh temporary directory; `remove()` deletes it. */
export async function tempDir(prefix = 'switchboard-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
