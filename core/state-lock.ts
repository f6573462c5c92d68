import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from './state-error.js';

/** The PID lock on a state directory: one Switchboard at a time writes it. */
export class StateLock {
  readonly #dir: string;
  readonly #path: string;
  #held = false;

  constructor(dir: string) {
    this.#dir = dir;
    this.#path = join(dir, 'state.lock');
  }

  /** Takes the lock, or takes over one left by a process that is gone; a StateError while another one runs. */
  async acquire(): Promise<void> {
    try {
      const file = await open(this.#path, 'wx');
      await file.writeFile(String(process.pid));
      await file.close();
      this.#held = true;
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(this.#path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new StateError(`state.dir ${this.#dir} is in use by another Switchboard (pid ${pid}); stop it or choose another state.dir`);
    }
    // A lock left by a process that is gone (killed or crashed): take it over.
    const file = await open(this.#path, 'w');
    await file.writeFile(String(process.pid));
    await file.close();
    this.#held = true;
  }

  async release(): Promise<void> {
    if (this.#held) await unlink(this.#path).catch(() => undefined);
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
