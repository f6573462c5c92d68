import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Counter, Gauge } from 'prom-client';
import type { BusEvent } from './bus.js';
import type { Logger } from './logger.js';
import type { InboundMessage, OutboundMessage, QoS } from './message.js';
import type { RetainedTopics } from './retained.js';
import type { StateMap } from './state-store.js';

/** Handles MQTT messages whose topic matches the handler's filter; may return a promise (the message is acknowledged after it settles). */
export type TopicHandler = (message: InboundMessage) => void | Promise<void>;

/** Changes an event (return it, changed or not) or drops it (return null). Runs synchronously. */
export type Transform = (event: BusEvent) => BusEvent | null;

/** Receives final events: after every transform and guard. */
export type Publisher<D = unknown> = (event: BusEvent<D>) => void | Promise<void>;

/**
 * The last word on everything that leaves: `event` sees each event after all transforms and before any
 * publisher; `message` sees every MQTT message the runtime publishes, whoever publishes it. Either may
 * change what it is given or return null to stop it. A guard that throws stops the event or message
 * (fails closed), and a plugin that registers a guard cannot be optional.
 */
export interface Guard {
  event?(event: BusEvent): BusEvent | null;
  message?(message: OutboundMessage): OutboundMessage | null;
}

export interface HandleOptions {
  /** Connection to subscribe on (default: the events connection, normally "local"). */
  connection?: string;
  /** Subscription QoS (default: the connection's). */
  qos?: QoS;
}

export interface PublishOptions {
  connection?: string;
  qos?: QoS;
  retain?: boolean;
}

export interface RetainedOptions {
  /** Connection the topics live on (default: the events connection). */
  connection?: string;
  /** Publish changes at most this often per topic, in ms (default 0: once per event-loop turn). */
  intervalMs?: number;
  /** QoS of the publishes (default: the connection's). The first call for a connection decides it and `retain`. */
  qos?: QoS;
  /** false: publish values without the retain flag, for consumers that ask for them again (clears stay retained). Default true. */
  retain?: boolean;
}

export interface TransformOptions {
  /** Lower runs first; default 0. Ties run in the order the plugins are configured. */
  order?: number;
  /** Event types it applies to (default: all). */
  events?: string[];
}

/** What the runtime tells plugins about itself. */
export interface RuntimeInfo {
  readonly version: string;
  readonly eventsConnection: string;
  readonly eventsPrefix: string;
  readonly statusTopic: string;
  readonly connections: readonly string[];
}

/** What a plugin's `setup` is given: its options, and the ways to contribute to the runtime. */
export interface PluginContext<O = unknown> {
  readonly name: string;
  /** The plugin's section of runtime.config.json, validated against its schema, with defaults filled in. */
  readonly options: O;
  /** A logger whose lines carry `plugin: <name>`. */
  readonly log: Logger;
  readonly runtime: RuntimeInfo;

  /**
   * Handles MQTT messages matching `filter` (`+` and `#` wildcards) on a connection. Returns the handler's
   * removal: once no handler of any plugin uses the filter on that connection any more, it is unsubscribed
   * from the broker. Calling it again does nothing. To build topics from event fields, see TopicTemplate.
   */
  handle(filter: string, handler: TopicHandler, options?: HandleOptions): () => void;
  /** Changes or drops events on their way to the publishers. */
  transform(transform: Transform, options?: TransformOptions): void;
  /** Guards everything that leaves the runtime (see Guard). */
  guard(guard: Guard): void;
  /** Receives final events of the given types (`*`: all). */
  publisher<D = unknown>(events: string | string[], publisher: Publisher<D>): void;

  /** Raises a bus event. `type` is a topic-safe word such as `homelink_alert`. */
  emit(type: string, data: unknown, options?: { id?: string }): void;
  /** Publishes an MQTT message; objects are sent as JSON. Goes through every guard. */
  publish(topic: string, payload: unknown, options?: PublishOptions): void;
  /** Retained topics this plugin owns: published when changed, remembered across restarts (see RetainedTopics). */
  retained(options?: RetainedOptions): RetainedTopics;
  /** Persistent state: a map that survives restarts and crashes (see StateMap). */
  state<V>(name?: string): StateMap<V>;

  /** A Prometheus counter named `switchboard_<plugin>_<name>`. */
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  /** A Prometheus gauge named `switchboard_<plugin>_<name>`. */
  gauge(name: string, help: string, labelNames?: string[]): Gauge<string>;

  /** Runs once every plugin is set up and the connections are started. */
  onStart(hook: () => void | Promise<void>): void;
  /** Runs once every plugin has started (e.g. to act on what others announced at their start). */
  onReady(hook: () => void | Promise<void>): void;
  /** Runs at shutdown, in reverse plugin order, after the last message was handled. */
  onStop(hook: () => void | Promise<void>): void;
}

/** An option of a command, in node:util parseArgs form, with what `--help` says of it. */
export interface CommandOption {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** What the option does, shown by `--help`. */
  description?: string;
  /** The placeholder for its value in `--help` (default VALUE), e.g. FILE. */
  value?: string;
}

/** A command of a plugin's, run as `switchboard <plugin> <command>`. */
export interface PluginCommand {
  summary: string;
  usage: string;
  options?: Record<string, CommandOption>;
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface CommandIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Loads and validates a configuration file; this plugin's options as in `ctx.options`. */
  pluginOptions(configFile: string | undefined): Promise<unknown>;
}

/** A plugin: a name, a version, a JSON Schema for its options, and a setup that contributes to the runtime. */
export interface PluginDefinition<O = unknown> {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** JSON Schema of the plugin's options (an object schema); the source of its options' type. */
  readonly schema: JSONSchema;
  setup(ctx: PluginContext<O>): void | Promise<void>;
  readonly commands?: Readonly<Record<string, PluginCommand>>;
  /** Further JSON Schemas the plugin documents (e.g. of the payloads it publishes), written to schemas/<name>.schema.json. */
  readonly schemas?: Readonly<Record<string, object>>;
}

/**
 * Declares a plugin. The options' type is derived from `schema` (written `as const`), so the schema is
 * the one description of the options.
 */
export function definePlugin<const S extends JSONSchema, O = FromSchema<S>>(definition: {
  name: string;
  version: string;
  description: string;
  schema: S;
  setup(ctx: PluginContext<O>): void | Promise<void>;
  commands?: Record<string, PluginCommand>;
  schemas?: Record<string, object>;
}): PluginDefinition<O> {
  return definition;
}
