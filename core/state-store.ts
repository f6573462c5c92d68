import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface StateStoreOptions {
  dir: string;
  /** fdatasync each commit: survives power loss, not only a killed process. */
  fsync: boolean;
  /** Rewrite the snapshot and start a new log once the log is this large. */
  compactBytes: number;
}

/**
 * A value that writes its own JSON text, which must be valid JSON: a packet whose payload is JSON already
 * is embedded as it is rather than escaped into a string, which is most of the cost of a commit.
 */
export interface JsonText {
  toJSONText(): string;
}

/** A state directory that cannot be used at all (corrupt snapshot, in use by another process). */
export class StateError extends Error {
  override name = 'StateError';
}

type LogRecord = [namespace: string, key: string, value?: unknown];
interface Snapshot {
  format: 1;
  gen: number;
  namespaces: Record<string, [string, unknown][]>;
}

const SNAPSHOT = 'state.json';
const LOCK = 'state.lock';
const RETRY_MIN_MS = 1000;
// Each retry rewrites the whole state, so not much more often than this; but resuming must not lag a freed disk by long.
const RETRY_MAX_MS = 8000;

/**
 * Crash-safe key-value state, namespaced per owner, kept in memory and persisted as a snapshot plus a
 * write-ahead log of group commits.
 *
 * Changes are coalesced per key and written together once per event-loop turn (one append, one
 * fdatasync), so a burst of messages costs one disk write, and nothing on the message path waits for
 * disk synchronously. `seq` counts changes; `durableSeq` says how many are on disk: whoever must not
 * act before a change is durable (acknowledging a message, sending a stored packet) waits for that.
 * Each commit is one line `<crc32> <json>`; a line torn by a crash fails its checksum and is dropped
 * whole on recovery, so a commit is all or nothing. Compaction writes the snapshot to a temporary file
 * and renames it over the old one, so there is always one complete snapshot on disk.
 *
 * When the disk refuses a write (full, read-only, I/O error), the store fails closed: it says so, keeps
 * serving from memory, and nothing made since counts as durable, so no acknowledgement or stored
 * publish leaves until the change is on disk (connections stop taking messages meanwhile: the broker
 * keeps them). It retries with back-off and resumes by itself once the disk takes writes again.
 */
export class StateStore {
  readonly #opts: StateStoreOptions;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #maps = new Map<string, Map<string, unknown>>();
  readonly #dirty = new Map<string, Set<string>>();
  readonly #waiters: { seq: number; cb: () => void }[] = [];
  readonly #commitListeners: (() => void)[] = [];
  #seq = 0;
  #durable = 0;
  #scheduled = false;
  #flushing: Promise<void> | null = null;
  #wal: FileHandle | null = null;
  #walBytes = 0;
  #snapshotBytes = 0;
  /** Generation of the log being written; the snapshot on disk may be older while logs after it are replayed too. */
  #gen = 0;
  #snapshotGen = 0;
  #compacting: Promise<void> | null = null;
  #locked = false;
  #degraded: Error | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryDelay = RETRY_MIN_MS;
  #closed = false;

  constructor(opts: StateStoreOptions, log: Logger, metrics: Metrics) {
    this.#opts = opts;
    this.#log = log.child({ component: 'state' });
    this.#metrics = metrics;
  }

  get dir(): string {
    return this.#opts.dir;
  }

  /** Changes made so far. */
  get seq(): number {
    return this.#seq;
  }

  /** Changes that are on disk. */
  get durableSeq(): number {
    return this.#durable;
  }

  /** Why state is not being written, or null when it is. */
  get degraded(): Error | null {
    return this.#degraded;
  }

