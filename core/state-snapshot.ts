import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { logGeneration, type ValueJson } from './state-log.js';
import { StateError } from './state-error.js';

/**
 * The state snapshot: every namespace as it was when log `gen` was started, so that recovery replays that
 * log and the newer ones on top of it. Written to a temporary file and renamed over the old one, so there
 * is always one complete snapshot on disk.
 */
export interface Snapshot {
  format: 1;
  gen: number;
  namespaces: Record<string, [string, unknown][]>;
}

const SNAPSHOT = 'state.json';

export function snapshotPath(dir: string): string {
  return join(dir, SNAPSHOT);
}

/** The snapshot's JSON; values `valueJson` cannot serialize are left out, as in a commit. */
export function snapshotJson(maps: Map<string, Map<string, unknown>>, gen: number, valueJson: ValueJson): string {
  let out = `{"format":1,"gen":${gen},"savedAt":${JSON.stringify(new Date().toISOString())},"namespaces":{`;
  let firstNamespace = true;
  for (const [name, map] of maps) {
    out += `${firstNamespace ? '' : ','}${JSON.stringify(name)}:[`;
    firstNamespace = false;
    let first = true;
    for (const [key, value] of map) {
      const json = valueJson(name, key, value);
      if (json === undefined) continue;
      out += `${first ? '' : ','}[${JSON.stringify(key)},${json}]`;
      first = false;
    }
    out += ']';
  }
  return `${out}}}`;
}

/** Puts `json` in place as the snapshot, all or nothing. */
export async function writeSnapshot(dir: string, json: string, fsync: boolean): Promise<void> {
  const tmp = join(dir, `${SNAPSHOT}.tmp`);
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(json);
      if (fsync) await file.datasync();
    } finally {
      await file.close();
    }
    await rename(tmp, snapshotPath(dir));
    if (fsync) await syncDir(dir);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** The snapshot and its size in characters, or undefined when there is none; a StateError when it cannot be read or is not one. */
export async function readSnapshot(dir: string): Promise<{ snapshot: Snapshot; chars: number } | undefined> {
  const path = snapshotPath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const snapshot = JSON.parse(text) as Snapshot;
    if (snapshot.format !== 1 || !Number.isInteger(snapshot.gen) || typeof snapshot.namespaces !== 'object') throw new Error('unknown format');
    return { snapshot, chars: text.length };
  } catch (err) {
    throw new StateError(`${path} is not a Switchboard state snapshot (${(err as Error).message}); move it away to start with empty state`);
  }
}

/** Deletes the logs older than the snapshot's generation (it holds them already), and with `tmp` a temporary snapshot left by a crash. */
export async function removeStaleFiles(dir: string, snapshotGen: number, tmp: boolean): Promise<void> {
  for (const name of await readdir(dir)) {
    const gen = logGeneration(name);
    if ((gen !== undefined && gen < snapshotGen) || (tmp && name === `${SNAPSHOT}.tmp`)) {
      await unlink(join(dir, name)).catch(() => undefined);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
