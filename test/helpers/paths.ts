import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The CLI as installed: dist/cli/switchboard.js. */
export const CLI = join(ROOT, 'dist', 'cli', 'switchboard.js');

export function fixture(...parts: string[]): string {
  return join(ROOT, ...parts);
}

export { tempDir } from '../../testing/temp-dir.js';
