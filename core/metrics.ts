import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The runtime's Prometheus metrics, in its own registry (served on GET /metrics). Hot-path users take a
 * labelled child once (`messagesIn.labels('local')`) and keep it, so counting a message allocates nothing.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly messagesIn = this.#counter('messages_received_total', 'MQTT messages received', ['connection']);
  readonly messagesOut = this.#counter('messages_published_total', 'MQTT messages published', ['connection']);
  readonly publishErrors = this.#counter('messages_publish_errors_total', 'MQTT publishes that failed', ['connection']);
  readonly unmatched = this.#counter('messages_unmatched_total', 'MQTT messages no topic handler matched', ['connection']);
  readonly handled = this.#counter('plugin_messages_handled_total', 'Messages a plugin\'s topic handlers processed', ['plugin']);
  readonly rejected = this.#counter('plugin_messages_rejected_total', 'Messages a plugin rejected as bad input', ['plugin', 'code']);
  readonly failures = this.#counter('plugin_failures_total', 'Errors thrown by a plugin, contained by the runtime', ['plugin', 'stage']);
  readonly dropped = this.#counter('plugin_drops_total', 'Events or messages a plugin\'s transform or guard dropped', ['plugin', 'stage']);
  readonly events = this.#counter('events_total', 'Bus events raised', ['plugin', 'type']);
  readonly deadLetters = this.#counter('dead_letters_total', 'Messages sent to the dead-letter topic', ['plugin']);
  readonly handlerSeconds = new Histogram({
    name: 'switchboard_handler_duration_seconds',
    help: 'Time a plugin\'s topic handler took for one message (synchronous part)',
    labelNames: ['plugin'],
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly connectionUp = this.#gauge('connection_up', '1 while the connection is established', ['connection']);
  readonly reconnects = this.#counter('connection_reconnects_total', 'Reconnection attempts', ['connection']);
  readonly stateCommits = this.#counter('state_commits_total', 'Group commits written to the state log', []);
  readonly stateWriteErrors = this.#counter('state_write_errors_total', 'Failed writes of the state log', []);
  readonly stateDegraded = this.#gauge('state_degraded', '1 while state cannot be written to disk', []);

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  /** A counter owned by a plugin, named `switchboard_<plugin>_<name>`. */
  pluginCounter(plugin: string, name: string, help: string, labelNames: string[] = []): Counter<string> {
    return this.#counter(`${plugin.replace(/-/g, '_')}_${name}`, help, labelNames);
  }

  /** A gauge owned by a plugin, named `switchboard_<plugin>_<name>`. */
  pluginGauge(plugin: string, name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return this.#gauge(`${plugin.replace(/-/g, '_')}_${name}`, help, labelNames);
  }

  #counter(name: string, help: string, labelNames: string[]): Counter<string> {
    const full = `switchboard_${name}`;
    return (this.registry.getSingleMetric(full) as Counter<string> | undefined) ??
      new Counter({ name: full, help, labelNames, registers: [this.registry] });
  }

  #gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    const full = `switchboard_${name}`;
    return (this.registry.getSingleMetric(full) as Gauge<string> | undefined) ??
      new Gauge({ name: full, help, labelNames, registers: [this.registry] });
  }
}
