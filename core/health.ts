import { inject, injectable } from 'inversify';
import type { ConnectionStatus } from './connection.js';
import { Connections } from './connections.js';
import { PluginHost, type PluginStatus } from './plugin-host.js';
import { StateStore } from './state-store.js';

export type Phase = 'starting' | 'running' | 'stopping' | 'stopped';

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  phase: Phase;
  version: string;
  uptimeSeconds: number;
  problems: string[];
  connections: Record<string, Omit<ConnectionStatus, 'clientId'>>;
  plugins: Record<string, PluginStatus>;
  /**
   * `unwritten`: changes made and not yet on disk (a few while messages flow; growing, the disk is not keeping up);
   * `lost`: what was missing at start (the log line of each); the state is as complete as it can be, so not a problem.
   */
  state: { dir: string; writable: boolean; unwritten: number; error?: string; lost?: string[] };
}

/** What GET /healthz reports: healthy while running with every connection up, every plugin running and state being written. */
@injectable()
export class Health {
  phase: Phase = 'starting';
  version = '0.0.0';
  readonly #started = Date.now();
  readonly #connections: Connections;
  readonly #plugins: PluginHost;
  readonly #state: StateStore;

  constructor(@inject(Connections) connections: Connections, @inject(PluginHost) plugins: PluginHost, @inject(StateStore) state: StateStore) {
    this.#connections = connections;
    this.#plugins = plugins;
    this.#state = state;
  }

  report(): HealthReport {
    // Client ids are not shown: another client that took one would disconnect Switchboard.
    const connections = Object.fromEntries(Object.entries(this.#connections.status()).map(([name, { clientId: _, ...status }]) => [name, status]));
    const plugins = this.#plugins.status();
    const problems: string[] = [];
    if (this.phase !== 'running') problems.push(`runtime is ${this.phase}`);
    for (const [name, c] of Object.entries(connections)) if (c.state !== 'connected') problems.push(`connection ${name} is ${c.state}${c.lastError ? ` (${c.lastError})` : ''}`);
    // An optional plugin that failed is disabled by design: it shows in `plugins`, not as a problem.
    for (const [name, p] of Object.entries(plugins)) if (p.state !== 'running' && !(p.optional && p.state === 'failed')) problems.push(`plugin ${name} is ${p.state}${p.error ? ` (${p.error})` : ''}`);
    const degraded = this.#state.degraded;
    if (degraded) problems.push(`state cannot be written: ${degraded.message} (no message is taken or acknowledged until it can)`);
    return {
      status: problems.length === 0 ? 'ok' : 'unhealthy',
      phase: this.phase,
      version: this.version,
      uptimeSeconds: Math.round((Date.now() - this.#started) / 1000),
      problems,
      connections,
      plugins,
      state: {
        dir: this.#state.dir,
        writable: !degraded,
        unwritten: this.#state.seq - this.#state.durableSeq,
        ...(degraded ? { error: degraded.message } : {}),
        ...(this.#state.missing.length > 0 ? { lost: this.#state.missing.map((m) => m.message) } : {}),
      },
    };
  }
}
