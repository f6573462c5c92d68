import { mkdir } from 'node:fs/promises';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { StateError } from './state-error.js';
import { StateLock } from './state-lock.js';
import { LogFile, type LogRecord, type TextSink } from './state-log.js';
import { StateMap } from './state-map.js';
import { recoverState, type Recovered } from './state-recovery.js';
import { removeStaleFiles, writeSnapshot } from './state-snapshot.js';

export interface StateStoreOptions {
  dir: string;
  /** fdatasync each commit: survives power loss, not only a killed process. */
  fsync: boolean;
  /** Rewrite the snapshot and start a new log once the log is this large (or as large as the last snapshot, if larger). */
  compactBytes: number;
}

/**
 * A value that writes its own JSON text, which must be valid JSON: a packet whose payload is JSON already
 * is embedded as it is rather than escaped into a string, which is most of the cost of a commit.
 */
export interface JsonText {
  /** Writes the text in pieces: a commit writes them straight into its line (see LineWriter). */
  writeJSONText(out: TextSink): void;
}

/** What `writeJSONText` writes, as one string. */
export function jsonTextOf(value: JsonText): string {
  const sink = new TextCollector();
  value.writeJSONText(sink);
  return sink.text;
}

class TextCollector implements TextSink {
  text = '';

  add(piece: string): void {
    this.text += piece;
  }
}

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
 * The parts: StateMap (one namespace in memory), LogFile (the commits, framed so that a torn one is
 * dropped whole), the snapshot that compaction writes, recoverState (snapshot, then the logs) and StateLock.
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
  #wal: LogFile | null = null;
  #snapshotBytes = 0;
  /** Generation of the log being written; the snapshot on disk may be older while logs after it are replayed too. */
  #gen = 0;
  #compacting: Promise<void> | null = null;
  readonly #lock: StateLock;
  #degraded: Error | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryDelay = RETRY_MIN_MS;
  #closed = false;
  /** When close() must be done: a snapshot still being written then is given up (the logs hold everything). */
  #closeBy = Infinity;
  #missing: Recovered['missing'] = [];

  constructor(opts: StateStoreOptions, log: Logger, metrics: Metrics) {
    this.#opts = opts;
    this.#log = log.child({ component: 'state' });
    this.#metrics = metrics;
    this.#lock = new StateLock(opts.dir);
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

  /** State files that were missing at start (what they held is lost), each with the line logged about it. */
  get missing(): Recovered['missing'] {
    return this.#missing;
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
    const started = performance.now();
    const recovered = await recoverState(this.#opts.dir, this.#maps, this.#log);
    this.#metrics.stateRecoverySeconds.set((performance.now() - started) / 1000);
    this.#gen = recovered.gen;
    this.#snapshotBytes = recovered.snapshotBytes;
    this.#missing = recovered.missing;
    for (const { file } of recovered.missing) this.#metrics.stateMissingFiles.labels({ file }).set(1);
    try {
      await this.#openLog();
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

  /**
   * Writes what is pending and, when the log has grown by a quarter of the snapshot since it was written, a
   * fresh snapshot, then releases the state directory. A snapshot not finished by `deadline` (ms since the
   * epoch) is given up: the logs hold everything, the next start replays them.
   */
  async close(deadline = Infinity): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeBy = deadline;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    while (this.#flushing) await this.#flushing;
    if (this.#dirty.size > 0) await this.#flush();
    if (this.#compacting) await this.#compacting;
    if (!this.#degraded && this.#wal && (this.#snapshotBytes === 0 || this.#wal.bytes > this.#snapshotBytes / 4)) {
      try {
        await this.#startCompaction();
        await this.#compacting;
      } catch (err) {
        this.#log.error({ err }, 'could not write the state snapshot at shutdown; the log is kept and will be replayed');
      }
    }
    this.#releaseWaiters();
    await this.#wal?.close();
    this.#wal = null;
    await this.#lock.release();
  }

  async #openLog(): Promise<void> {
    await this.#lock.acquire();
    this.#wal = await LogFile.open(this.#opts.dir, this.#gen, 'append');
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
      await this.#wal.append(records, this.#writeValue, this.#opts.fsync);
      this.#metrics.stateCommits.labels().inc();
      if (this.#degraded) this.#leaveDegraded();
      this.#durable = upTo;
      // Relative to the snapshot's size too, so that rewriting the state costs in proportion to what is written,
      // and a start replays at most about twice the snapshot.
      if (!this.#compacting && this.#wal.bytes > Math.max(this.#opts.compactBytes, this.#snapshotBytes)) await this.#startCompaction();
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

  /** #writeValue as one string (for the snapshot); reused, as a value is written in one go. */
  readonly #collector = new TextCollector();
  readonly #valueJson = (namespace: string, key: string, value: unknown): string | undefined => {
    this.#collector.text = '';
    return this.#writeValue(namespace, key, value, this.#collector) ? this.#collector.text : undefined;
  };

  /** A value's JSON into `out`; one that cannot be serialized is logged and left out rather than losing the whole commit. */
  readonly #writeValue = (namespace: string, key: string, value: unknown, out: TextSink): boolean => {
    try {
      if (value !== null && typeof value === 'object' && typeof (value as JsonText).writeJSONText === 'function') (value as JsonText).writeJSONText(out);
      else out.add(JSON.stringify(value) ?? 'null');
      return true;
    } catch (err) {
      this.#log.error({ namespace, key, err }, 'a state value cannot be serialized and is not persisted');
      return false;
    }
  };

  /**
   * Compaction without stopping commits: the next log is opened and commits go to it from then on, and the
   * snapshot is written in the background a line at a time (writeSnapshot says why values changed meanwhile
   * are safe), put in place only once everything it holds is durable. Until it is renamed into place,
   * recovery replays the old snapshot and every log after it; once it is, the older logs are deleted.
   */
  async #startCompaction(): Promise<void> {
    const gen = this.#gen + 1;
    const next = await LogFile.open(this.#opts.dir, gen, 'create');
    const previous = this.#wal;
    this.#wal = next;
    this.#gen = gen;
    this.#compacting = this.#compact(gen, previous).finally(() => {
      this.#compacting = null;
    });
  }

  async #compact(gen: number, previous: LogFile | null): Promise<void> {
    await previous?.close();
    const started = performance.now();
    try {
      const bytes = await writeSnapshot({
        dir: this.#opts.dir,
        maps: this.#maps,
        gen,
        valueJson: this.#valueJson,
        fsync: this.#opts.fsync,
        stopped: () => Date.now() > this.#closeBy,
        beforeRename: () => this.#untilDurable(this.#seq),
      });
      this.#snapshotBytes = bytes;
      await removeStaleFiles(this.#opts.dir, gen, false);
      this.#metrics.stateSnapshotSeconds.labels().observe((performance.now() - started) / 1000);
      this.#log.debug({ gen, bytes, ms: Math.round(performance.now() - started) }, 'state snapshot written');
    } catch (err) {
      if (Date.now() > this.#closeBy) {
        this.#log.warn({ dir: this.#opts.dir }, 'the state snapshot was not finished by the stop deadline: the logs are kept and replayed at the next start');
        return;
      }
      this.#metrics.stateWriteErrors.labels().inc();
      this.#log.error({ err, dir: this.#opts.dir }, 'could not write a state snapshot: the logs are kept (and replayed at start), and the next compaction tries again');
    }
  }

  /** Resolves once the changes up to `seq` are on disk; rejects when the disk refuses them. */
  async #untilDurable(seq: number): Promise<void> {
    while (this.#durable < seq) {
      if (this.#degraded) throw new Error(`state cannot be written: ${this.#degraded.message}`);
      if (this.#flushing) await this.#flushing;
      else if (this.#dirty.size > 0) await this.#flush();
      else throw new Error('changes are neither on disk nor pending');
    }
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
          await this.#openLog();
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
}
