import type { IncomingHttpHeaders } from 'node:http';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Counter, Gauge } from 'prom-client';
import type { BusEvent } from './bus.js';
import type { EventData, EventSchemas } from './event-types.js';
import type { HealthReport } from './health.js';
import type { Logger } from './logger.js';
import type { InboundMessage, MessageProperties, OutboundMessage, QoS } from './message.js';
import type { RetainedTopics } from './retained.js';
import type { StateMap } from './state-map.js';

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
  /** Free text the runtime writes itself (log lines, reasons): the text as it may leave. A throw withholds the text. */
  text?(text: string): string;
  /**
   * An id on its way to becoming a topic level or part of another system's id (a Home Assistant unique_id):
   * the id as it may leave. Must be stable (the same id gives the same result in every run) and keep distinct
   * ids distinct.
   */
  id?(id: string): string;
}

export interface HandleOptions {
  /** Connection to subscribe on (default: the events connection, normally "local"). */
  connection?: string;
  /** Subscription QoS (default: the connection's). */
  qos?: QoS;
  /**
   * MQTT 5 No Local: the broker does not send back what this connection publishes. The subscription is shared by
   * every handler of the same filter on the connection: it keeps No Local only if they all ask for it. On MQTT 3.1.1
   * the connection's `bridgeMode` gives it to every subscription.
   */
  noLocal?: boolean;
  /** MQTT 5 Retain As Published: live messages keep their retain flag (any handler of the filter asking is enough). */
  retainAsPublished?: boolean;
  /** MQTT 5 Retain Handling: 0 retained messages on every subscribe (default), 1 only on a new subscription, 2 never. */
  retainHandling?: 0 | 1 | 2;
}

export interface PublishOptions {
  connection?: string;
  qos?: QoS;
  retain?: boolean;
  /** MQTT 5 properties (e.g. `userProperties: {key: 'value'}`); left out on an MQTT 3.1.1 connection. */
  properties?: MessageProperties;
}

