import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type RuntimeConfig } from '../../core/config/load-config.js';
import { createRuntime } from '../../core/container.js';
import { createLogger, type LogLevel } from '../../core/logger.js';
import type { Runtime } from '../../core/runtime.js';
import { CLI } from './paths.js';

export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** Writes `config` as runtime.config.json in `dir`; returns its path. */
export async function writeConfig(dir: string, config: object, name = 'runtime.config.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/** Defaults that keep a test runtime off the machine's own ports and state: any free port, state in the test's directory. */
export function testConfig(config: Record<string, unknown>): Record<string, unknown> {
  const broker = { embedded: false, ...(config.broker as object | undefined) };
  return {
    ...config,
    broker,
    http: { port: 0, ...(config.http as object | undefined) },
    state: { dir: './state', fsync: false, ...(config.state as object | undefined) },
  };
}

async function waitUntil(logs: LogLine[], predicate: (line: LogLine) => boolean, ms: number, what: string, stopped?: () => string | undefined): Promise<LogLine> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = logs.find(predicate);
    if (found) return found;
    const why = stopped?.();
    if (why) throw new Error(`${why} before ${what}; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A runtime in the test's process, its logs captured as objects. */
export class InProcessRuntime {
  readonly runtime: Runtime;
  readonly config: RuntimeConfig;
  readonly logs: LogLine[];

  private constructor(runtime: Runtime, config: RuntimeConfig, logs: LogLine[]) {
    this.runtime = runtime;
    this.config = config;
    this.logs = logs;
  }

  /** Writes `config` (with testConfig's defaults) to `dir` and starts a runtime from it. */
  static async start(dir: string, config: Record<string, unknown>, level: LogLevel = 'info'): Promise<InProcessRuntime> {
    const file = await writeConfig(dir, testConfig(config));
    const loaded = await loadConfig({ file, env: {} });
    const logs: LogLine[] = [];
    const log = createLogger(level, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    const runtime = createRuntime(loaded, log);
    await runtime.start();
    return new InProcessRuntime(runtime, loaded, logs);
  }

  get healthUrl(): string {
    return `${this.runtime.http.url}/healthz`;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.runtime.http.url}/metrics`)).text();
  }

  waitForLog(predicate: (line: LogLine) => boolean, ms = 5000, what = 'a log line'): Promise<LogLine> {
    return waitUntil(this.logs, predicate, ms, what);
  }

  /** Waits until /healthz says ok (every connection up, every plugin running). */
  async healthy(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const res = await fetch(this.healthUrl);
      if (res.status === 200) return;
      if (Date.now() > deadline) throw new Error(`not healthy after ${ms} ms: ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): Promise<void> {
    return this.runtime.stop();
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `switchboard <args>` as a child process, as a user runs it; stdout's JSON log lines parsed. */
export class RuntimeProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // Plain output (validate, replay, --help) stays in `stdout`.
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve((this.#exit = { code, signal }))));
  }

  /** Runs `switchboard start --config FILE` and waits until it says it is running. */
  static async start(configFile: string, options: { cwd?: string; env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<RuntimeProcess> {
    const p = new RuntimeProcess(['start', '--config', configFile, ...(options.args ?? [])], options);
    await p.waitForLog((l) => l.msg === 'Switchboard is running', 15000, 'the runtime to start');
    return p;
  }

  /** Runs a CLI command to completion. */
  static async run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const p = new RuntimeProcess(args, options);
    p.child.stdin!.end(options.stdin ?? '');
    const { code } = await p.exited;
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  get healthUrl(): string {
    const running = this.logs.find((l) => l.msg === 'Switchboard is running');
    return String(running?.health);
  }

  waitForLog(predicate: (line: LogLine) => boolean, ms = 5000, what = 'a log line'): Promise<LogLine> {
    return waitUntil(this.logs, predicate, ms, what, () => (this.#exit ? `the process exited (${JSON.stringify(this.#exit)}; stderr: ${this.stderr})` : undefined));
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.exited;
  }
}
