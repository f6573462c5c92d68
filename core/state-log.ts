import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { StateError } from './state-error.js';
import { fileLines, frame, openStateFile, unframe } from './state-frame.js';

/** One change in a commit: the key's new value, or none when the key was deleted. */
export type LogRecord = [namespace: string, key: string, value?: unknown];

/** A value's JSON text, or undefined to leave the value out. */
export type ValueJson = (namespace: string, key: string, value: unknown) => string | undefined;

export function logPath(dir: string, gen: number): string {
  return join(dir, `state.${gen}.wal`);
}

/** The generation of a log named `name`, or undefined when it is not a log. */
export function logGeneration(name: string): number | undefined {
  const match = /^state\.(\d+)\.wal$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The generations of the logs in `dir`, oldest first. */
export async function logGenerations(dir: string): Promise<number[]> {
  return (await readdir(dir))
    .map(logGeneration)
    .filter((gen) => gen !== undefined)
    .sort((a, b) => a - b);
}

// A commit's line is written into a buffer this large when its text fits at its longest; a larger one gets its own.
const SCRATCH_BYTES = 512 * 1024;

/**
 * The write-ahead log of one generation, open for appending. Each commit is one line `<crc32> <json>`; a line
 * torn by a crash fails its checksum and is dropped whole on recovery, so a commit is all or nothing.
 */
export class LogFile {
  readonly gen: number;
  readonly #file: FileHandle;
  #bytes: number;
  /** Reused for each commit's line (see frame): a commit is one buffer less for the collector. Made at the first commit. */
  #scratch: Buffer | null = null;
  #appending = false;

  private constructor(gen: number, file: FileHandle, bytes: number) {
    this.gen = gen;
    this.#file = file;
    this.#bytes = bytes;
  }

  /** Opens the log of `gen`: `append` to what it holds, or `create` it empty. */
  static async open(dir: string, gen: number, how: 'append' | 'create'): Promise<LogFile> {
    const file = await open(logPath(dir, gen), how === 'append' ? 'a' : 'w');
    try {
      return new LogFile(gen, file, how === 'append' ? (await file.stat()).size : 0);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends one commit; on failure the log is cut back to whole commits. */
  async append(json: string, fsync: boolean): Promise<void> {
    // One append at a time uses the scratch: the state store waits for each commit before the next.
    const reuse = !this.#appending;
    const line = frame(json, reuse ? (this.#scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES)) : undefined);
    if (reuse) this.#appending = true;
    try {
      let written = 0;
      while (written < line.length) written += (await this.#file.write(line, written, line.length - written)).bytesWritten;
      if (fsync) await this.#file.datasync();
      this.#bytes += line.length;
    } catch (err) {
      await this.#file.truncate(this.#bytes).catch(() => undefined);
      throw err;
    } finally {
      if (reuse) this.#appending = false;
    }
  }

  async close(): Promise<void> {
    await this.#file.close().catch(() => undefined);
  }
}

/** A commit's JSON: the records' array, without the values `valueJson` leaves out. */
export function encodeCommit(records: LogRecord[], valueJson: ValueJson): string {
  let out = '[';
  for (const record of records) {
    const [namespace, key] = record;
    let entry = `[${JSON.stringify(namespace)},${JSON.stringify(key)}`;
    if (record.length > 2) {
      const value = valueJson(namespace, key, record[2]);
      if (value === undefined) continue;
      entry += `,${value}`;
    }
    out += out.length === 1 ? `${entry}]` : `,${entry}]`;
  }
  return `${out}]`;
}

/** Applies the commits of the log at `path` to `maps`; false when there is no such log. A torn last commit is cut off. */
export async function replayLog(path: string, maps: Map<string, Map<string, unknown>>, log: Logger): Promise<boolean> {
  const file = await openStateFile(path);
  if (!file) return false;
  try {
    let commits = 0;
    let good = 0;
    let offset = 0;
    const size = (await file.stat()).size;
    for await (const { line, end } of fileLines(file)) {
      const records = unframe(line);
      if (Array.isArray(records)) {
        applyRecords(records as LogRecord[], maps);
        commits++;
        good = end;
      } else {
        // Damaged in the middle (a crash only ever tears the last line): later commits still hold the newest values of their keys.
        log.error({ path, offset }, 'skipped a damaged commit in the state log; the values it changed may be older than they were');
      }
      offset = end;
    }
    if (good < size) {
      log.warn({ path, bytes: size - good, commits }, 'dropped an incomplete commit at the end of the state log (the process stopped while writing it)');
      const writable = await open(path, 'r+').catch(() => null);
      await writable?.truncate(good).catch(() => undefined);
      await writable?.close();
    }
    log.debug({ path, commits }, 'state log replayed');
    return true;
  } catch (err) {
    throw new StateError(`cannot read ${path}: ${(err as Error).message}`);
  } finally {
    await file.close().catch(() => undefined);
  }
}

/** Sets (or with no value, deletes) each record's key. */
export function applyRecords(records: LogRecord[], maps: Map<string, Map<string, unknown>>): void {
  for (const record of records) {
    const [namespace, key] = record;
    let map = maps.get(namespace);
    if (!map) maps.set(namespace, (map = new Map()));
    if (record.length > 2) map.set(key, record[2]);
    else map.delete(key);
  }
}