  async open(): Promise<void> {
    try {
      await mkdir(this.#opts.dir, { recursive: true });
    } catch (err) {
      throw new StateError(`cannot create state.dir ${this.#opts.dir}: ${(err as Error).message}`);
    }
    await this.#load();
    try {
      await this.#lock();
      this.#wal = await open(this.#walPath(this.#gen), 'a');
      this.#walBytes = (await this.#wal.stat()).size;
    } catch (err) {
      if (err instanceof StateError) throw err;
      this.#enterDegraded(err as Error);
    }
  }

  /** The map of one namespace; created empty the first time. */
  namespace<V>(name: string): StateMap<V> {
    let map = this.#maps.get(name);
    if (!map) {
      map = new Map();
      this.#maps.set(name, map);
    }
    return new StateMap<V>(name, map as Map<string, V>, this.#touch);
  }

  /** Calls `cb` once every change made so far is durable (at once when it already is). */
  whenDurable(cb: () => void): void {
    if (this.durableSeq >= this.#seq) cb();
    else this.#waiters.push({ seq: this.#seq, cb });
  }

  /** Resolves once every change made so far is durable. */
  flushed(): Promise<void> {
    return new Promise((resolve) => this.whenDurable(resolve));
  }

  /** Called after each commit (and when the store stops waiting for the disk). */
  onCommit(listener: () => void): void {
    this.#commitListeners.push(listener);
  }

  /** Writes what is pending and a fresh snapshot, then releases the state directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    while (this.#flushing) await this.#flushing;
    if (this.#dirty.size > 0) await this.#flush();
    if (this.#compacting) await this.#compacting;
    if (!this.#degraded && this.#wal) {
      try {
        await this.#startCompaction();
        await this.#compacting;
      } catch (err) {
        this.#log.error({ err }, 'could not write the state snapshot at shutdown; the log is kept and will be replayed');
      }
    }
    this.#releaseWaiters();
    await this.#wal?.close().catch(() => undefined);
    this.#wal = null;
    if (this.#locked) await unlink(join(this.#opts.dir, LOCK)).catch(() => undefined);
  }

  readonly #touch = (namespace: string, key: string): void => {
    this.#markDirty(namespace, key);
    this.#seq++;
    if (!this.#scheduled && !this.#degraded && !this.#closed) {
      this.#scheduled = true;
      setImmediate(this.#flushTick);
    }
  };

  readonly #flushTick = (): void => {
    this.#scheduled = false;
    if (!this.#flushing) void this.#flush();
  };

  #flush(): Promise<void> {
    const run = this.#writeBatch().finally(() => {
      this.#flushing = null;
      if (this.#dirty.size > 0 && !this.#degraded && !this.#scheduled && !this.#closed) {
        this.#scheduled = true;
        setImmediate(this.#flushTick);
      }
    });
    this.#flushing = run;
    return run;
  }

  async #writeBatch(): Promise<void> {
    if (this.#dirty.size === 0) return;
    const upTo = this.#seq;
    const records = this.#takeDirty();
    try {
      if (!this.#wal) throw this.#degraded ?? new Error('state log is not open');
      await this.#append(frame(this.#encode(records)));
      this.#metrics.stateCommits.labels().inc();
      if (this.#degraded) this.#leaveDegraded();
      this.#durable = upTo;
      // Relative to the snapshot's size too, so that the cost of rewriting the state stays in proportion to what is written.
      if (!this.#compacting && this.#walBytes > Math.max(this.#opts.compactBytes, 2 * this.#snapshotBytes)) await this.#startCompaction();
    } catch (err) {
      for (const [namespace, key] of records) this.#markDirty(namespace, key);
      this.#enterDegraded(err as Error);
    }
    this.#releaseWaiters();
    for (const listener of this.#commitListeners) listener();
  }

  #takeDirty(): LogRecord[] {
    const records: LogRecord[] = [];
    for (const [namespace, keys] of this.#dirty) {
      const map = this.#maps.get(namespace)!;
      for (const key of keys) records.push(map.has(key) ? [namespace, key, map.get(key)] : [namespace, key]);
    }
    this.#dirty.clear();
    return records;
  }

  /** JSON of the batch; a value that cannot be serialized is logged and left out rather than losing the batch. */
  #encode(records: LogRecord[]): string {
    let out = '[';
    for (const record of records) {
      const [namespace, key] = record;
      let entry = `[${JSON.stringify(namespace)},${JSON.stringify(key)}`;
      if (record.length > 2) {
        const value = this.#valueJson(namespace, key, record[2]);
        if (value === undefined) continue;
        entry += `,${value}`;
      }
      out += out.length === 1 ? `${entry}]` : `,${entry}]`;
    }
    return `${out}]`;
  }

  #valueJson(namespace: string, key: string, value: unknown): string | undefined {
    try {
      if (value !== null && typeof value === 'object' && typeof (value as JsonText).toJSONText === 'function') return (value as JsonText).toJSONText();
      return JSON.stringify(value) ?? 'null';
    } catch (err) {
      this.#log.error({ namespace, key, err }, 'a state value cannot be serialized and is not persisted');
      return undefined;
    }
  }

  async #append(line: Buffer): Promise<void> {
    const wal = this.#wal!;
    try {
      let written = 0;
      while (written < line.length) written += (await wal.write(line, written, line.length - written)).bytesWritten;
      if (this.#opts.fsync) await wal.datasync();
      this.#walBytes += line.length;
    } catch (err) {
      // Cut a partial line off, so the log stays a sequence of whole commits.
      await wal.truncate(this.#walBytes).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Compaction without stopping commits: the next log is opened and the snapshot built (synchronously, so
   * it holds exactly what the logs so far hold), commits go to the new log from then on, and the snapshot is
   * written in the background. Until it is renamed into place, recovery replays the old snapshot and every
   * log after it; once it is, the older logs are deleted.
   */
  async #startCompaction(): Promise<void> {
    const gen = this.#gen + 1;
    const next = await open(this.#walPath(gen), 'w');
    const json = this.#snapshotJson(gen);
    this.#snapshotBytes = json.length;
    const previous = this.#wal;
    this.#wal = next;
    this.#gen = gen;
    this.#walBytes = 0;
    this.#compacting = this.#writeSnapshot(gen, json, previous).finally(() => {
      this.#compacting = null;
    });
  }

  async #writeSnapshot(gen: number, json: string, previous: FileHandle | null): Promise<void> {
    await previous?.close().catch(() => undefined);
    const tmp = join(this.#opts.dir, `${SNAPSHOT}.tmp`);
    try {
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(json);
        if (this.#opts.fsync) await file.datasync();
      } finally {
        await file.close();
      }
      await rename(tmp, join(this.#opts.dir, SNAPSHOT));
      if (this.#opts.fsync) await syncDir(this.#opts.dir);
      this.#snapshotGen = gen;
      await this.#removeStaleFiles();
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      this.#metrics.stateWriteErrors.labels().inc();
      this.#log.error({ err, dir: this.#opts.dir }, 'could not write a state snapshot: the logs are kept (and replayed at start), and the next compaction tries again');
    }
  }

  /** The snapshot's JSON; values that cannot be serialized are left out (and logged), as in a commit. */
  #snapshotJson(gen: number): string {
    let out = `{"format":1,"gen":${gen},"savedAt":${JSON.stringify(new Date().toISOString())},"namespaces":{`;
    let firstNamespace = true;
    for (const [name, map] of this.#maps) {
      out += `${firstNamespace ? '' : ','}${JSON.stringify(name)}:[`;
      firstNamespace = false;
      let first = true;
      for (const [key, value] of map) {
        const json = this.#valueJson(name, key, value);
        if (json === undefined) continue;
        out += `${first ? '' : ','}[${JSON.stringify(key)},${json}]`;
        first = false;
      }
      out += ']';
    }
    return `${out}}}`;
  }

  async #load(): Promise<void> {
    const snapshotPath = join(this.#opts.dir, SNAPSHOT);
    let text: string | undefined;
    try {
      text = await readFile(snapshotPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StateError(`cannot read ${snapshotPath}: ${(err as Error).message}`);
    }
    if (text !== undefined) {
      this.#snapshotBytes = text.length;
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(text) as Snapshot;
        if (snapshot.format !== 1 || !Number.isInteger(snapshot.gen) || typeof snapshot.namespaces !== 'object') throw new Error('unknown format');
      } catch (err) {
        throw new StateError(`${snapshotPath} is not a Switchboard state snapshot (${(err as Error).message}); move it away to start with empty state`);
      }
      this.#gen = this.#snapshotGen = snapshot.gen;
      for (const [name, entries] of Object.entries(snapshot.namespaces)) this.#maps.set(name, new Map(entries));
    }
    const logs = (await readdir(this.#opts.dir)).map((name) => /^state\.(\d+)\.wal$/.exec(name)).filter((m) => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
    if (text === undefined && logs.length > 0 && logs[0]! > 0) {
      // Generation 0 is the only one without a snapshot before it: a later log means the snapshot was there and is gone.
      this.#log.error({ path: snapshotPath, logs: logs.map((g) => this.#walPath(g)) }, `the state snapshot ${snapshotPath} is missing: only the changes in the logs after it are recovered, and what the snapshot held (alerts, devices, stored messages) is lost`);
      this.#gen = logs[0]!;
    } else if (text !== undefined && !logs.includes(this.#gen)) {
      this.#log.error({ path: this.#walPath(this.#gen) }, `the state log ${this.#walPath(this.#gen)} is missing: the state is as the snapshot saved it${logs.some((g) => g > this.#gen) ? ' plus the newer logs' : ''}, and changes made after the snapshot are lost`);
    } else if (text === undefined && logs.length === 0) {
      this.#log.debug({ dir: this.#opts.dir }, 'no state yet: starting empty');
    }
    // The snapshot's own log, then any newer ones that a compaction stopped before renaming its snapshot left.
    await this.#replay(this.#walPath(this.#gen));
    while (await this.#replay(this.#walPath(this.#gen + 1))) this.#gen++;
    await this.#removeStaleFiles();
  }

  /** Applies a log's commits; false when there is no such log. */
  async #replay(path: string): Promise<boolean> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StateError(`cannot read ${path}: ${(err as Error).message}`);
    }
    let offset = 0;
    let commits = 0;
    let good = 0;
    while (offset < data.length) {
      const end = data.indexOf(0x0a, offset);
      if (end < 0) break;
      const records = parseLine(data.subarray(offset, end));
      if (records) {
        for (const [namespace, key, ...value] of records) {
          let map = this.#maps.get(namespace);
          if (!map) this.#maps.set(namespace, (map = new Map()));
          if (value.length > 0) map.set(key, value[0]);
          else map.delete(key);
        }
        commits++;
        good = end + 1;
      } else {
        // Damaged in the middle (a crash only ever tears the last line): later commits still hold the newest values of their keys.
        this.#log.error({ path, offset }, 'skipped a damaged commit in the state log; the values it changed may be older than they were');
      }
      offset = end + 1;
    }
    if (good < data.length) {
      this.#log.warn({ path, bytes: data.length - good, commits }, 'dropped an incomplete commit at the end of the state log (the process stopped while writing it)');
      const file = await open(path, 'r+').catch(() => null);
      await file?.truncate(good).catch(() => undefined);
      await file?.close();
    }
    this.#log.debug({ path, commits }, 'state log replayed');
    return true;
  }

  /** Deletes the logs the snapshot holds already, and a temporary snapshot left by a crash. */
  async #removeStaleFiles(): Promise<void> {
    for (const name of await readdir(this.#opts.dir)) {
      const log = /^state\.(\d+)\.wal$/.exec(name);
      if ((log && Number(log[1]) < this.#snapshotGen) || (name === `${SNAPSHOT}.tmp` && !this.#compacting)) {
        await unlink(join(this.#opts.dir, name)).catch(() => undefined);
      }
    }
  }

  async #lock(): Promise<void> {
    const path = join(this.#opts.dir, LOCK);
    try {
      const file = await open(path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      this.#locked = true;
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new StateError(`state.dir ${this.#opts.dir} is in use by another Switchboard (pid ${pid}); stop it or choose another state.dir`);
    }
    // A lock left by a process that is gone (killed or crashed): take it over.
    const file = await open(path, 'w');
    await file.writeFile(String(process.pid));
    await file.close();
    this.#locked = true;
  }

  #enterDegraded(err: Error): void {
    this.#metrics.stateWriteErrors.labels().inc();
    if (!this.#degraded) {
      this.#log.error(
        { err, dir: this.#opts.dir, code: (err as NodeJS.ErrnoException).code },
        `cannot write state to ${this.#opts.dir} (${err.message}): no message is acknowledged and none taken until the disk accepts writes again (the broker keeps them); retrying`,
      );
      this.#metrics.stateDegraded.set(1);
    }
    this.#degraded = err;
    this.#releaseWaiters();
    this.#scheduleRetry();
  }

  #leaveDegraded(): void {
    this.#log.warn({ dir: this.#opts.dir }, 'state is written to disk again');
    this.#degraded = null;
    this.#retryDelay = RETRY_MIN_MS;
    this.#metrics.stateDegraded.set(0);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = setTimeout(async () => {
      this.#retryTimer = null;
      this.#retryDelay = Math.min(this.#retryDelay * 2, RETRY_MAX_MS);
      if (!this.#wal) {
        try {
          await this.#lock();
          this.#wal = await open(this.#walPath(this.#gen), 'a');
          this.#walBytes = (await this.#wal.stat()).size;
        } catch (err) {
          this.#metrics.stateWriteErrors.labels().inc();
          this.#degraded = err as Error;
          this.#scheduleRetry();
          return;
        }
      }
      if (this.#flushing) await this.#flushing;
      // Everything in memory is rewritten, so nothing changed while the disk was failing is lost.
      for (const [namespace, map] of this.#maps) for (const key of map.keys()) this.#markDirty(namespace, key);
      await this.#flush();
      if (this.#degraded) this.#scheduleRetry();
    }, this.#retryDelay);
    this.#retryTimer.unref();
  }

  #markDirty(namespace: string, key: string): void {
    let keys = this.#dirty.get(namespace);
    if (!keys) this.#dirty.set(namespace, (keys = new Set()));
    keys.add(key);
  }

  #releaseWaiters(): void {
    const durable = this.durableSeq;
    let i = 0;
    while (i < this.#waiters.length && this.#waiters[i]!.seq <= durable) i++;
    if (i === 0) return;
    for (const { cb } of this.#waiters.splice(0, i)) cb();
  }

  #walPath(gen: number): string {
    return join(this.#opts.dir, `state.${gen}.wal`);
  }
}

/**
 * One namespace of the state store: a Map whose changes are persisted. Values must be JSON-serializable;
 * they are serialized at commit time, so a value changed in place needs `touch(key)` (or `set` again).
 */
export class StateMap<V> implements Iterable<[string, V]> {
  readonly namespace: string;
  readonly #map: Map<string, V>;
  readonly #touch: (namespace: string, key: string) => void;

  constructor(namespace: string, map: Map<string, V>, touch: (namespace: string, key: string) => void) {
    this.namespace = namespace;
    this.#map = map;
    this.#touch = touch;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  set(key: string, value: V): void {
    this.#map.set(key, value);
    this.#touch(this.namespace, key);
  }

  delete(key: string): boolean {
    const had = this.#map.delete(key);
    if (had) this.#touch(this.namespace, key);
    return had;
  }

  /** Marks a value that was changed in place as changed. */
  touch(key: string): void {
    if (this.#map.has(key)) this.#touch(this.namespace, key);
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}

/** One commit as written: `<crc32 of the JSON, 8 hex digits> <JSON>\n`, the JSON encoded once. */
function frame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const line = Buffer.allocUnsafe(length + 10);
  line.write(json, 9, 'utf8');
  line.write(crc32(line.subarray(9, 9 + length)).toString(16).padStart(8, '0'), 0, 'latin1');
  line[8] = 0x20;
  line[length + 9] = 0x0a;
  return line;
}

function parseLine(line: Buffer): LogRecord[] | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9);
  if (crc32(json) !== Number.parseInt(line.toString('latin1', 0, 8), 16)) return undefined;
  try {
    const records = JSON.parse(json.toString('utf8')) as unknown;
    return Array.isArray(records) ? (records as LogRecord[]) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** A process that has exited but is not reaped yet (its parent has not waited for it) still answers signal 0. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    // No /proc (not Linux): signal 0 is all there is to go by.
    return false;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
