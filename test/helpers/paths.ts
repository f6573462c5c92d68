import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The CLI as installed: dist/core/cli.js. */
export const CLI = join(ROOT, 'dist', 'core', 'cli.js');

export function fixture(...parts: string[]): string {
  return join(ROOT, ...parts);
}

export { tempDir } from '../../core/testing/temp-dir.js';
