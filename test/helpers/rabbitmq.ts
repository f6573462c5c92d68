import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './broker.js';
import { BrokerProcess, startOrClose } from './mosquitto.js';
import { tempDir } from './paths.js';

const run = promisify(execFile);

/**
 * The server's start script: $RABBITMQ_SERVER, else Debian's own script (not the /usr/sbin wrapper, which as
 * root switches to the "rabbitmq" user, who cannot write the test's directory), else from PATH.
 */
export const RABBITMQ_SERVER =
  process.env.RABBITMQ_SERVER ?? (existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin/rabbitmq-server' : 'rabbitmq-server');
const RABBITMQCTL = RABBITMQ_SERVER.includes('/') ? join(dirname(RABBITMQ_SERVER), 'rabbitmqctl') : 'rabbitmqctl';

/** The installed server's version ("3.10.8"), read from where Debian and the generic package put the server, if found. */
export function rabbitmqVersion(): string | undefined {
  const libDir = join(dirname(RABBITMQ_SERVER), '..', 'lib');
  if (!existsSync(libDir)) return undefined;
  return readdirSync(libDir)
    .map((name) => /^rabbitmq_server-(\d+\.\d+\.\d+)$/.exec(name)?.[1])
    .find((v) => v !== undefined);
}

/** RabbitMQ speaks MQTT 5 from 3.13 on; before, it closes an MQTT 5 connection without a CONNACK. */
export function rabbitmqSpeaksMqtt5(version = rabbitmqVersion()): boolean {
  const [major = 0, minor = 0] = (version ?? '0.0').split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 13);
}

export interface RabbitMQOptions {
  /** Refuse anonymous clients (only users added with `addUser` may log in). */
  login?: boolean;
}

// A first start (a new database) takes 5-15 s on an idle machine, far longer on a busy one.
const START_MS = 120000;
const STOP_MS = 30000;

/**
 * A throw-away RabbitMQ node with its MQTT plugin on a free loopback port: its own node name, Erlang
 * distribution and epmd ports, configuration, database and cookie in a temporary directory, so that
 * it touches neither the system's node nor another test's. `restart()` keeps the port, the database
 * (durable sessions, retained messages) and the users; `close()` stops the node and its epmd.
 */
export class RabbitMQ {
  readonly port: number;
  readonly dir: string;
  readonly nodeName: string;
  readonly options: RabbitMQOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #removeDir: () => Promise<void>;
  readonly #process: BrokerProcess;

  private constructor(port: number, dir: string, removeDir: () => Promise<void>, ports: { dist: number; epmd: number }, options: RabbitMQOptions) {
    this.port = port;
    this.dir = dir;
    this.#removeDir = removeDir;
    this.options = options;
    this.nodeName = `switchboard-test-${randomBytes(6).toString('hex')}@localhost`;
    this.#process = new BrokerProcess('RabbitMQ', port, { startMs: START_MS, pollMs: 100, kill: killGroup });
    this.#env = {
      ...process.env,
      // Erlang keeps the node's cookie in $HOME; rabbitmqctl finds it there too.
      HOME: dir,
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_DIST_PORT: String(ports.dist),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ERL_EPMD_PORT: String(ports.epmd),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  static async start(options: RabbitMQOptions = {}): Promise<RabbitMQ> {
    const dir = await tempDir('switchboard-rabbitmq-');
    const broker = new RabbitMQ(await freePort(), dir.path, dir.remove, { dist: await freePort(), epmd: await freePort() }, options);
    return startOrClose(broker, () => broker.#writeConfig());
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process.child !== null;
  }

  /** Everything the node logged, across restarts. */
  get log(): string {
    return this.#process.log;
  }

  /** Starts the node (again) and resolves once its MQTT listener accepts connections. */
  start(): Promise<void> {
    // Its own process group: kill() reaches the start script, the Erlang VM and its helpers at once.
    return this.#process.start(RABBITMQ_SERVER, [], { env: this.#env, cwd: this.dir, detached: true });
  }

  /** A graceful stop: the start script turns SIGTERM into an orderly shutdown of the node. */
  async stop(): Promise<void> {
    const child = this.#process.child;
    if (!child) return;
    const timer = setTimeout(() => killGroup(child), STOP_MS);
    await this.#process.stop((c) => c.kill('SIGTERM'));
    clearTimeout(timer);
    // The script waits for the VM; SIGKILL whatever may be left of the group all the same.
    killGroup(child);
  }

  /** Stops it at once (SIGKILL to the whole process group), as in a crash. */
  kill(): Promise<void> {
    return this.#process.stop(killGroup);
  }

  async restart(options: { kill?: boolean } = {}): Promise<void> {
    await (options.kill ? this.kill() : this.stop());
    await this.start();
  }

  /** Adds a user who may log in with `password` and do anything on the default virtual host; takes effect at once. */
  async addUser(username: string, password: string): Promise<void> {
    await this.ctl('add_user', username, password);
    await this.ctl('set_permissions', '-p', '/', username, '.*', '.*', '.*');
  }

  /** Runs rabbitmqctl against this node. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(RABBITMQCTL, ['-n', this.nodeName, ...args], { env: this.#env, cwd: this.dir, timeout: 60000 });
    return stdout;
  }

  /** Stops the node and the epmd it started, and deletes its directory. */
  async close(): Promise<void> {
    await this.kill();
    await this.#killEpmd();
    await this.#removeDir();
  }

  /**
   * The VM starts epmd as a daemon of its own on ERL_EPMD_PORT, which nothing else uses. epmd refuses to stop while it
   * still lists the node, which it notices is gone a moment after the VM dies; it exits 1 once nothing listens.
   */
  async #killEpmd(): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const result = await run('epmd', ['-kill'], { env: this.#env, timeout: 10000 }).then(
        (r) => r.stdout,
        (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
      );
      if (/Killed|Cannot connect/.test(result)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async #writeConfig(): Promise<void> {
    await mkdir(join(this.dir, 'mnesia'));
    await mkdir(join(this.dir, 'log'));
    // Empty: the system's /etc/rabbitmq/rabbitmq-env.conf must not apply.
    await writeFile(join(this.dir, 'rabbitmq-env.conf'), '');
    await writeFile(join(this.dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
    const lines = [
      'listeners.tcp = none',
      `mqtt.listeners.tcp.1 = 127.0.0.1:${this.port}`,
      `mqtt.allow_anonymous = ${!this.options.login}`,
      'log.console = true',
      'log.console.level = info',
      'log.file = false',
    ];
    await writeFile(join(this.dir, 'rabbitmq.conf'), `${lines.join('\n')}\n`);
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
