import type { Logger } from './logger.js';
import { logGenerations, logPath, replayLog } from './state-log.js';
import { readSnapshot, removeStaleFiles, snapshotPath } from './state-snapshot.js';

export interface Recovered {
  /** The generation of the newest log: commits go on in it. */
  gen: number;
  /** The snapshot's size in characters, 0 without one. */
  snapshotChars: number;
}

/**
 * Loads the state in `dir` into `maps`: the snapshot, then its own log, then any newer ones that a
 * compaction stopped before renaming its snapshot left. What is missing is said, and what remains is kept.
 */
export async function recoverState(dir: string, maps: Map<string, Map<string, unknown>>, log: Logger): Promise<Recovered> {
  const found = await readSnapshot(dir);
  let gen = 0;
  let snapshotGen = 0;
  if (found) {
    gen = snapshotGen = found.snapshot.gen;
    for (const [name, entries] of Object.entries(found.snapshot.namespaces)) maps.set(name, new Map(entries));
  }
  const path = snapshotPath(dir);
  const logs = await logGenerations(dir);
  if (!found && logs.length > 0 && logs[0]! > 0) {
    // Generation 0 is the only one without a snapshot before it: a later log means the snapshot was there and is gone.
    log.error({ path, logs: logs.map((g) => logPath(dir, g)) }, `the state snapshot ${path} is missing: only the changes in the logs after it are recovered, and what the snapshot held (alerts, devices, stored messages) is lost`);
    gen = logs[0]!;
  } else if (found && !logs.includes(gen)) {
    log.error({ path: logPath(dir, gen) }, `the state log ${logPath(dir, gen)} is missing: the state is as the snapshot saved it${logs.some((g) => g > gen) ? ' plus the newer logs' : ''}, and changes made after the snapshot are lost`);
  } else if (!found && logs.length === 0) {
    log.debug({ dir }, 'no state yet: starting empty');
  }
  await replayLog(logPath(dir, gen), maps, log);
  while (await replayLog(logPath(dir, gen + 1), maps, log)) gen++;
  await removeStaleFiles(dir, snapshotGen, true);
  return { gen, snapshotChars: found?.chars ?? 0 };
}
