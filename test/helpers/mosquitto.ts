import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './broker.js';
import { tempDir } from './paths.js';

/** The broker's executable: $MOSQUITTO, else where `apt-get install mosquitto` puts it, else from PATH. */
export const MOSQUITTO = process.env.MOSQUITTO ?? (existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto');

export interface MosquittoTls {
  /** CA that signed client certificates (also sent to clients as the chain's root). */
  ca: string;
  cert: string;
  key: string;
  /** Clients must present a certificate signed by `ca`. */
  requireCertificate?: boolean;
}

export interface MosquittoOptions {
  /** Sessions, subscriptions and queued messages kept on disk across restarts (default true). */
  persistence?: boolean;
  /** A TLS listener instead of a plain one. */
  tls?: MosquittoTls;
  /** More mosquitto.conf lines (e.g. `max_inflight_messages 100`). */
  config?: string[];
}

const START_MS = 10000;

/**
 * A real mosquitto on a free loopback port, with its own configuration and persistence in a temporary
 * directory. `restart()` keeps the port and the persisted sessions, as a broker restart does; `kill()`
 * stops it the hard way (no final save), for fault tests.
 */
export class Mosquitto {
  readonly port: number;
  /** The temporary directory: mosquitto.conf and data/. */
  readonly dir: string;
  /** The persistence directory (mosquitto.db). */
  readonly dataDir: string;
  readonly options: MosquittoOptions;
  readonly #process: BrokerProcess;
  readonly #removeDir: () => Promise<void>;

  private constructor(port: number, dir: string, removeDir: () => Promise<void>, options: MosquittoOptions) {
    this.port = port;
    this.dir = dir;
    this.dataDir = join(dir, 'data');
    this.#removeDir = removeDir;
    this.options = options;
    this.#process = new BrokerProcess('mosquitto', port, { startMs: START_MS, pollMs: 25, kill: (child) => child.kill('SIGKILL') });
  }

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = await tempDir('switchboard-mosquitto-');
    const broker = new Mosquitto(await freePort(), dir.path, dir.remove, options);
    return startOrClose(broker, async () => {
      await mkdir(broker.dataDir);
      await writeFile(broker.configFile, broker.#config());
    });
  }

  get url(): string {
    return `${this.options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  get configFile(): string {
    return join(this.dir, 'mosquitto.conf');
  }

  get running(): boolean {
    return this.#process.child !== null;
  }

  /** Everything mosquitto logged, across restarts. */
  get log(): string {
    return this.#process.log;
  }

  /** Starts mosquitto (again) and resolves once it accepts connections. */
  start(): Promise<void> {
    return this.#process.start(MOSQUITTO, ['-c', this.configFile]);
  }

  /** Stops it gracefully (SIGTERM): mosquitto saves its persistence database on the way out. */
  stop(): Promise<void> {
    return this.#process.stop((child) => child.kill('SIGTERM'));
  }

  /** Stops it at once (SIGKILL): what was not saved yet is lost, as in a crash. */
  kill(): Promise<void> {
    return this.#process.stop((child) => child.kill('SIGKILL'));
  }

  /** Stops (gracefully, or with `kill`) and starts again on the same port with the same persistence. */
  async restart(options: { kill?: boolean } = {}): Promise<void> {
    await (options.kill ? this.kill() : this.stop());
    await this.start();
  }

  /** Adds lines to mosquitto.conf, read at the next start. */
  async addConfig(lines: string[]): Promise<void> {
    this.options.config = [...(this.options.config ?? []), ...lines];
    await writeFile(this.configFile, this.#config());
  }

  /** Stops it and deletes its directory. */
  async close(): Promise<void> {
    await this.kill();
    await this.#removeDir();
  }

  #config(): string {
    const { tls, persistence = true } = this.options;
    const lines = [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous true',
      // As root, mosquitto would switch to the "mosquitto" user, who cannot read this directory.
      `user ${userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'connection_messages true',
      `persistence ${persistence}`,
      `persistence_location ${this.dataDir}/`,
      'autosave_interval 1',
    ];
    if (tls) {
      lines.push(`cafile ${tls.ca}`, `certfile ${tls.cert}`, `keyfile ${tls.key}`, `require_certificate ${tls.requireCertificate ?? false}`);
    }
    lines.push(...(this.options.config ?? []));
    return `${lines.join('\n')}\n`;
  }
}

/** Whether a TCP connection to the port succeeds (the listener is up). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Prepares and starts a new broker; if either fails, closes it (which removes its directory) and rethrows. */
export async function startOrClose<B extends { start(): Promise<void>; close(): Promise<void> }>(broker: B, prepare: () => Promise<void>): Promise<B> {
  try {
    await prepare();
    await broker.start();
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}

/**
 * A broker's process, started again and again on one port: what it prints is collected across restarts, and
 * `start` resolves once it accepts connections. If it exits first, or takes longer than `startMs` (then it is
 * stopped with `kill`), `start` rejects with the end of its log.
 */
export class BrokerProcess {
  /** Everything the process printed, across restarts. */
  log = '';
  readonly #what: string;
  readonly #port: number;
  readonly #wait: { startMs: number; pollMs: number; kill: (child: ChildProcess) => void };
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();

  constructor(what: string, port: number, wait: { startMs: number; pollMs: number; kill: (child: ChildProcess) => void }) {
    this.#what = what;
    this.#port = port;
    this.#wait = wait;
  }

  /** The running process, or null. */
  get child(): ChildProcess | null {
    return this.#child;
  }

  /** Settles once the process last started has exited. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  async start(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
    if (this.#child) throw new Error(`${this.#what} is already running`);
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    let exit: string | undefined;
    this.#exited = new Promise<void>((resolve) => {
      const done = (why: string): void => {
        exit = why;
        if (this.#child === child) this.#child = null;
        resolve();
      };
      child.once('error', (err) => done(`could not run ${command}: ${err.message}`));
      child.once('exit', (code, signal) => done(`${this.#what} exited (${signal ?? code})`));
    });
    const deadline = Date.now() + this.#wait.startMs;
    while (!(await accepts(this.#port))) {
      if (exit) throw new Error(`${exit} before it accepted connections:\n${this.log.slice(-4000)}`);
      if (Date.now() > deadline) {
        await this.stop(this.#wait.kill);
        throw new Error(`${this.#what} did not accept connections on port ${this.#port} within ${this.#wait.startMs} ms:\n${this.log.slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, this.#wait.pollMs));
    }
  }

  /** Stops the running process with `send` (a signal to it, or to its group) and waits until it has exited. */
  async stop(send: (child: ChildProcess) => void): Promise<void> {
    if (this.#child) send(this.#child);
    await this.#exited;
  }
}
