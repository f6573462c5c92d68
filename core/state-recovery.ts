import { readdir } from 'node:fs/promises';
import type { Logger } from './logger.js';
import { logGenerations, logPath, replayLog } from './state-log.js';
import { loadSnapshot, removeStaleFiles, snapshotPath } from './state-snapshot.js';

/** A state file that should have been there at start and was not: what it held is lost. */
export type MissingStateFile = 'snapshot' | 'log' | 'all';

export interface Recovered {
  /** The generation of the newest log: commits go on in it. */
  gen: number;
  /** The snapshot's size in bytes, 0 without one. */
  snapshotBytes: number;
  /** What was missing, with the line logged about it; empty when the state was whole (or new). */
  missing: { file: MissingStateFile; message: string }[];
}

/**
 * Loads the state in `dir` into `maps`: the snapshot, then its own log, then any newer ones that a
 * compaction stopped before renaming its snapshot left. What is missing is said, and what remains is kept.
 */
export async function recoverState(dir: string, maps: Map<string, Map<string, unknown>>, log: Logger): Promise<Recovered> {
  const found = await loadSnapshot(dir, maps);
  let gen = found?.gen ?? 0;
  const snapshotGen = gen;
  const path = snapshotPath(dir);
  const logs = await logGenerations(dir);
  const missing: Recovered['missing'] = [];
  const report = (file: MissingStateFile, fields: Record<string, unknown>, message: string): void => {
    missing.push({ file, message });
    log.warn({ ...fields, missing: file }, message);
  };
  if (!found && logs.length > 0 && logs[0]! > 0) {
    // Generation 0 is the only one without a snapshot before it: a later log means the snapshot was there and is gone.
    report('snapshot', { path, logs: logs.map((g) => logPath(dir, g)) }, `the state snapshot ${path} is missing: only the changes in the logs after it are recovered, and what the snapshot held (alerts, devices, stored messages) is lost`);
    gen = logs[0]!;
  } else if (found && !logs.includes(gen)) {
    report('log', { path: logPath(dir, gen) }, `the state log ${logPath(dir, gen)} is missing: the state is as the snapshot saved it${logs.some((g) => g > gen) ? ' plus the newer logs' : ''}, and changes made after the snapshot are lost`);
  } else if (!found && logs.length === 0) {
    // Every start creates a log at once; a lock or a temporary snapshot without one means the state was there and is gone.
    const leftovers = (await readdir(dir)).filter((name) => name === 'state.lock' || name === 'state.json.tmp');
    if (leftovers.length > 0) report('all', { dir, found: leftovers }, `the state snapshot and logs in ${dir} are missing, though an earlier run used it (${leftovers.join(', ')} left): starting with empty state, and every alert, device and stored message is lost`);
    else log.debug({ dir }, 'no state yet: starting empty');
  }
  await replayLog(logPath(dir, gen), maps, log);
  while (await replayLog(logPath(dir, gen + 1), maps, log)) gen++;
  await removeStaleFiles(dir, snapshotGen, true);
  return { gen, snapshotBytes: found?.bytes ?? 0, missing };
}
