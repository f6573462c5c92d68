import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, createRuntime, loadConfig, type LogLevel, type Runtime, type RuntimeConfig } from '../core/host.js';
import { waitUntil } from './wait.js';

/** A log line as the runtime writes it (pino's JSON), parsed. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** Writes `config` as JSON to `dir`/`name` (default runtime.config.json); returns its path. */
export async function writeConfig(dir: string, config: object, name = 'runtime.config.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * `config` with the defaults that keep a test's runtime off the machine's own ports and state: no
 * embedded broker, the HTTP server on any free loopback port, state in `./state` beside the
 * configuration file (a test's temporary directory), without fsync. What `config` sets wins.
 */
export function testConfig(config: Record<string, unknown>): Record<string, unknown> {
  const broker = { embedded: false, ...(config.broker as object | undefined) };
  return {
    ...config,
    broker,
    http: { port: 0, ...(config.http as object | undefined) },
    state: { dir: './state', fsync: false, ...(config.state as object | undefined) },
  };
}

function showLogs(logs: LogLine[]): string {
  return `logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`;
}

/** Waits for a log line matching `predicate` among `logs` (which grows as they are written). */
export function waitForLogLine(logs: LogLine[], predicate: (line: LogLine) => boolean, ms: number, what: string, stopped?: () => string | undefined): Promise<LogLine> {
  return waitUntil(() => logs.find(predicate), { ms, what, context: () => showLogs(logs), ...(stopped ? { stopped } : {}) });
}

/** A runtime in the test's own process, started from a configuration file, its logs captured as objects. */
export class InProcessRuntime {
  readonly runtime: Runtime;
  /** The configuration as loaded and validated. */
  readonly config: RuntimeConfig;
  /** Every log line so far, oldest first. */
  readonly logs: LogLine[];

  private constructor(runtime: Runtime, config: RuntimeConfig, logs: LogLine[]) {
    this.runtime = runtime;
    this.config = config;
    this.logs = logs;
  }

  /**
   * Writes `config` (with testConfig's defaults) as runtime.config.json in `dir`, loads it exactly as
   * `switchboard start` does (a plugin's `module` is relative to `dir`) and starts a runtime from it.
   * A bad configuration rejects with the ConfigError that lists every problem.
   */
  static async start(dir: string, config: Record<string, unknown>, level: LogLevel = 'info'): Promise<InProcessRuntime> {
    const file = await writeConfig(dir, testConfig(config));
    const loaded = await loadConfig({ file, env: {} });
    const logs: LogLine[] = [];
    const log = createLogger(level, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    const runtime = createRuntime(loaded, log);
    await runtime.start();
    return new InProcessRuntime(runtime, loaded, logs);
  }

  /** The runtime's HTTP server, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const url = this.runtime.http.url;
    if (url === undefined) throw new Error('the runtime serves no HTTP (http.enabled is false)');
    return url;
  }

  get healthUrl(): string {
    return `${this.url}/healthz`;
  }

  /** The Prometheus text of /metrics (read it with metricValue or metricSum). */
  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  /** Waits for a log line matching `predicate`; fails after `ms` with every line logged. */
  waitForLog(predicate: (line: LogLine) => boolean, ms = 5000, what = 'a log line'): Promise<LogLine> {
    return waitForLogLine(this.logs, predicate, ms, what);
  }

  /** Waits until /healthz says ok: every connection up, every plugin running. */
  async healthy(ms = 5000): Promise<void> {
    let last = '';
    await waitUntil(
      async () => {
        const res = await fetch(this.healthUrl);
        last = await res.text();
        return res.status === 200 ? true : undefined;
      },
      { ms, what: 'a healthy runtime', context: () => `last /healthz: ${last}`, intervalMs: 20 },
    );
  }

  /** Stops it as SIGTERM would: finishes what is in flight, stops the plugins, flushes state. */
  stop(): Promise<void> {
    return this.runtime.stop();
  }
}
