import { setTimeout as sleep } from 'node:timers/promises';
import { inject, injectable } from 'inversify';
import { EmbeddedBroker, type BrokerAccess } from './broker.js';
import type { RuntimeConfig } from './config/load-config.js';
import { Connections } from './connections.js';
import { installEventsOut } from './events-out.js';
import { Health } from './health.js';
import { HttpServer } from './http.js';
import type { Logger } from './logger.js';
import type { QoS } from './message.js';
import { Metrics } from './metrics.js';
import { Pipeline, PluginProbe } from './pipeline.js';
import type { RuntimeInfo } from './plugin.js';
import { PluginHost } from './plugin-host.js';
import { StateStore } from './state-store.js';
import { startupSummary } from './startup-summary.js';
import { TOKENS } from './tokens.js';
import { VERSION } from './version.js';

/** The shutdown budget: SIGTERM to exit within this, in-flight messages finished and state flushed. */
export const SHUTDOWN_MS = 5000;

/** How long the start-up summary waits for the connections before saying which are not up yet. */
const ANNOUNCE_WAIT_MS = 5000;

/**
 * Starts the parts in order (state, embedded broker, plugins, connections, HTTP) and stops them in
 * reverse: stop taking messages, finish those in flight, let plugins stop, flush state, disconnect.
 */
@injectable()
export class Runtime {
  #stopping: Promise<void> | null = null;

  constructor(
    @inject(TOKENS.Config) private readonly config: RuntimeConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
    @inject(Metrics) private readonly metrics: Metrics,
    @inject(StateStore) private readonly state: StateStore,
    @inject(EmbeddedBroker) private readonly embeddedBroker: EmbeddedBroker,
    @inject(Connections) private readonly connections: Connections,
    @inject(Pipeline) private readonly pipeline: Pipeline,
    @inject(PluginHost) private readonly plugins: PluginHost,
    @inject(Health) readonly health: Health,
    @inject(HttpServer) readonly http: HttpServer,
  ) {
    health.version = VERSION;
  }

  get broker(): EmbeddedBroker | undefined {
    return this.config.core.broker.embedded ? this.embeddedBroker : undefined;
  }

  async start(): Promise<void> {
    const { core } = this.config;
    try {
      await this.state.open();
      if (core.broker.embedded) {
        this.embeddedBroker.authorize(this.#brokerAccess());
        await this.embeddedBroker.start();
        if (this.config.localIsEmbedded) this.connections.get('local')!.retarget(this.embeddedBroker.url);
      }
      for (const connection of this.connections.all()) connection.onMessage(this.pipeline.dispatch);
      if (core.deadLetter.topic) this.pipeline.setDeadLetter({ connection: core.deadLetter.connection, topic: core.deadLetter.topic });
      installEventsOut(this.pipeline, new PluginProbe('core', this.log, this.metrics), core.events, this.connections.get(core.events.connection)!);
      await this.plugins.setup(this.#info());
      await this.connections.start();
      await this.plugins.start();
      await this.http.start();
    } catch (err) {
      // A run that never started has nothing to report stopping: the rollback logs at debug only.
      await this.#shutDown(Date.now() + SHUTDOWN_MS, 'debug').catch(() => undefined);
      throw err;
    }
    this.health.phase = 'running';
    void this.#announce();
  }

  /** Logs the start-up summary once every connection is up (or after ANNOUNCE_WAIT_MS, saying which is not). */
  async #announce(): Promise<void> {
    const deadline = Date.now() + ANNOUNCE_WAIT_MS;
    while (!this.connections.all().every((c) => c.connected) && Date.now() < deadline) {
      if (this.#stopping) return;
      await sleep(20);
    }
    if (this.#stopping) return;
    const summary = startupSummary({
      version: VERSION,
      config: this.config.file,
      broker: this.broker && { url: this.broker.url, anonymous: !this.config.core.broker.username },
      http: this.http.url,
      routes: this.http.routes,
      connections: this.connections.status(),
      plugins: this.plugins.status(),
      events: this.config.core.events,
    });
    this.log.info({ health: this.http.url && `${this.http.url}/healthz`, summary: summary.text, details: summary.details }, 'Switchboard is running');
  }

  /** Stops gracefully within SHUTDOWN_MS; calling it again returns the same promise. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutDown(Date.now() + SHUTDOWN_MS, 'info');
    return this.#stopping;
  }

  async #shutDown(deadline: number, level: 'info' | 'debug'): Promise<void> {
    this.health.phase = 'stopping';
    this.log[level]('stopping: no new messages are taken; finishing those in flight');
    const connections = this.connections.all();
    for (const connection of connections) connection.stopReading();
    // Leave a second of the budget for disconnecting and writing the snapshot.
    const drained = await Promise.all(connections.map((c) => c.drain(deadline - 1000)));
    if (drained.includes(false)) this.log.warn('some messages were still being handled at the deadline; the broker redelivers them to a persistent session');
    await this.plugins.stop();
    const events = this.connections.get(this.config.core.events.connection);
    if (events?.connected) {
      try {
        this.pipeline.publish('core', events.name, this.config.core.events.statusTopic, 'offline', { qos: 1, retain: true });
      } catch (err) {
        this.log.warn({ err }, 'could not publish the offline status');
      }
    }
    // Bounded: with the disk failing, what is not durable stays unacknowledged and the broker redelivers it.
    await Promise.race([this.state.flushed(), sleep(Math.max(0, deadline - 500 - Date.now()), undefined, { ref: false })]);
    await Promise.all(connections.map((c) => c.stop(deadline - 500)));
    await this.state.close(deadline);
    await this.embeddedBroker.stop();
    await this.http.stop();
    this.health.phase = 'stopped';
    this.log[level]('stopped');
  }

  /** Switchboard's own login and client id on the embedded broker, and the topics only it may publish to. */
  #brokerAccess(): BrokerAccess {
    const { events, deadLetter } = this.config.core;
    const local = this.config.localIsEmbedded ? this.connections.get('local') : undefined;
    const own = local && this.config.connections.local?.username ? { username: this.config.connections.local.username, password: this.config.connections.local.password ?? '' } : null;
    return {
      own,
      ownClientIds: () => (own && local ? [local.status().clientId] : []),
      protectedTopics: [`${events.prefix}/#`, events.statusTopic, ...(deadLetter.topic ? [deadLetter.topic] : [])],
      isInput: (topic) => this.pipeline.isInput('local', topic),
    };
  }

  #info(): RuntimeInfo {
    const { events } = this.config.core;
    return {
      version: VERSION,
      eventsConnection: events.connection,
      eventsPrefix: events.prefix,
      eventsQos: events.qos as QoS,
      statusTopic: events.statusTopic,
      eventsExclude: events.exclude,
      connections: Object.keys(this.config.connections),
      health: () => this.health.report(),
    };
  }
}
