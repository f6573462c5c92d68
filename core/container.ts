import 'reflect-metadata';
import { Container } from 'inversify';
import { EmbeddedBroker } from './broker.js';
import type { RuntimeConfig } from './config/load-config.js';
import { Connections } from './connections.js';
import { Health } from './health.js';
import { HttpServer } from './http.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Pipeline } from './pipeline.js';
import { PluginHost } from './plugin-host.js';
import { PluginRoutes } from './routes.js';
import { Runtime } from './runtime.js';
import { StateStore } from './state-store.js';
import { TOKENS } from './tokens.js';

/**
 * The composition root: the one place where the runtime's parts are put together. Every service is a
 * singleton; classes that take plain options (state store, pipeline, broker) are built by factories,
 * the others are injected through their decorated constructors. Each plugin gets a child container of
 * this one (plugin-scope.ts). Rebind a service before `get(Runtime)` to replace it (tests do).
 */
export function createContainer(config: RuntimeConfig, log: Logger, metrics = new Metrics()): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Logger).toConstantValue(log);
  container.bind(TOKENS.Container).toConstantValue(container);
  container.bind(Metrics).toConstantValue(metrics);
  container.bind(StateStore).toResolvedValue(
    (logger: Logger, m: Metrics) => new StateStore({ dir: config.core.state.dir, fsync: config.core.state.fsync, compactBytes: config.core.state.compactBytes }, logger, m),
    [TOKENS.Logger, Metrics],
  );
  container.bind(EmbeddedBroker).toResolvedValue((logger: Logger) => new EmbeddedBroker(config.core.broker, logger), [TOKENS.Logger]);
  container.bind(Connections).toSelf();
  container.bind(Pipeline).toResolvedValue((connections: Connections, logger: Logger, m: Metrics) => new Pipeline(connections.byName, logger, m), [Connections, TOKENS.Logger, Metrics]);
  container.bind(PluginHost).toSelf();
  container.bind(Health).toSelf();
  container.bind(HttpServer).toSelf();
  container.bind(PluginRoutes).toSelf();
  container.bind(Runtime).toSelf();
  return container;
}

/** A runtime for the configuration, ready to `start()`. */
export function createRuntime(config: RuntimeConfig, log: Logger, metrics?: Metrics): Runtime {
  return createContainer(config, log, metrics).get(Runtime);
}
