import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appendFile, cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { StateError } from '../../core/state-error.js';
import { StateStore, type StateStoreOptions } from '../../core/state-store.js';
import { metricValue } from '../helpers/metrics.js';
import { tempDir } from '../helpers/paths.js';
import type { LogLine } from '../helpers/runtime.js';

interface Opened {
  store: StateStore;
  logs: LogLine[];
  metrics: Metrics;
}

async function counter(metrics: Metrics, name: 'stateCommits' | 'stateWriteErrors'): Promise<number> {
  return (await metrics[name].get()).values[0]?.value ?? 0;
}

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('StateStore', () => {
  let dir: { path: string; remove(): Promise<void> };
  let open: StateStore[];

  async function openStore(path = dir.path, options: Partial<StateStoreOptions> = {}): Promise<Opened> {
    const logs: LogLine[] = [];
    const log = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    const metrics = new Metrics(false);
    const store = new StateStore({ dir: path, fsync: false, compactBytes: 1 << 20, ...options }, log, metrics);
    open.push(store);
    await store.open();
    return { store, logs, metrics };
  }

  /**
   * The directory as a crash would leave it: a copy taken now, while the store is still running. A file
   * that a background compaction deletes during the copy makes the copy start again.
   */
  async function crashCopy(name = 'copy'): Promise<string> {
    const copy = join(dirname(dir.path), `${basename(dir.path)}-${name}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await cp(dir.path, copy, { recursive: true });
        return copy;
      } catch (err) {
        await rm(copy, { recursive: true, force: true });
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 10) throw err;
      }
    }
  }

  beforeEach(async () => {
    dir = await tempDir('switchboard-state-');
    open = [];
  });

  afterEach(async () => {
    for (const store of open) await store.close();
    const parent = dirname(dir.path);
    for (const name of await readdir(parent)) if (name.startsWith(`${basename(dir.path)}-`)) await rm(join(parent, name), { recursive: true, force: true });
    await dir.remove();
  });

  it('keeps values across close and reopen, per namespace', async () => {
    const { store } = await openStore();
    const a = store.namespace<{ n: number }>('a');
    const b = store.namespace<string>('b');
    a.set('one', { n: 1 });
    a.set('two', { n: 2 });
    b.set('one', 'uno');
    a.delete('two');
    const obj = a.get('one')!;
    obj.n = 11;
    a.touch('one');
    await store.close();

    const { store: again } = await openStore();
    assert.deepEqual([...again.namespace('a')], [['one', { n: 11 }]]);
    assert.deepEqual([...again.namespace('b')], [['one', 'uno']]);
    assert.equal(again.namespace('empty').size, 0);
  });

  it('keeps committed values after a crash (the directory as left by a running store)', async () => {
    const { store } = await openStore();
    const ns = store.namespace<number>('counts');
    ns.set('x', 1);
    await store.flushed();
    ns.set('y', 2);
    ns.delete('x');
    await store.flushed();

    const { store: recovered } = await openStore(await crashCopy());
    assert.deepEqual([...recovered.namespace('counts')], [['y', 2]]);
  });

  it('a second store on the same directory in this process takes over and sees the committed data', async () => {
    const { store } = await openStore();
    store.namespace<string>('n').set('k', 'v');
    await store.flushed();
    const { store: second } = await openStore();
    assert.equal(second.namespace<string>('n').get('k'), 'v');
  });

  for (const [name, tear] of [
    ['garbage appended', (wal: string) => appendFile(wal, 'deadbeef [["n","torn",1]]')],
    ['a line cut in the middle', async (wal: string) => truncate(wal, (await readFile(wal)).length - 7)],
    ['a complete line with a wrong checksum', (wal: string) => appendFile(wal, '00000000 [["n","torn",1]]\n')],
  ] as const) {
    it(`drops a torn last commit (${name}) with a warning and keeps the earlier ones`, async () => {
      const { store } = await openStore();
      const ns = store.namespace<number>('n');
      ns.set('first', 1);
      await store.flushed();
      ns.set('second', 2);
      await store.flushed();
      if (name === 'a line cut in the middle') {
        // A third commit, to be cut short as a crash during its write would.
        ns.set('torn', 3);
        await store.flushed();
      }
      const copy = await crashCopy();
      await tear(join(copy, 'state.0.wal'));

      const { store: recovered, logs } = await openStore(copy);
      const n = recovered.namespace<number>('n');
      assert.deepEqual([...n], [['first', 1], ['second', 2]]);
      const warning = logs.find((l) => l.level === 'warn' && /dropped an incomplete commit/.test(l.msg));
      assert.ok(warning, `a warning; logs: ${JSON.stringify(logs)}`);
      assert.equal(warning.commits, 2);

      // The torn tail is gone, so what is written next is readable after another crash.
      n.set('third', 3);
      await recovered.flushed();
      const again = `${copy}-again`;
      await cp(copy, again, { recursive: true });
      const { store: third, logs: thirdLogs } = await openStore(again);
      assert.deepEqual([...third.namespace('n')], [['first', 1], ['second', 2], ['third', 3]]);
      assert.equal(thirdLogs.filter((l) => l.level === 'warn').length, 0);
    });
  }

  it('skips a damaged commit in the middle of the log, says so, and keeps the commits after it', async () => {
    const { store } = await openStore();
    const ns = store.namespace<number>('n');
    for (const [key, value] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      ns.set(key, value);
      await store.flushed();
    }
    const copy = await crashCopy();
    const wal = join(copy, 'state.0.wal');
    const lines = (await readFile(wal, 'utf8')).split('\n');
    // Flip one character of the second commit's JSON: its checksum no longer matches.
    lines[1] = lines[1]!.replace('"b",2', '"b",7');
    await writeFile(wal, lines.join('\n'));

    const { store: recovered, logs } = await openStore(copy);
    assert.deepEqual([...recovered.namespace('n')], [['a', 1], ['c', 3]]);
    assert.ok(logs.some((l) => l.level === 'error' && /skipped a damaged commit/.test(l.msg)), `an error naming the damage; logs: ${JSON.stringify(logs)}`);
  });

  it('refuses a snapshot that is not its own with a clear StateError', async () => {
    await writeFile(join(dir.path, 'state.json'), '{"something": "else"}');
    const store = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
    await assert.rejects(store.open(), (err: Error) => err instanceof StateError && /is not a Switchboard state snapshot/.test(err.message) && /move it away/.test(err.message));
  });

  it('reads a snapshot in the earlier format (one JSON object) and writes the line format from then on', async () => {
    const v1 = { format: 1, gen: 3, savedAt: '2026-01-01T00:00:00.000Z', namespaces: { n: [['a', { x: 1 }], ['b', 'two']] } };
    await writeFile(join(dir.path, 'state.json'), JSON.stringify(v1));
    const { store } = await openStore();
    assert.deepEqual([...store.namespace('n')], [['a', { x: 1 }], ['b', 'two']]);
    store.namespace<string>('n').set('c', 'three');
    await store.close();
    const lines = (await readFile(join(dir.path, 'state.json'), 'utf8')).trimEnd().split('\n');
    assert.match(lines[0]!, /^[0-9a-f]{8} \{"format":2,"gen":4,/);
    assert.equal(lines.at(-1)!.slice(9), '{"end":true,"records":3}');
    const { store: again } = await openStore();
    assert.deepEqual([...again.namespace('n')], [['a', { x: 1 }], ['b', 'two'], ['c', 'three']]);
  });

  it('refuses a snapshot that is cut short or damaged, naming it', async () => {
    const { store } = await openStore();
    const n = store.namespace<string>('n');
    for (let i = 0; i < 2000; i++) n.set(`k${i}`, 'v'.repeat(200));
    await store.close();
    const snapshot = await readFile(join(dir.path, 'state.json'));
    assert.ok(snapshot.toString('latin1').split('\n').length > 3, 'written in several lines');
    for (const [what, damaged] of [
      ['cut short', snapshot.subarray(0, snapshot.lastIndexOf('\n', snapshot.length - 2) + 1)],
      ['a damaged line', Buffer.concat([snapshot.subarray(0, 200), Buffer.from('X'), snapshot.subarray(201)])],
    ] as const) {
      await writeFile(join(dir.path, 'state.json'), damaged);
      const broken = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
      await assert.rejects(broken.open(), (err: Error) => err instanceof StateError && err.message.includes(`${join(dir.path, 'state.json')} is not a whole Switchboard state snapshot (${what}`) && /move it away/.test(err.message));
    }
  });

  it('compacts into one snapshot and one log without losing anything', async () => {
    const { store, metrics } = await openStore(dir.path, { compactBytes: 300 });
    const ns = store.namespace<{ i: number; pad: string }>('bulk');
    for (let i = 0; i < 60; i++) {
      ns.set(`k${i}`, { i, pad: 'x'.repeat(40) });
      if (i % 3 === 0) ns.delete(`k${i - 1}`);
      await store.flushed();
    }
    const expected = [...ns].map(([k, v]) => [k, v]);
    assert.equal(expected.length, 60 - 19);
    assert.ok((await counter(metrics, 'stateCommits')) >= 60);

    // A crash at any point, even during a compaction, recovers everything.
    const { store: crashed } = await openStore(await crashCopy());
    assert.deepEqual([...crashed.namespace('bulk')], expected);

    await store.close();
    const files = (await readdir(dir.path)).sort();
    assert.equal(files.length, 2, `files: ${files.join(', ')}`);
    assert.equal(files[1], 'state.json');
    assert.match(files[0]!, /^state\.\d+\.wal$/);
    assert.notEqual(files[0], 'state.0.wal', 'compaction happened');
    const exposed = await metrics.registry.metrics();
    assert.ok((metricValue(exposed, 'switchboard_state_snapshot_duration_seconds_count') ?? 0) >= 1, 'each snapshot written is timed');
    const { store: reopened, metrics: reopenedMetrics } = await openStore();
    assert.deepEqual([...reopened.namespace('bulk')], expected);
    const loaded = metricValue(await reopenedMetrics.registry.metrics(), 'switchboard_state_recovery_seconds');
    assert.ok(loaded !== undefined && loaded > 0, `loading the state at start is timed (${loaded})`);
  });

  it('reads back a snapshot and a log of megabytes whose lines cross the chunks they are read in', async () => {
    const { store } = await openStore(dir.path, { compactBytes: 64 << 20 });
    const ns = store.namespace<{ i: number; text: string }>('big');
    // Values of varying sizes, some with multi-byte characters, so that lines end anywhere in a chunk.
    for (let i = 0; i < 3000; i++) ns.set(`k${i}`, { i, text: `${'é'.repeat(i % 7)}${'x'.repeat(500 + (i % 997))}` });
    await store.flushed();
    // One commit larger than a chunk (1 MiB): its line spans two reads.
    for (let i = 0; i < 3; i++) ns.set(`huge${i}`, { i, text: 'y'.repeat(600_000) });
    await store.flushed();
    const expected = [...ns].map(([k, v]) => [k, v]);
    const { store: fromLog } = await openStore(await crashCopy());
    assert.deepEqual([...fromLog.namespace('big')], expected, 'replayed from the log');
    await store.close();
    const { store: fromSnapshot } = await openStore();
    assert.deepEqual([...fromSnapshot.namespace('big')], expected, 'loaded from the snapshot written at the stop');
  });

  it('recovers every durable change from a crash at any moment of a snapshot written while commits go on', async function () {
    this.timeout(30000);
    const { store } = await openStore(dir.path, { compactBytes: 65536 });
    const ns = store.namespace<{ v: number; pad: string }>('n');
    const keys = 3000;
    const version = new Array<number>(keys).fill(0);
    const pad = 'p'.repeat(150);
    const change = (i: number): void => {
      version[i]!++;
      if (version[i]! % 7 === 0) ns.delete(`k${i}`);
      else ns.set(`k${i}`, { v: version[i]!, pad });
    };
    for (let i = 0; i < keys; i++) change(i);
    await store.flushed();
    for (let round = 0; round < 12; round++) {
      // A burst of changes the snapshot being written may or may not see; then a crash copy taken while more go on.
      for (let j = 0; j < 500; j++) change((round * 997 + j * 31) % keys);
      await store.flushed();
      const durable = [...version];
      const copying = crashCopy(`round${round}`);
      for (let j = 0; j < 200; j++) change((round * 13 + j * 17) % keys);
      const copy = await copying;
      const after = [...version];
      await store.flushed();
      const recovered = new StateStore({ dir: copy, fsync: false, compactBytes: 65536 }, createLogger('silent'), new Metrics(false));
      await recovered.open();
      const got = recovered.namespace<{ v: number }>('n');
      for (let i = 0; i < keys; i++) {
        const value = got.get(`k${i}`);
        if (value === undefined) {
          // Deleted at some version between the durable one and the last.
          const deleted = Array.from({ length: after[i]! - durable[i]! + 1 }, (_, k) => durable[i]! + k).some((v) => v % 7 === 0);
          assert.ok(deleted, `round ${round}: k${i} lost (durable version ${durable[i]})`);
        } else {
          assert.ok(value.v >= durable[i]! && value.v <= after[i]!, `round ${round}: k${i} at version ${value.v}, durable ${durable[i]}, latest ${after[i]}`);
        }
      }
      await recovered.close();
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('counts changes (seq), commits them in one write per turn (durableSeq) and tells waiters and listeners', async () => {
    const { store, metrics } = await openStore();
    const commits: number[] = [];
    store.onCommit(() => commits.push(store.durableSeq));
    const ns = store.namespace<number>('n');
    assert.equal(store.seq, 0);
    assert.equal(store.durableSeq, 0);
    let called = false;
    store.whenDurable(() => (called = true));
    assert.equal(called, true, 'nothing pending: at once');

    for (let i = 0; i < 100; i++) ns.set(`k${i % 10}`, i);
    assert.equal(store.seq, 100);
    assert.equal(store.durableSeq, 0);
    const order: string[] = [];
    store.whenDurable(() => order.push('first'));
    ns.set('later', 1);
    store.whenDurable(() => order.push('second'));
    assert.deepEqual(order, [], 'waits for the disk');
    await store.flushed();
    assert.equal(store.durableSeq, 101);
    assert.deepEqual(order, ['first', 'second']);
    assert.equal(await counter(metrics, 'stateCommits'), 1, 'one commit for the whole turn');
    assert.deepEqual(commits, [101]);

    ns.set('k1', -1);
    await store.flushed();
    assert.equal(await counter(metrics, 'stateCommits'), 2);
    assert.deepEqual(commits, [101, 102]);
    const wal = (await readFile(join(dir.path, 'state.0.wal'), 'utf8')).trim().split('\n');
    assert.equal(wal.length, 2, 'one log line per commit');
    assert.equal(JSON.parse(wal[0]!.slice(9)).length, 11, 'changes to one key are coalesced within a commit');
  });

  it('refuses a state directory another live process holds, naming its pid', async () => {
    const other = process.ppid;
    await writeFile(join(dir.path, 'state.lock'), String(other));
    const store = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
    await assert.rejects(store.open(), (err: Error) => {
      assert.ok(err instanceof StateError);
      assert.equal(err.message, `state.dir ${dir.path} is in use by another Switchboard (pid ${other}); stop it or choose another state.dir`);
      return true;
    });
    assert.equal(await readFile(join(dir.path, 'state.lock'), 'utf8'), String(other), 'the lock is left alone');
  });

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(dir.path, 'state.lock'), String(gone));
    const { store } = await openStore();
    assert.equal(store.degraded, null);
    assert.equal(await readFile(join(dir.path, 'state.lock'), 'utf8'), String(process.pid));
    store.namespace<number>('n').set('k', 1);
    await store.flushed();
    await store.close();
    assert.ok(!(await readdir(dir.path)).includes('state.lock'), 'released at close');
  });

  it('says at start when the snapshot or its log is missing, and what that loses, in a warning and a gauge', async () => {
    const first = await openStore();
    first.store.namespace<string>('n').set('in-snapshot', 'x');
    await first.store.close();
    const second = await openStore();
    second.store.namespace<string>('n').set('in-log', 'y');
    await second.store.flushed();
    await second.store.close();
    const names = (await readdir(dir.path)).sort();
    const log = names.find((n) => /^state\.\d+\.wal$/.test(n))!;
    assert.ok(log && names.includes('state.json'), names.join(', '));
    const missingGauge = async (metrics: Metrics, file: string): Promise<number | undefined> => (await metrics.stateMissingFiles.get()).values.find((v) => v.labels.file === file)?.value;

    const noLog = await crashCopy('no-log');
    await rm(join(noLog, log));
    const a = await openStore(noLog);
    const missingLog = a.logs.find((l) => l.level === 'warn' && /state log .* is missing/.test(l.msg));
    assert.ok(missingLog, 'a missing log is reported');
    assert.equal(missingLog.msg, `the state log ${join(noLog, log)} is missing: the state is as the snapshot saved it, and changes made after the snapshot are lost`);
    assert.deepEqual(a.store.missing.map((m) => m.file), ['log']);
    assert.equal(await missingGauge(a.metrics, 'log'), 1);
    assert.equal(a.store.namespace<string>('n').get('in-snapshot'), 'x', 'what the snapshot holds is kept');

    const noSnapshot = await crashCopy('no-snapshot');
    await rm(join(noSnapshot, 'state.json'));
    const b = await openStore(noSnapshot);
    const missingSnapshot = b.logs.find((l) => l.level === 'warn' && /snapshot .* is missing/.test(l.msg));
    assert.ok(missingSnapshot, 'a missing snapshot is reported');
    assert.match(missingSnapshot.msg, /^the state snapshot .*state\.json is missing: only the changes in the logs after it are recovered/);
    assert.deepEqual(b.store.missing.map((m) => m.file), ['snapshot']);
    assert.equal(await missingGauge(b.metrics, 'snapshot'), 1);
    assert.equal(await missingGauge(b.metrics, 'log'), undefined);

    // Both gone after a crash (the lock it left says the directory was in use).
    const none = await crashCopy('none');
    for (const name of await readdir(none)) if (name !== 'state.lock') await rm(join(none, name));
    await writeFile(join(none, 'state.lock'), String(spawnSync(process.execPath, ['-e', '']).pid));
    const c = await openStore(none);
    const missingAll = c.logs.find((l) => l.level === 'warn' && /snapshot and logs .* are missing/.test(l.msg));
    assert.ok(missingAll, `both missing are reported; logs: ${JSON.stringify(c.logs.map((l) => l.msg))}`);
    assert.equal(missingAll.msg, `the state snapshot and logs in ${none} are missing, though an earlier run used it (state.lock left): starting with empty state, and every alert, device and stored message is lost`);
    assert.equal(await missingGauge(c.metrics, 'all'), 1);

    const fresh = await openStore(join(dir.path, 'fresh'));
    assert.ok(!fresh.logs.some((l) => l.level === 'warn' || l.level === 'error'), 'a new state directory is not a problem');
    assert.ok(fresh.logs.some((l) => l.msg === 'no state yet: starting empty'));
    assert.deepEqual(fresh.store.missing, []);
  });

  it('takes over a lock whose process has exited but is not reaped yet (a zombie)', async function () {
    this.timeout(10000);
    // The shell's background child exits at once; its parent then execs into sleep, which never waits for it.
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      await waitFor(() => /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${zombie}/stat`, 'latin1')), 5000, 'the child to be a zombie');
      await writeFile(join(dir.path, 'state.lock'), String(zombie));
      const { store } = await openStore();
      assert.equal(store.degraded, null);
      assert.equal(await readFile(join(dir.path, 'state.lock'), 'utf8'), String(process.pid));
      await store.close();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('fails closed when the disk refuses writes (nothing counts as durable), keeps the last snapshot, and writes again once it can', async function () {
    this.timeout(10000);
    const first = await openStore();
    first.store.namespace<string>('n').set('before', 'kept');
    await first.store.close();
    const snapshot = await readFile(join(dir.path, 'state.json'));

    // The lock file cannot be created (a directory is in its place), as on a read-only or broken disk.
    await mkdir(join(dir.path, 'state.lock'));
    const { store, logs, metrics } = await openStore();
    assert.ok(store.degraded, 'degraded');
    const error = logs.find((l) => l.level === 'error');
    assert.ok(error, 'an error is logged');
    assert.match(error.msg, new RegExp(`^cannot write state to ${dir.path} \\(.+\\): no message is acknowledged and none taken until the disk accepts writes again \\(the broker keeps them\\); retrying$`));
    assert.equal((await metrics.stateDegraded.get()).values[0]?.value, 1);

    const ns = store.namespace<string>('n');
    assert.equal(ns.get('before'), 'kept', 'served from the snapshot');
    ns.set('during', 'outage');
    assert.ok(store.durableSeq < store.seq, 'a change made while the disk fails is not durable');
    let released = false;
    store.whenDurable(() => (released = true));
    assert.equal(released, false, 'whoever waits for the disk keeps waiting');
    assert.deepEqual(await readFile(join(dir.path, 'state.json')), snapshot, 'the snapshot is untouched');

    await rm(join(dir.path, 'state.lock'), { recursive: true });
    await waitFor(() => store.degraded === null, 5000, 'the store to write again');
    assert.equal(released, true, 'released once the change is on disk');
    assert.equal(store.durableSeq, store.seq);
    assert.ok(logs.some((l) => l.level === 'warn' && l.msg === 'state is written to disk again'));
    assert.equal((await metrics.stateDegraded.get()).values[0]?.value, 0);
    ns.set('after', 'recovery');
    await store.flushed();

    const { store: crashed } = await openStore(await crashCopy());
    assert.deepEqual([...crashed.namespace('n')].sort(), [['after', 'recovery'], ['before', 'kept'], ['during', 'outage']]);
  });

  it('keeps committing while a snapshot cannot be written, and recovers from the older snapshot and every log after it', async () => {
    const { store } = await openStore(dir.path, { compactBytes: 65536 });
    const ns = store.namespace<string>('n');
    ns.set('before', 'x');
    await store.close();
    const again = await openStore(dir.path, { compactBytes: 65536 });
    // The snapshot of the next compaction cannot be written: a directory is where its temporary file goes.
    await mkdir(join(dir.path, 'state.json.tmp'));
    const n = again.store.namespace<string>('n');
    for (let i = 0; i < 200; i++) {
      n.set(`k${i}`, 'y'.repeat(1000));
      await again.store.flushed();
    }
    assert.equal(again.store.degraded, null, 'commits still work: the store is not degraded');
    assert.ok((await counter(again.metrics, 'stateWriteErrors')) >= 1, 'the failed snapshot is counted');
    assert.ok(again.logs.some((l) => l.level === 'error' && /could not write a state snapshot/.test(l.msg)), 'and logged');
    const files = (await readdir(dir.path)).filter((f) => f.endsWith('.wal')).sort();
    assert.ok(files.length >= 2, `the older logs are kept while no newer snapshot holds them: ${files.join(', ')}`);

    const copy = await crashCopy();
    await rm(join(copy, 'state.json.tmp'), { recursive: true });
    const { store: recovered } = await openStore(copy);
    const values = recovered.namespace<string>('n');
    assert.equal(values.size, 201);
    assert.equal(values.get('before'), 'x');
    assert.equal(values.get('k199'), 'y'.repeat(1000));
  });

  it('loses nothing committed when a compaction fails half-way and the disk then fills up', async function () {
    this.timeout(10000);
    const { store, metrics } = await openStore(dir.path, { compactBytes: 1 });
    // The next log cannot be created (a directory is in its place), as when the disk is out of inodes.
    await mkdir(join(dir.path, 'state.1.wal'));
    const ns = store.namespace<number>('n');
    ns.set('a', 1);
    await store.flushed();
    assert.ok(store.degraded, 'the failed compaction is reported');
    // From now on a snapshot cannot be written either, while small log appends still fit.
    await mkdir(join(dir.path, 'state.json.tmp'));
    ns.set('b', 2);
    const commits = await counter(metrics, 'stateCommits');
    const deadline = Date.now() + 5000;
    while ((await counter(metrics, 'stateCommits')) <= commits) {
      if (Date.now() > deadline) throw new Error('the store did not retry');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 50));

    // A crash now. Recovery sees the files on disk (without the two blocked paths, which a full disk would not have).
    const copy = await crashCopy();
    await rm(join(copy, 'state.1.wal'), { recursive: true });
    await rm(join(copy, 'state.json.tmp'), { recursive: true });
    const { store: recovered } = await openStore(copy);
    assert.deepEqual([...recovered.namespace('n')].sort(), [['a', 1], ['b', 2]], 'b was committed (its acknowledgement went out), so it must survive');

    await rm(join(dir.path, 'state.1.wal'), { recursive: true });
    await rm(join(dir.path, 'state.json.tmp'), { recursive: true });
    await waitFor(() => store.degraded === null, 5000, 'the store to write again');
    await store.close();
    const files = (await readdir(dir.path)).sort();
    assert.equal(files.length, 2, `one snapshot and one log: ${files.join(', ')}`);
    assert.ok(files[1] === 'state.json' && /^state\.\d+\.wal$/.test(files[0]!), `one snapshot and one log: ${files.join(', ')}`);
    const { store: reopened } = await openStore();
    assert.deepEqual([...reopened.namespace('n')].sort(), [['a', 1], ['b', 2]]);
  });

  it('logs and skips a value that cannot be serialized, and writes the rest of the batch', async () => {
    const { store, logs } = await openStore(dir.path, { compactBytes: 1 });
    const ns = store.namespace<unknown>('n');
    ns.set('good', { ok: true });
    ns.set('big', 10n);
    ns.set('also', 'fine');
    await store.flushed();
    const error = logs.find((l) => l.level === 'error' && l.msg === 'a state value cannot be serialized and is not persisted');
    assert.ok(error, `logged; logs: ${JSON.stringify(logs.map((l) => l.msg))}`);
    assert.equal(error.key, 'big');
    assert.equal(error.namespace, 'n');
    assert.equal(store.degraded, null, 'a bad value is not a disk failure');

    ns.set('next', 1);
    await store.flushed();
    const { store: recovered } = await openStore(await crashCopy());
    assert.deepEqual([...recovered.namespace('n')].sort(), [['also', 'fine'], ['good', { ok: true }], ['next', 1]]);
  });
});
