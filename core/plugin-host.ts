import { type Container, inject, injectable } from 'inversify';
import type { RuntimeConfig } from './config/load-config.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Pipeline, PluginProbe } from './pipeline.js';
import type { RuntimeInfo } from './plugin.js';
import { EventTypes } from './event-types.js';
import { createPluginContext, type PluginRecord } from './plugin-context.js';
import { PluginRoutes } from './routes.js';
import { StateStore } from './state-store.js';
import { pluginScope } from './plugin-scope.js';
import { PLUGIN, resolve, TOKENS } from './tokens.js';

export type PluginState = 'configured' | 'set up' | 'running' | 'failed' | 'stopped';

export interface PluginStatus {
  state: PluginState;
  version: string;
  optional: boolean;
  /** The MQTT topic filters its handlers subscribe, as `<connection>: <filter>`. */
  subscribes: string[];
  error?: string;
  /** What the plugin reports of itself (ctx.health), e.g. the state of its bridges. */
  details?: unknown;
}

/** A plugin failed to set up or start, and was not optional: the runtime does not start. */
export class PluginStartError extends Error {
  override name = 'PluginStartError';
}

const HOOK_TIMEOUT_MS = 10000;

interface Entry {
  record: PluginRecord;
  status: PluginStatus;
  dependencies: readonly string[];
}

/**
 * Sets up, starts and stops the configured plugins in order. A plugin that fails is rolled back (its
 * handlers, transforms, guards and publishers removed); it stops the start unless it is optional, and
 * a plugin with a guard is never optional, since running without it would let through what it guards.
 */
@injectable()
export class PluginHost {
  readonly #entries: Entry[] = [];
  readonly #events: EventTypes;

  constructor(
    @inject(TOKENS.Config) private readonly config: RuntimeConfig,
    @inject(Pipeline) private readonly pipeline: Pipeline,
    @inject(StateStore) private readonly state: StateStore,
    @inject(Metrics) private readonly metrics: Metrics,
    @inject(TOKENS.Logger) private readonly log: Logger,
    @inject(PluginRoutes) private readonly routes: PluginRoutes,
    @inject(TOKENS.Container) private readonly container: Container,
  ) {
    this.#events = new EventTypes(config.plugins);
  }

  async setup(runtime: RuntimeInfo): Promise<void> {
    for (const plugin of this.config.plugins) {
      const scope = pluginScope(this.container, plugin.name);
      const log = resolve(scope, PLUGIN.Logger);
      const record: PluginRecord = {
        name: plugin.name,
        probe: new PluginProbe(plugin.name, log, this.metrics),
        removers: [],
        startHooks: [],
        readyHooks: [],
        stopHooks: [],
        retained: new Map(),
        hasGuard: false,
        subscribes: [],
      };
      const entry: Entry = { record, status: { state: 'configured', version: plugin.definition.version, optional: plugin.optional, subscribes: record.subscribes }, dependencies: plugin.definition.dependencies ?? [] };
      this.#entries.push(entry);
      const ctx = createPluginContext(record, plugin.options, scope, { config: this.config, events: this.#events, pipeline: this.pipeline, state: this.state, metrics: this.metrics, runtime, routes: this.routes });
      try {
        this.#checkDependencies(plugin.definition.dependencies, 'set up');
        await withTimeout(() => plugin.definition.setup(ctx), `plugin "${plugin.name}" setup`);
        entry.status.state = 'set up';
        log.debug({ version: plugin.definition.version }, 'plugin set up');
      } catch (err) {
        this.#fail(entry, 'set up', err);
      }
    }
  }

  async start(): Promise<void> {
    for (const entry of this.#entries) {
      if (entry.status.state !== 'set up') continue;
      try {
        this.#checkDependencies(entry.dependencies, 'running');
        for (const hook of entry.record.startHooks) await withTimeout(hook, `plugin "${entry.record.name}" start`);
        entry.status.state = 'running';
        this.log.info({ plugin: entry.record.name, version: entry.status.version }, 'plugin running');
      } catch (err) {
        this.#fail(entry, 'start', err);
      }
    }
    for (const entry of this.#entries) {
      if (entry.status.state !== 'running') continue;
      try {
        for (const hook of entry.record.readyHooks) await withTimeout(hook, `plugin "${entry.record.name}" ready`);
      } catch (err) {
        this.#fail(entry, 'start', err);
      }
    }
  }

  /** Stops the plugins in reverse order; their errors are logged, not thrown. Publishes retained changes still pending. */
  async stop(): Promise<void> {
    for (const entry of [...this.#entries].reverse()) {
      if (entry.status.state !== 'running' && entry.status.state !== 'set up') continue;
      for (const hook of entry.record.stopHooks) {
        try {
          await withTimeout(hook, `plugin "${entry.record.name}" stop`);
        } catch (err) {
          this.log.error({ plugin: entry.record.name, err }, 'plugin failed to stop cleanly');
        }
      }
      for (const topics of entry.record.retained.values()) topics.flush();
      entry.status.state = 'stopped';
    }
  }

  status(): Record<string, PluginStatus> {
    return Object.fromEntries(
      this.#entries.map((e) => [e.record.name, { ...e.status, subscribes: [...e.status.subscribes], ...(e.record.health ? { details: e.record.health() } : {}) }]),
    );
  }

  /** The configuration put a plugin after what it depends on; an optional one of those may have failed since. */
  #checkDependencies(dependencies: readonly string[] | undefined, state: PluginState): void {
    for (const name of dependencies ?? []) {
      const dep = this.#entries.find((e) => e.record.name === name);
      if (dep?.status.state !== state) throw new Error(`it needs the plugin "${name}", which is ${dep?.status.state ?? 'not set up'}`);
    }
  }

  #fail(entry: Entry, stage: string, err: unknown): void {
    const { record } = entry;
    for (const remove of record.removers.splice(0)) remove();
    entry.status.state = 'failed';
    entry.status.error = err instanceof Error ? err.message : String(err);
    this.metrics.failures.labels(record.name, stage === 'start' ? 'start' : 'setup').inc();
    if (entry.status.optional && !record.hasGuard) {
      this.log.error({ plugin: record.name, err }, `plugin "${record.name}" failed to ${stage} and is disabled (optional): ${entry.status.error}`);
      return;
    }
    const why = entry.status.optional ? ' (it guards what leaves the runtime, so it cannot be optional)' : '';
    throw new PluginStartError(`plugin "${record.name}" failed to ${stage}${why}: ${entry.status.error}`);
  }
}

/** Runs `fn` (a throw becomes a rejection) and waits for it at most HOOK_TIMEOUT_MS. */
async function withTimeout<T>(fn: () => T | Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${HOOK_TIMEOUT_MS / 1000} s`)), HOOK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
