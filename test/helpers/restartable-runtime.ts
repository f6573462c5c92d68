import { waitForHealth } from './endpoints.js';
import { tempDir } from './paths.js';
import { RuntimeProcess, testConfig, writeConfig, type Exit, type LogLine } from './runtime.js';

/** A kill of the runtime: when (ms since the epoch) and which run it ended. */
export interface Kill {
  at: number;
  run: number;
}

/**
 * The CLI as a service that crashes and is started again: one configuration file and state directory,
 * any number of runs (child processes), each SIGKILL-able; the logs of every run are kept.
 */
export class RestartableRuntime {
  readonly dir: string;
  readonly configFile: string;
  readonly runs: RuntimeProcess[] = [];
  readonly kills: Kill[] = [];
  readonly #removeDir: () => Promise<void>;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(dir: string, configFile: string, removeDir: () => Promise<void>, env: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.configFile = configFile;
    this.#removeDir = removeDir;
    this.#env = env;
  }

  /**
   * Writes `config` (with testConfig's defaults: state in ./state next to the file, any free HTTP port); `env` is
   * added to every run's environment.
   */
  static async create(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<RestartableRuntime> {
    const dir = await tempDir('switchboard-fault-');
    try {
      return new RestartableRuntime(dir.path, await writeConfig(dir.path, testConfig(config)), dir.remove, env);
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  get current(): RuntimeProcess | undefined {
    return this.runs.at(-1);
  }

  /** Starts a run and waits until it says it is running. */
  async start(): Promise<RuntimeProcess> {
    const p = await RuntimeProcess.start(this.configFile, { cwd: this.dir, env: this.#env });
    this.runs.push(p);
    return p;
  }

  /** Waits until /healthz of the current run says ok. */
  async healthy(ms = 15000): Promise<void> {
    await waitForHealth(this.current!.healthUrl, (status) => status === 200, ms, 'the runtime to be healthy');
  }

  /** SIGKILL: the process dies at once, whatever it was doing. */
  async kill(): Promise<Exit> {
    this.kills.push({ at: Date.now(), run: this.runs.length - 1 });
    return this.current!.kill('SIGKILL');
  }

  /** SIGTERM: a graceful stop; resolves with the exit. */
  stop(): Promise<Exit> {
    return this.current!.kill('SIGTERM');
  }

  /** Every run's log lines, in order. */
  logs(): LogLine[] {
    return this.runs.flatMap((p) => p.logs);
  }

  /** Log lines that say something went wrong that must never happen: a crash, an unhandled rejection, a failed plugin. */
  crashes(): LogLine[] {
    return this.logs().filter((l) => l.level === 'fatal' || /unhandled promise rejection|uncaught exception/i.test(l.msg));
  }

  async close(): Promise<void> {
    for (const p of this.runs) await p.kill('SIGKILL');
    await this.#removeDir();
  }
}
