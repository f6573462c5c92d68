import { spawn, type ChildProcess } from 'node:child_process';
import { waitForLogLine, type LogLine } from '../../testing/runtime.js';
import { CLI } from './paths.js';

export { InProcessRuntime, testConfig, writeConfig, type LogLine } from '../../testing/runtime.js';

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
    return waitForLogLine(this.logs, predicate, ms, what, () => (this.#exit ? `the process exited (${JSON.stringify(this.#exit)}; stderr: ${this.stderr})` : undefined));
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.exited;
  }
}
