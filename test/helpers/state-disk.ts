import { execFile } from 'node:child_process';
import { mkdir, open, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What goes wrong with the disk: no space left, or nothing may be changed. */
export type DiskFault = 'full' | 'read-only';

/**
 * A state directory whose disk can be made to fail while a runtime uses it, and work again — without
 * touching the machine's own disk:
 * - `full`: the directory is a 4 MiB tmpfs, filled up by a file (writes fail with ENOSPC);
 * - `read-only`: `chattr +i` on the directory and its files (EPERM, even for files already open).
 * Both need root. Where the mechanism is refused (no mount permission, a filesystem without the immutable
 * flag), the runtime process's file size limit is lowered instead (prlimit: writes fail with EFBIG), which a
 * user's own processes allow; `mechanism` says which is used.
 */
export class StateDisk {
  readonly dir: string;
  readonly fault: DiskFault;
  mechanism: 'tmpfs' | 'chattr' | 'prlimit';
  #mounted = false;
  #pid: number | undefined;
  #failing = false;

  private constructor(dir: string, fault: DiskFault, mechanism: StateDisk['mechanism']) {
    this.dir = dir;
    this.fault = fault;
    this.mechanism = mechanism;
  }

  /** Prepares `<parent>/state` for the fault. */
  static async create(parent: string, fault: DiskFault): Promise<StateDisk> {
    const dir = join(parent, 'state');
    await mkdir(dir);
    if (fault === 'full') {
      try {
        await run('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir]);
        const disk = new StateDisk(dir, fault, 'tmpfs');
        disk.#mounted = true;
        return disk;
      } catch {
        return new StateDisk(dir, fault, 'prlimit');
      }
    }
    try {
      await run('chattr', ['+i', dir]);
      await run('chattr', ['-i', dir]);
      return new StateDisk(dir, fault, 'chattr');
    } catch {
      return new StateDisk(dir, fault, 'prlimit');
    }
  }

  /** Makes writes to the state directory fail; `pid` is the process writing it (for the prlimit fallback). */
  async fail(pid: number): Promise<void> {
    this.#failing = true;
    this.#pid = pid;
    switch (this.mechanism) {
      case 'tmpfs':
        return this.#fill();
      case 'chattr':
        return this.#immutable(true);
      case 'prlimit':
        await run('prlimit', ['--pid', String(pid), '--fsize=1:unlimited']);
    }
  }

  /** Lets writes succeed again. */
  async heal(): Promise<void> {
    if (!this.#failing) return;
    this.#failing = false;
    switch (this.mechanism) {
      case 'tmpfs':
        return rm(join(this.dir, 'filler'), { force: true });
      case 'chattr':
        return this.#immutable(false);
      case 'prlimit':
        await run('prlimit', ['--pid', String(this.#pid), '--fsize=unlimited']).catch(() => undefined);
    }
  }

  /** Heals and unmounts; call once no process uses the directory any more. */
  async close(): Promise<void> {
    await this.heal();
    if (this.#mounted) {
      await run('umount', [this.dir]).catch(() => run('umount', ['-l', this.dir]));
      this.#mounted = false;
      await rmdir(this.dir).catch(() => undefined);
    }
  }

  /** Writes a file until the filesystem has no space left. */
  async #fill(): Promise<void> {
    const file = await open(join(this.dir, 'filler'), 'w');
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    try {
      for (;;) {
        const { bytesWritten } = await file.write(chunk);
        if (bytesWritten < chunk.length) await file.write(chunk.subarray(bytesWritten));
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      await file.close();
    }
  }

  async #immutable(on: boolean): Promise<void> {
    const paths = [this.dir, ...(await readdir(this.dir)).map((name) => join(this.dir, name))];
    // Files first when setting (a directory marked immutable still lets its files be marked); the directory first when clearing.
    const ordered = on ? paths.reverse() : paths;
    for (const path of ordered) await run('chattr', [on ? '+i' : '-i', path]);
  }
}
