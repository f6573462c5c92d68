import { Container } from 'inversify';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { StateStore } from './state-store.js';
import { PLUGIN, TOKENS, type PluginMetrics } from './tokens.js';

/**
 * A plugin's own scope: a child container of the runtime's in which its name, logger, state namespace and
 * metrics are bound, made from the runtime's services. What the plugin's context gives it comes from here,
 * so a test or an embedding can rebind any of them, for every plugin (in the runtime's container) or one.
 */
export function pluginScope(root: Container, name: string): Container {
  const scope = new Container({ parent: root, defaultScope: 'Singleton' });
  scope.bind(PLUGIN.Name).toConstantValue(name);
  scope.bind(PLUGIN.Logger).toResolvedValue((log: Logger) => log.child({ plugin: name }), [TOKENS.Logger]);
  scope.bind(PLUGIN.State).toResolvedValue(
    (state: StateStore) =>
      <V>(sub?: string) =>
        state.namespace<V>(sub ? `plugin/${name}/${sub}` : `plugin/${name}`),
    [StateStore],
  );
  scope.bind(PLUGIN.Metrics).toResolvedValue(
    (metrics: Metrics): PluginMetrics => ({
      counter: (metric, help, labelNames) => metrics.pluginCounter(name, metric, help, labelNames),
      gauge: (metric, help, labelNames) => metrics.pluginGauge(name, metric, help, labelNames),
    }),
    [Metrics],
  );
  return scope;
}
