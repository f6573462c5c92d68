import type { Container } from 'inversify';
import type { Counter, Gauge } from 'prom-client';
import type { RuntimeConfig } from './config/load-config.js';
import type { Logger } from './logger.js';
import type { StateMap } from './state-map.js';

declare const SERVICE: unique symbol;

/** A symbol naming a service of type `T` in the container; `resolve(container, token)` is typed `T`. */
export type Token<T> = symbol & { readonly [SERVICE]?: T };

const token = <T>(name: string): Token<T> => Symbol.for(`switchboard.${name}`) as Token<T>;

/** Services of the runtime that are values, not classes (classes are their own identifiers). */
export const TOKENS = {
  Config: token<RuntimeConfig>('Config'),
  Logger: token<Logger>('Logger'),
  /** The runtime's container, the parent of every plugin's scope. */
  Container: token<Container>('Container'),
} as const;

/** A plugin's metrics: named `switchboard_<plugin>_<name>`. */
export interface PluginMetrics {
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  gauge(name: string, help: string, labelNames?: string[]): Gauge<string>;
}

/** Services bound in each plugin's own scope, a child container of the runtime's (see plugin-scope.ts). */
export const PLUGIN = {
  Name: token<string>('plugin.Name'),
  /** Its logger: every line carries `plugin: <name>`. */
  Logger: token<Logger>('plugin.Logger'),
  /** Its persistent state: the map `name` (default: the plugin's own) in its namespace `plugin/<name>/`. */
  State: token<<V>(name?: string) => StateMap<V>>('plugin.State'),
  Metrics: token<PluginMetrics>('plugin.Metrics'),
} as const;

export function resolve<T>(container: Container, service: Token<T>): T {
  return container.get<T>(service);
}
