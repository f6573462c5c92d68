import { setTimeout as sleep } from 'node:timers/promises';
import { inject, injectable } from 'inversify';
import type { RuntimeConfig } from './config/load-config.js';
import { Connection, type ConnectionStatus } from './connection.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { StateStore } from './state-store.js';
import { TOKENS } from './tokens.js';

/** The named connections of the configuration. */
@injectable()
export class Connections {
  readonly byName = new Map<string, Connection>();

  constructor(
    @inject(TOKENS.Config) config: RuntimeConfig,
    @inject(TOKENS.Logger) log: Logger,
    @inject(Metrics) metrics: Metrics,
    @inject(StateStore) state: StateStore,
  ) {
    for (const [name, options] of Object.entries(config.connections)) {
      this.byName.set(name, new Connection(name, options, log, metrics, state));
    }
  }

  get(name: string): Connection | undefined {
    return this.byName.get(name);
  }

  all(): Connection[] {
    return [...this.byName.values()];
  }

  async start(): Promise<void> {
    for (const connection of this.byName.values()) await connection.start();
  }

  /** Resolves when every connection is connected, or false at `deadline` (ms since epoch). */
  async connected(deadline: number): Promise<boolean> {
    while (!this.all().every((c) => c.connected)) {
      if (Date.now() >= deadline) return false;
      await sleep(10);
    }
    return true;
  }

  status(): Record<string, ConnectionStatus> {
    return Object.fromEntries(this.all().map((c) => [c.name, c.status()]));
  }
}
