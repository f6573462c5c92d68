import { open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { applyRecords, logGeneration, type LogRecord, type ValueJson } from './state-log.js';
import { StateError } from './state-error.js';
import { fileLines, frame, openStateFile, unframe } from './state-frame.js';

/**
 * The state snapshot: every namespace as it was when log `gen` was started, so that recovery replays that
 * log and the newer ones on top of it. Written to a temporary file and renamed over the old one, so there
 * is always one complete snapshot on disk.
 *
 * Format 2 is framed like the log: a header line `{"format":2,"gen":N,"savedAt":...}`, lines of records
 * (`[namespace, key, value]`, as in a commit) of at most about CHUNK_CHARS each, and a last line
 * `{"end":true,"records":N}` that says the file is whole. It is written and read a line at a time, so
 * neither needs the whole state as one string. Format 1 (one JSON object) is still read.
 */
interface Header {
  format: 2;
  gen: number;
}

/** Format 1, as earlier versions wrote it. */
interface SnapshotV1 {
  format: 1;
  gen: number;
  namespaces: Record<string, [string, unknown][]>;
}

const SNAPSHOT = 'state.json';
const CHUNK_CHARS = 256 * 1024;

export function snapshotPath(dir: string): string {
  return join(dir, SNAPSHOT);
}

export interface SnapshotWrite {
  dir: string;
  maps: Map<string, Map<string, unknown>>;
  gen: number;
  valueJson: ValueJson;
  fsync: boolean;
  /** True once the write must be given up (the stop deadline has passed). */
  stopped(): boolean;
  /**
   * Called when everything is written, before the snapshot is put in place: resolves once every value it
   * holds is durable in the logs too (a value may be newer than log `gen`'s start), rejects to give up.
   */
  beforeRename(): Promise<void>;
}

/**
 * Writes the snapshot of `maps` a line at a time, letting the event loop run between lines: values changed
 * meanwhile may be written as they now are, which is safe since the logs from `gen` on set them to the
 * same or a newer value. Keys added after the start are left to the logs. Returns the bytes written.
 */
export async function writeSnapshot(w: SnapshotWrite): Promise<number> {
  const tmp = join(w.dir, `${SNAPSHOT}.tmp`);
  let bytes = 0;
  try {
    const file = await open(tmp, 'w');
    try {
      const put = async (json: string): Promise<void> => {
        const line = frame(json);
        await writeAll(file, line);
        bytes += line.length;
      };
      await put(JSON.stringify({ format: 2, gen: w.gen, savedAt: new Date().toISOString() }));
      let records = 0;
      let chunk = '';
      for (const [name, map] of [...w.maps]) {
        const namespace = JSON.stringify(name);
        for (const key of [...map.keys()]) {
          if (!map.has(key)) continue;
          const json = w.valueJson(name, key, map.get(key));
          if (json === undefined) continue;
          chunk += `${chunk === '' ? '[' : ','}[${namespace},${JSON.stringify(key)},${json}]`;
          records++;
          if (chunk.length >= CHUNK_CHARS) {
            if (w.stopped()) throw new Error('given up at the stop deadline');
            await put(`${chunk}]`);
            chunk = '';
          }
        }
      }
      if (chunk !== '') await put(`${chunk}]`);
      await put(JSON.stringify({ end: true, records }));
      if (w.fsync) await file.datasync();
    } finally {
      await file.close();
    }
    await w.beforeRename();
    await rename(tmp, snapshotPath(w.dir));
    if (w.fsync) await syncDir(w.dir);
    return bytes;
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Loads the snapshot into `maps`: its generation and size in bytes, or undefined when there is none; a
 * StateError when it cannot be read or is not a whole snapshot.
 */
export async function loadSnapshot(dir: string, maps: Map<string, Map<string, unknown>>): Promise<{ gen: number; bytes: number } | undefined> {
  const path = snapshotPath(dir);
  const file = await openStateFile(path);
  if (!file) return undefined;
  const refuse = (why: string): StateError => new StateError(`${path} is not a whole Switchboard state snapshot (${why}); move it away to start from the logs alone`);
  try {
    const first = Buffer.alloc(1);
    await file.read(first, 0, 1, 0);
    if (first[0] === 0x7b) return await loadV1(path, maps);
    let header: Header | undefined;
    let records = 0;
    let ended = false;
    let bytes = 0;
    for await (const { line, end } of fileLines(file)) {
      bytes = end;
      if (ended) throw refuse(`a line after the end at byte ${end - line.length - 1}`);
      const value = unframe(line);
      if (value === undefined) throw refuse(`a damaged line at byte ${end - line.length - 1}`);
      if (!header) {
        const h = value as Partial<Header>;
        if (h.format !== 2 || !Number.isInteger(h.gen)) throw refuse('unknown format');
        header = h as Header;
      } else if (Array.isArray(value)) {
        applyRecords(value as LogRecord[], maps);
        records += value.length;
      } else if ((value as { end?: unknown }).end === true) {
        if ((value as { records?: unknown }).records !== records) throw refuse(`${records} records where its end says ${(value as { records?: unknown }).records}`);
        ended = true;
      } else {
        throw refuse(`an unknown line at byte ${end - line.length - 1}`);
      }
    }
    if (!header) throw refuse('empty');
    if (!ended) throw refuse('cut short');
    return { gen: header.gen, bytes };
  } catch (err) {
    if (err instanceof StateError) throw err;
    throw new StateError(`cannot read ${path}: ${(err as Error).message}`);
  } finally {
    await file.close().catch(() => undefined);
  }
}

async function loadV1(path: string, maps: Map<string, Map<string, unknown>>): Promise<{ gen: number; bytes: number }> {
  const text = await readFile(path, 'utf8');
  let snapshot: SnapshotV1;
  try {
    snapshot = JSON.parse(text) as SnapshotV1;
    if (snapshot.format !== 1 || !Number.isInteger(snapshot.gen) || typeof snapshot.namespaces !== 'object') throw new Error('unknown format');
  } catch (err) {
    throw new StateError(`${path} is not a Switchboard state snapshot (${(err as Error).message}); move it away to start with empty state`);
  }
  for (const [name, entries] of Object.entries(snapshot.namespaces)) maps.set(name, new Map(entries));
  return { gen: snapshot.gen, bytes: Buffer.byteLength(text) };
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

async function writeAll(file: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) written += (await file.write(data, written, data.length - written)).bytesWritten;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
