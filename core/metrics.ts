import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CellCounter, CellHistogram } from './metric-cells.js';

/**
 * The runtime's Prometheus metrics, in its own registry (served on GET /metrics). Those counted per
 * message are cells (metric-cells.ts): users take a cell once (`messagesIn.labels('local')`) and keep it.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly messagesIn = this.#cells('messages_received_total', 'MQTT messages received', ['connection']);
  readonly messagesOut = this.#cells('messages_published_total', 'MQTT messages published', ['connection']);
  readonly publishErrors = this.#cells('messages_publish_errors_total', 'MQTT publishes that failed', ['connection']);
  readonly unmatched = this.#cells('messages_unmatched_total', 'MQTT messages no topic handler matched', ['connection']);
  readonly handled = this.#cells('plugin_messages_handled_total', 'Messages a plugin\'s topic handlers processed', ['plugin']);
  readonly rejected = this.#cells('plugin_messages_rejected_total', 'Messages a plugin rejected as bad input', ['plugin', 'code']);
  readonly failures = this.#cells('plugin_failures_total', 'Errors thrown by a plugin, contained by the runtime', ['plugin', 'stage']);
  readonly dropped = this.#cells('plugin_drops_total', 'Events or messages a plugin\'s transform or guard dropped', ['plugin', 'stage']);
  readonly events = this.#cells('events_total', 'Bus events raised', ['plugin', 'type']);
  readonly deadLetters = this.#cells('dead_letters_total', 'Messages sent to the dead-letter topic', ['plugin']);
  readonly handlerSeconds = new CellHistogram(
    this.registry,
    'switchboard_handler_duration_seconds',
    'Time a plugin\'s topic handler took for one message (synchronous part)',
    ['plugin'],
    [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
  );
  readonly connectionUp = this.#gauge('connection_up', '1 while the connection is established', ['connection']);
  readonly reconnects = this.#cells('connection_reconnects_total', 'Reconnection attempts', ['connection']);
  readonly takeovers = this.#cells('connection_takeovers_total', 'Times a connection was found to share its client id with another client', ['connection']);
  readonly qosDowngrades = this.#cells('subscription_qos_downgrades_total', 'Subscriptions the broker granted with a lower QoS than asked', ['connection']);
  readonly stateCommits = this.#cells('state_commits_total', 'Group commits written to the state log', []);
  readonly stateWriteErrors = this.#cells('state_write_errors_total', 'Failed writes of the state log', []);
  readonly stateDegraded = this.#gauge('state_degraded', '1 while state cannot be written to disk', []);
  readonly stateSnapshotSeconds = new CellHistogram(
    this.registry,
    'switchboard_state_snapshot_duration_seconds',
    'Time a state snapshot (compaction) took to write, in the background while commits go on',
    [],
    [0.1, 0.5, 1, 2, 5, 10, 30],
  );
  readonly stateRecoverySeconds = this.#gauge('state_recovery_seconds', 'Time this start took to load the state: the snapshot, then the logs after it', []);
  readonly stateMissingFiles = this.#gauge('state_missing_files', '1 when a state file was missing at start and what it held is lost: the snapshot, the log after it, or all of them', ['file']);

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

  #cells(name: string, help: string, labelNames: string[]): CellCounter {
    return new CellCounter(this.registry, `switchboard_${name}`, help, labelNames);
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
