import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory of its own for a test. */
export interface TempDir {
  path: string;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/** Creates a fresh temporary directory. */
export async function tempDir(prefix = 'switchboard-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
