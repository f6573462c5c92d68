import type { Container } from 'inversify';
import type { RuntimeConfig } from './config/load-config.js';
import type { QoS } from './message.js';
import type { Metrics } from './metrics.js';
import type { Pipeline, PluginProbe } from './pipeline.js';
import type { Connection } from './connection.js';
import type { EventTypes } from './event-types.js';
import type { ConnectionHandle, PluginContext, RetainedOptions, RuntimeInfo } from './plugin.js';
import { RetainedTopics } from './retained.js';
import type { PluginRoutes } from './routes.js';
import type { StateStore } from './state-store.js';
import { PLUGIN, resolve } from './tokens.js';
import { topicLevel } from './topics.js';

/** What the host records of a plugin while it runs: its contributions, so they can be removed, and its hooks. */
export interface PluginRecord {
  readonly name: string;
  readonly probe: PluginProbe;
  readonly removers: (() => void)[];
  readonly startHooks: (() => void | Promise<void>)[];
  readonly readyHooks: (() => void | Promise<void>)[];
  readonly stopHooks: (() => void | Promise<void>)[];
  readonly retained: Map<string, RetainedTopics>;
  hasGuard: boolean;
  readonly subscribes: string[];
  health?: () => unknown;
}

export interface ContextDeps {
  config: RuntimeConfig;
  events: EventTypes;
  pipeline: Pipeline;
  state: StateStore;
  metrics: Metrics;
  runtime: RuntimeInfo;
  routes: PluginRoutes;
}

/**
 * The context a plugin's setup receives: each method registers a contribution on the plugin's record. Its
 * logger, state and metrics come from the plugin's scope (see plugin-scope.ts).
 */
export function createPluginContext<O>(record: PluginRecord, options: O, scope: Container, deps: ContextDeps): PluginContext<O> {
  const { pipeline, state, metrics, runtime } = deps;
  const name = record.name;
  const log = resolve(scope, PLUGIN.Logger);
  const ownState = resolve(scope, PLUGIN.State);
  const ownMetrics = resolve(scope, PLUGIN.Metrics);
  const connectionQos = (connection: string): QoS => (deps.config.connections[connection]?.qos ?? 1) as QoS;
  return {
    name,
    options,
    log,
    runtime,
    handle(filter, handler, opts = {}) {
      const { qos, ...options } = opts;
      const connection = options.connection ?? runtime.eventsConnection;
      delete options.connection;
      const subscription = `${connection}: ${filter}`;
      const removeHandler = pipeline.addHandler(record.probe, connection, filter, handler, qos, options);
      record.subscribes.push(subscription);
      let removed = false;
      const remove = (): void => {
        if (removed) return;
        removed = true;
        removeHandler();
        record.subscribes.splice(record.subscribes.indexOf(subscription), 1);
      };
      record.removers.push(remove);
      return remove;
    },
    transform(transform, opts = {}) {
      record.removers.push(pipeline.addTransform(record.probe, transform, opts.order, opts.events));
    },
    guard(guard) {
      record.hasGuard = true;
      record.removers.push(pipeline.addGuard(record.probe, guard));
    },
    id(id) {
      return pipeline.guardId(id);
    },
    topicLevel(id) {
      return topicLevel(pipeline.guardId(id));
    },
    publisher(events, publisher) {
      record.removers.push(pipeline.addPublisher(record.probe, typeof events === 'string' ? [events] : events, publisher));
    },
    onPublished(observer) {
      const remove = pipeline.onPublished((connection, topic, payload) => {
        try {
          observer({ connection, topic, payload });
        } catch (err) {
          log.error({ err, topic }, 'published-message observer failed');
        }
      });
      record.removers.push(remove);
    },
    route(method, path, handler, opts = {}) {
      if (!deps.config.core.http.enabled) throw new Error(`plugin "${name}" serves ${method.toUpperCase()} ${path} on the HTTP server, which is off: set http.enabled to true`);
      record.removers.push(deps.routes.add(name, method, path, handler, opts, log));
    },
    emit(type, data, opts) {
      const problem = deps.events.problem(type, data);
      if (problem !== undefined) {
        metrics.dropped.labels(name, 'schema').inc();
        log.warn({ event: type, problems: problem }, `event ${type} not raised: its data does not match the event's schema`);
        return;
      }
      pipeline.emit(record.probe, type, data, opts?.id);
    },
    publish(topic, payload, opts = {}) {
      pipeline.publish(name, opts.connection ?? runtime.eventsConnection, topic, payload, { qos: opts.qos, retain: opts.retain, properties: opts.properties });
    },
    deliver(topic, payload, opts = {}) {
      return new Promise<boolean>((resolve, reject) => {
        let sent = false;
        const onDone = (err?: Error): void => (err ? reject(err) : resolve(sent));
        pipeline.publish(name, opts.connection ?? runtime.eventsConnection, topic, payload, { qos: opts.qos, retain: opts.retain, durable: false, properties: opts.properties, onDone });
        sent = true;
      });
    },
    connection(connectionName) {
      return connectionHandle(pipeline.connection(connectionName));
    },
    retained(opts: RetainedOptions = {}) {
      const connection = opts.connection ?? runtime.eventsConnection;
      let topics = record.retained.get(connection);
      if (!topics) {
        if (!deps.config.connections[connection]) throw new Error(`no connection named "${connection}" (connections: ${runtime.connections.join(', ')})`);
        topics = new RetainedTopics(
          state.namespace<number | string>(`retained/${name}/${connection}`),
          // Not stored durably in flight: RetainedTopics publishes every value again after a restart.
          (topic, payload, qos, retain, done) => pipeline.publish(name, connection, topic, payload, { qos, retain, durable: false, onDone: done }),
          opts.qos ?? connectionQos(connection),
          opts.retain ?? true,
          opts.intervalMs ?? 0,
          log,
        );
        record.retained.set(connection, topics);
      }
      return topics;
    },
    state<V>(sub?: string) {
      return ownState<V>(sub);
    },
    counter: (metric, help, labelNames) => ownMetrics.counter(metric, help, labelNames),
    gauge: (metric, help, labelNames) => ownMetrics.gauge(metric, help, labelNames),
    health(report) {
      record.health = report;
    },
    onStart(hook) {
      record.startHooks.push(hook);
    },
    onReady(hook) {
      record.readyHooks.push(hook);
    },
    onStop(hook) {
      record.stopHooks.push(hook);
    },
  };
}

function connectionHandle(c: Connection): ConnectionHandle {
  return {
    name: c.name,
    clientId: c.clientId,
    protocolVersion: c.config.protocolVersion,
    bridgeMode: c.config.bridgeMode,
    get connected() {
      return c.connected;
    },
    onConnect: (hook) => c.onConnect(hook),
    onDisconnect: (hook) => c.onDisconnect(hook),
    setWill(will) {
      if (c.hasWill) throw new Error(`connection "${c.name}" already has a last will (its configuration's, or the runtime's status topic); it can have one`);
      c.setWill(will);
    },
    unsubscribe: (filter) => c.unsubscribeOnConnect(filter),
    resubscribe: (filter) => c.resubscribe(filter),
  };
}
