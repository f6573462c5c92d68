import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Everything mosquitto logged, across restarts. */
  log = '';
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  readonly #removeDir: () => Promise<void>;

  private constructor(port: number, dir: string, removeDir: () => Promise<void>, options: MosquittoOptions) {
    this.port = port;
    this.dir = dir;
    this.dataDir = join(dir, 'data');
    this.#removeDir = removeDir;
    this.options = options;
  }

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const dir = await tempDir('switchboard-mosquitto-');
    const broker = new Mosquitto(await freePort(), dir.path, dir.remove, options);
    try {
      await mkdir(broker.dataDir);
      await writeFile(broker.configFile, broker.#config());
      await broker.start();
    } catch (err) {
      await broker.close();
      throw err;
    }
    return broker;
  }

  get url(): string {
    return `${this.options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  get configFile(): string {
    return join(this.dir, 'mosquitto.conf');
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts mosquitto (again) and resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.#child) throw new Error('mosquitto is already running');
    const child = spawn(MOSQUITTO, ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      child.once('error', (err) => done(`could not run ${MOSQUITTO}: ${err.message}`));
      child.once('exit', (code, signal) => done(`mosquitto exited (${signal ?? code})`));
    });
    const deadline = Date.now() + START_MS;
    while (!(await accepts(this.port))) {
      if (exit) throw new Error(`${exit} before it accepted connections:\n${this.log}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`mosquitto did not accept connections on port ${this.port} within ${START_MS} ms:\n${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops it gracefully (SIGTERM): mosquitto saves its persistence database on the way out. */
  async stop(): Promise<void> {
    this.#child?.kill('SIGTERM');
    await this.#exited;
  }

  /** Stops it at once (SIGKILL): what was not saved yet is lost, as in a crash. */
  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exited;
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