/** A last will (see ConnectionHandle.setWill). */
export interface WillOptions {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

/** One named connection, as a plugin sees it (ctx.connection). */
export interface ConnectionHandle {
  readonly name: string;
  readonly clientId: string;
  readonly protocolVersion: '3.1.1' | '5';
  /** Whether it connects with the bridge bit (see the connection option `bridgeMode`). */
  readonly bridgeMode: boolean;
  readonly connected: boolean;
  /** Runs on every (re)connection, after the connection's subscriptions were sent. */
  onConnect(hook: () => void): void;
  /** Runs each time an established connection is lost or closed. */
  onDisconnect(hook: () => void): void;
  /** Sets the connection's last will; only during setup, and throws if it has one (configured, or the runtime's status topic). */
  setWill(will: WillOptions): void;
  /** Sends an UNSUBSCRIBE of `filter` on every connection, unless a handler subscribes it (clears a persistent session's leftovers). */
  unsubscribe(filter: string): void;
  /** Subscribes a handler's filter again now, if connected, so that the broker sends its retained messages again. */
  resubscribe(filter: string): void;
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

/** A request to a plugin's HTTP route; `body` is the whole body, read before the handler runs. */
export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The client's IP address (e.g. to serve loopback clients only); undefined once it went away. */
  readonly remoteAddress: string | undefined;
  readonly body: Buffer;
}

/**
 * A route's answer: `body` goes out as JSON when it is an object, as text when a string, as it is when a Buffer.
 * A Readable is streamed (e.g. server-sent events) until it ends; it is destroyed when the client goes away.
 */
export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Handles a request to a plugin's route; the answer is sent once the state it changed is on disk. */
export type RouteHandler = (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;

export interface RouteOptions {
  /** A body larger than this gets 413 and the handler does not run (default 1 MiB). */
  maxBodyBytes?: number;
  /** Runs before the body is read (e.g. to check credentials): a response returned is sent at once, and the handler does not run. */
  precheck?: (request: Omit<RouteRequest, 'body'>) => RouteResponse | undefined;
}

/** What the runtime tells plugins about itself. */
export interface RuntimeInfo {
  readonly version: string;
  readonly eventsConnection: string;
  readonly eventsPrefix: string;
  /** QoS of the published events (events.qos): what a plugin's own copies of events should go out at too. */
  readonly eventsQos: QoS;
  readonly statusTopic: string;
  /** Event types not published on the events connection (events.exclude). */
  readonly eventsExclude: readonly string[];
  readonly connections: readonly string[];
  /** What GET /healthz reports now: the runtime's phase, each connection's and plugin's state. */
  health(): HealthReport;
}

/** A message the runtime published, as it left (after every guard). */
export interface PublishedMessage {
  readonly connection: string;
  readonly topic: string;
  readonly payload: string | Buffer;
}

/**
 * What a plugin's `setup` is given: its options, and the ways to contribute to the runtime. `E` is the
 * plugin's declared events: `emit` and `publisher` type their data from those schemas and the core's.
 */
export interface PluginContext<O = unknown, E extends EventSchemas = Record<never, never>> {
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
  /**
   * An id (a property reference, a serial) as it may leave the runtime inside a topic or another system's id:
   * through every guard's `id` (e.g. personal data in it replaced by a stable token). Use it for every id that
   * becomes part of a topic or a unique_id.
   */
  id(id: string): string;
  /** An id as one topic level: `id()`, then made safe as a level (see topicLevel). */
  topicLevel(id: string): string;
  /** Receives final events of the given types (`*`: all); the data of a declared type is typed from its schema. */
  publisher<T extends string>(events: T | T[], publisher: Publisher<EventData<E, NoInfer<T>>>): void;
  /** Sees every MQTT message the runtime publishes, whoever publishes it, as it left (after the guards); a throw is logged. */
  onPublished(observer: (message: PublishedMessage) => void): void;

  /**
   * Serves `method path` on the runtime's HTTP server (e.g. a webhook). The answer goes out only once every
   * state change made so far is on disk, so a 2xx means the request's effects survive a crash; while the
   * runtime starts or stops, requests get 503. Throws when the HTTP server is off or the route is taken.
   */
  route(method: string, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /**
   * Raises a bus event. `type` is a topic-safe word such as `homelink_alert`. Data of a declared type (the
   * plugin's `events`, another plugin's, or the core's `device_updated`, `device_removed`, `bridge_updated`)
   * is checked against its schema: data it refuses is not raised (logged, and counted as a drop at stage "schema").
   */
  emit<T extends string>(type: T, data: EventData<E, NoInfer<T>>, options?: { id?: string }): void;
  /** Publishes an MQTT message; objects are sent as JSON. Goes through every guard. */
  publish(topic: string, payload: unknown, options?: PublishOptions): void;
  /**
   * Publishes like `publish` and resolves once the broker acknowledged the message (QoS 0: once it was written):
   * true, or false when a guard stopped it. Rejects when the broker refuses it (an MQTT 5 reason code) or the
   * connection ends. The message is kept in memory only while in flight: a handler that returns this promise holds
   * the acknowledgement of its own message until then, so that after a crash its source redelivers it instead.
   */
  deliver(topic: string, payload: unknown, options?: PublishOptions): Promise<boolean>;
  /** A named connection: its identity, connect/disconnect hooks, will and subscriptions (throws for an unknown name). */
  connection(name: string): ConnectionHandle;
  /** Retained topics this plugin owns: published when changed, remembered across restarts (see RetainedTopics). */
  retained(options?: RetainedOptions): RetainedTopics;
  /** Persistent state: a map that survives restarts and crashes (see StateMap). */
  state<V>(name?: string): StateMap<V>;

  /** A Prometheus counter named `switchboard_<plugin>_<name>`. */
  counter(name: string, help: string, labelNames?: string[]): Counter<string>;
  /** A Prometheus gauge named `switchboard_<plugin>_<name>`. */
  gauge(name: string, help: string, labelNames?: string[]): Gauge<string>;

  /** What GET /healthz shows of this plugin under `plugins.<name>.details` (called at each request; keep it cheap). */
  health(report: () => unknown): void;

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
  /** The Switchboard versions it works with, as a semver range (`^0.1.0`); checked at load, like Fastify's `fastify: '4.x'`. */
  readonly core: string;
  /** Plugins it needs enabled (by name): checked at load, and set up before it. */
  readonly dependencies?: readonly string[];
  /** The event types it raises, each with the JSON Schema of its data (`as const`): the core checks their data. */
  readonly events?: EventSchemas;
  /** JSON Schema of the plugin's options (an object schema); the source of its options' type. */
  readonly schema: JSONSchema;
  setup(ctx: PluginContext<O>): void | Promise<void>;
  readonly commands?: Readonly<Record<string, PluginCommand>>;
  /** Further JSON Schemas the plugin documents (e.g. of the payloads it publishes), written to schemas/<name>.schema.json. */
  readonly schemas?: Readonly<Record<string, object>>;
  /** Checks of the options beyond their schema; each problem's path is relative to the plugin's section (exit 2, like schema errors). */
  readonly validate?: (options: O) => { path: string; message: string }[];
}

/**
 * Declares a plugin. The options' type is derived from `schema` (written `as const`), so the schema is
 * the one description of the options.
 */
export function definePlugin<const S extends JSONSchema, const E extends EventSchemas = Record<never, never>, O = FromSchema<S>>(definition: {
  name: string;
  version: string;
  description: string;
  core: string;
  dependencies?: readonly string[];
  events?: E;
  schema: S;
  setup(ctx: PluginContext<O, E>): void | Promise<void>;
  commands?: Record<string, PluginCommand>;
  schemas?: Record<string, object>;
  validate?(options: O): { path: string; message: string }[];
}): PluginDefinition<O> {
  return definition as PluginDefinition<O>;
}
