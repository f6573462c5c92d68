import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { StateError } from './state-error.js';
import { fileLines, openStateFile, sealLine, unframe } from './state-frame.js';

/** One change in a commit: the key's new value, or none when the key was deleted. */
export type LogRecord = [namespace: string, key: string, value?: unknown];

/** A value's JSON text, or undefined to leave the value out. */
export type ValueJson = (namespace: string, key: string, value: unknown) => string | undefined;

/** Takes JSON text a piece at a time. */
export interface TextSink {
  add(text: string): void;
}

/** Writes a value's JSON text into `out`; false to leave the value out (whatever it wrote is then cut off). */
export type ValueWriter = (namespace: string, key: string, value: unknown, out: TextSink) => boolean;

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

// The buffer a log writes its commits' lines into is kept for the next commit up to this size.
const KEPT_LINE_BYTES = 4 << 20;

/**
 * One line of a state file written as UTF-8 piece by piece into one buffer (at offset 9, after the checksum's place):
 * a commit's text never exists as one string, which would be built of thousands of pieces and then copied whole to
 * be encoded.
 */
export class LineWriter implements TextSink {
  #buffer: Buffer;
  #end = 9;

  constructor(bytes: number) {
    this.#buffer = Buffer.allocUnsafe(bytes);
  }

  /** Bytes in the buffer, for reuse: a writer that grew past what is worth keeping is dropped. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** Where the next piece goes (for `cut`). */
  get end(): number {
    return this.#end;
  }

  add(text: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit, and one for the newline.
    const need = this.#end + text.length * 3 + 1;
    if (need > this.#buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.#buffer.length * 2));
      this.#buffer.copy(bigger, 0, 0, this.#end);
      this.#buffer = bigger;
    }
    this.#end += this.#buffer.write(text, this.#end, 'utf8');
  }

  /** Drops what was written after `end`. */
  cut(end: number): void {
    this.#end = end;
  }

  /** The framed line (see sealLine); valid until the writer is started again. */
  line(): Buffer {
    return sealLine(this.#buffer, this.#end - 9);
  }

  /** Empties the writer for the next line. */
  restart(): void {
    this.#end = 9;
  }
}

/** Writes a commit's JSON, the records' array without the values `writeValue` leaves out, into `out`. */
export function writeCommit(records: LogRecord[], writeValue: ValueWriter, out: LineWriter): void {
  out.add('[');
  let first = true;
  for (const record of records) {
    const [namespace, key] = record;
    const start = out.end;
    out.add(`${first ? '[' : ',['}${JSON.stringify(namespace)},${JSON.stringify(key)}`);
    if (record.length > 2) {
      out.add(',');
      if (!writeValue(namespace, key, record[2], out)) {
        out.cut(start);
        continue;
      }
    }
    out.add(']');
    first = false;
  }
  out.add(']');
}

/**
 * The write-ahead log of one generation, open for appending. Each commit is one line `<crc32> <json>`; a line
 * torn by a crash fails its checksum and is dropped whole on recovery, so a commit is all or nothing.
 */
export class LogFile {
  readonly gen: number;
  readonly #file: FileHandle;
  #bytes: number;
  /** Kept from one commit to the next, while the state store waits for each commit before the next. */
  #writer: LineWriter | null = null;

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

  /** Appends one commit of `records`; on failure the log is cut back to whole commits. */
  async append(records: LogRecord[], writeValue: ValueWriter, fsync: boolean): Promise<void> {
    const writer = this.#writer ?? new LineWriter(64 * 1024);
    this.#writer = null;
    writer.restart();
    writeCommit(records, writeValue, writer);
    const line = writer.line();
    try {
      let written = 0;
      while (written < line.length) written += (await this.#file.write(line, written, line.length - written)).bytesWritten;
      if (fsync) await this.#file.datasync();
      this.#bytes += line.length;
    } catch (err) {
      await this.#file.truncate(this.#bytes).catch(() => undefined);
      throw err;
    } finally {
      if (writer.capacity <= KEPT_LINE_BYTES) this.#writer = writer;
    }
  }

  async close(): Promise<void> {
    await this.#file.close().catch(() => undefined);
  }
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
