import type { IPublishPacket } from 'mqtt';
import { Bus, type BusEvent } from './bus.js';
import type { Connection, ConnectionPublishOptions, PublishExtra, SubscriptionOptions } from './connection.js';
import { guardEvent, guardMessage, throughGuards } from './guards.js';
import { setTextGuard, type Logger } from './logger.js';
import { InboundMessage, type Completion, type OutboundMessage, type QoS } from './message.js';
import type { CounterCell, HistogramCell } from './metric-cells.js';
import type { Metrics } from './metrics.js';
import type { Guard, Publisher, TopicHandler, Transform } from './plugin.js';
import { TopicMatcher } from './topic-matcher.js';
import { topicProblem } from './topics.js';

/** Per-plugin logging and metrics, resolved once so the message path allocates nothing for them. */
export class PluginProbe {
  readonly plugin: string;
  readonly log: Logger;
  readonly handled: CounterCell;
  readonly seconds: HistogramCell;
  readonly #metrics: Metrics;
  readonly #events = new Map<string, CounterCell>();

  constructor(plugin: string, log: Logger, metrics: Metrics) {
    this.plugin = plugin;
    this.log = log;
    this.#metrics = metrics;
    this.handled = metrics.handled.labels(plugin);
    this.seconds = metrics.handlerSeconds.labels(plugin);
  }

  failed(stage: 'handler' | 'transform' | 'guard' | 'publisher'): void {
    this.#metrics.failures.labels(this.plugin, stage).inc();
  }

  dropped(stage: 'transform' | 'guard'): void {
    this.#metrics.dropped.labels(this.plugin, stage).inc();
  }

  rejected(code: string): void {
    this.#metrics.rejected.labels(this.plugin, code).inc();
  }

  raised(type: string): void {
    let counter = this.#events.get(type);
    if (!counter) this.#events.set(type, (counter = this.#metrics.events.labels(this.plugin, type)));
    counter.inc();
  }
}

interface HandlerEntry {
  readonly probe: PluginProbe;
  readonly fn: TopicHandler;
}

interface TransformEntry {
  readonly probe: PluginProbe;
  readonly fn: Transform;
  readonly order: number;
  readonly index: number;
  readonly events: ReadonlySet<string> | null;
}

/** How the core publishes: QoS and retain default to the connection's; the rest is as Connection.publish takes it. */
export type CorePublishOptions = PublishExtra & Partial<Pick<ConnectionPublishOptions, 'qos' | 'retain' | 'durable'>> & Pick<OutboundMessage, 'event'>;

interface GuardEntry {
  readonly probe: PluginProbe;
  readonly guard: Guard;
}

export interface DeadLetterTarget {
  connection: string;
  topic: string;
}

export type PublishedObserver = (connection: string, topic: string, body: string | Buffer) => void;

const EVENT_TYPE = /^[A-Za-z0-9_.-]+$/;
// Event types remembered as checked; past this many (a plugin making types from data), the rest are checked each time.
const MAX_EVENT_TYPES = 1024;

/**
 * The data path. Incoming messages go to the topic handlers whose filters match; events they raise go
 * through the transforms (in order), then the guards, then to the publishers; everything published goes
 * through the guards again on its way to a connection. Every plugin call is contained: an error is
 * logged with the plugin's name and counted, and the message goes on to the others.
 */
export class Pipeline {
  readonly bus = new Bus();
  readonly #metrics: Metrics;
  readonly #connections: ReadonlyMap<string, Connection>;
  readonly #matchers = new Map<string, TopicMatcher<HandlerEntry>>();
  /** Handlers per subscribed filter, by `<connection>\0<filter>`: the last one removed unsubscribes. */
  readonly #filterUsers = new Map<string, number>();
  readonly #transforms: TransformEntry[] = [];
  readonly #eventGuards: GuardEntry[] = [];
  readonly #messageGuards: GuardEntry[] = [];
  readonly #textGuards: GuardEntry[] = [];
  readonly #idGuards: GuardEntry[] = [];
  readonly #core: PluginProbe;
  readonly #log: Logger;
  #deadLetter: DeadLetterTarget | null = null;
  #dispatching = false;
  #waits: Promise<unknown>[] | null = null;
  #transformCount = 0;
  readonly #eventTypes = new Set<string>();
  readonly #published: PublishedObserver[] = [];

  constructor(connections: ReadonlyMap<string, Connection>, log: Logger, metrics: Metrics) {
    this.#connections = connections;
    this.#metrics = metrics;
    this.#core = new PluginProbe('core', log, metrics);
    this.#log = log;
  }

  /** Sees every message as it leaves, after the guards (the status page reads device states this way). */
  onPublished(observer: PublishedObserver): () => void {
    this.#published.push(observer);
    return () => remove(this.#published, observer);
  }

  setDeadLetter(target: DeadLetterTarget | null): void {
    this.#deadLetter = target;
  }

  /**
   * Registers a topic handler and subscribes its filter; returns its removal, which unsubscribes the filter
   * when no other handler on that connection uses it. Removing twice is harmless.
   */
  addHandler(probe: PluginProbe, connection: string, filter: string, fn: TopicHandler, qos: QoS | undefined, options: Omit<SubscriptionOptions, 'qos'> = {}): () => void {
    const conn = this.connection(connection);
    let matcher = this.#matchers.get(connection);
    if (!matcher) this.#matchers.set(connection, (matcher = new TopicMatcher()));
    const entry: HandlerEntry = { probe, fn };
    matcher.add(filter, entry);
    const key = `${connection}\u0000${filter}`;
    this.#filterUsers.set(key, (this.#filterUsers.get(key) ?? 0) + 1);
    conn.subscribe(filter, qos ?? (conn.config.qos as QoS), options);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      matcher.remove(filter, entry);
      const users = this.#filterUsers.get(key)! - 1;
      if (users > 0) return void this.#filterUsers.set(key, users);
      this.#filterUsers.delete(key);
      conn.unsubscribe(filter);
    };
  }

  addTransform(probe: PluginProbe, fn: Transform, order = 0, events?: string[]): () => void {
    const entry: TransformEntry = { probe, fn, order, index: this.#transformCount++, events: events ? new Set(events) : null };
    this.#transforms.push(entry);
    this.#transforms.sort((a, b) => a.order - b.order || a.index - b.index);
    return () => remove(this.#transforms, entry);
  }

  addGuard(probe: PluginProbe, guard: Guard): () => void {
    const entry: GuardEntry = { probe, guard };
    if (guard.event) this.#eventGuards.push(entry);
    if (guard.message) this.#messageGuards.push(entry);
    if (guard.id) this.#idGuards.push(entry);
    if (guard.text) {
      this.#textGuards.push(entry);
      setTextGuard(this.#log, this.guardText);
    }
    return () => {
      remove(this.#eventGuards, entry);
      remove(this.#messageGuards, entry);
      remove(this.#idGuards, entry);
      remove(this.#textGuards, entry);
      if (this.#textGuards.length === 0) setTextGuard(this.#log, null);
    };
  }

  /** Text the runtime writes itself, through every guard's `text`; withheld if one fails. */
  readonly guardText = (text: string): string => {
    let out = text;
    for (const g of this.#textGuards) {
      try {
        out = g.guard.text!(out);
      } catch {
        // Not logged: the line would go through this guard again.
        g.probe.failed('guard');
        return '[withheld: a guard failed on this text]';
      }
    }
    return out;
  };

  /** An id on its way into a topic or another system's id, through every guard's `id`; throws when one fails. */
  guardId(id: string): string {
    let out = id;
    for (const g of this.#idGuards) {
      try {
        out = g.guard.id!(out);
      } catch (err) {
        g.probe.failed('guard');
        throw new Error(`guard of plugin "${g.probe.plugin}" failed on an id: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** Registers a publisher for event types (`*`: all); errors it throws or rejects with are contained. */
  addPublisher<D>(probe: PluginProbe, events: string[], fn: Publisher<D>): () => void {
    const listener = (event: BusEvent): void => {
      try {
        const done = fn(event as BusEvent<D>);
        if (done) done.catch((err: unknown) => this.#publisherFailed(probe, event, err));
      } catch (err) {
        this.#publisherFailed(probe, event, err);
      }
    };
    for (const type of events) this.bus.on(type, listener);
    return () => {
      for (const type of events) this.bus.off(type, listener);
    };
  }

  /** Whether a topic handler takes messages on this topic from this connection. */
  isInput(connection: string, topic: string): boolean {
    const matcher = this.#matchers.get(connection);
    return matcher !== undefined && matcher.match(topic).size > 0;
  }

  /** Hands an incoming message to the matching topic handlers; see Completion for the result. */
  readonly dispatch = (conn: Connection, packet: IPublishPacket): Completion => {
    const handlers = this.#matchers.get(conn.name)?.match(packet.topic);
    if (!handlers || handlers.size === 0) {
      this.#metrics.unmatched.labels(conn.name).inc();
      return undefined;
    }
    const message = new InboundMessage(conn.name, packet, conn.config.maxPayloadBytes);
    this.#dispatching = true;
    try {
      for (const handler of handlers) this.#run(handler, message);
    } finally {
      this.#dispatching = false;
    }
    const waits = this.#waits;
    this.#waits = null;
    return waits ? Promise.all(waits) : undefined;
  };

  /** Raises an event: transforms, then guards, then publishers. */
  emit(probe: PluginProbe, type: string, data: unknown, id?: string): void {
    if (!this.#eventTypes.has(type)) {
      if (!EVENT_TYPE.test(type)) throw new Error(`event type "${type}" must be made of letters, digits, "_", "-" and "."`);
      // Event types are few (a plugin's own names): checked once each.
      if (this.#eventTypes.size < MAX_EVENT_TYPES) this.#eventTypes.add(type);
    }
    probe.raised(type);
    let event: BusEvent = id === undefined ? { type, data, time: new Date().toISOString(), source: probe.plugin } : { type, data, time: new Date().toISOString(), source: probe.plugin, id };
    for (const t of this.#transforms) {
      if (t.events && !t.events.has(event.type)) continue;
      let next: BusEvent | null;
      try {
        next = t.fn(event);
      } catch (err) {
        t.probe.failed('transform');
        t.probe.log.error({ err, event: event.type }, 'transform failed; the event goes on without it');
        continue;
      }
      if (!next) {
        t.probe.dropped('transform');
        t.probe.log.debug({ event: event.type }, 'transform dropped an event');
        return;
      }
      event = next;
    }
    const guarded = throughGuards(this.#eventGuards, event, guardEvent);
    if (guarded) this.bus.emit(guarded);
  }

  /**
   * Publishes through the guards. Objects are serialized as JSON once, after the guards. Throws on an
   * unknown connection or a topic MQTT does not allow (the caller's mistake, contained by its caller).
   * A message a guard stops calls `options.onDone` with no error at once.
   */
  publish(origin: string, connection: string, topic: string, payload: unknown, options: CorePublishOptions = {}): void {
    const conn = this.connection(connection);
    const problem = topicProblem(topic);
    if (problem) throw new Error(problem);
    const out = throughGuards(this.#messageGuards, { connection, topic, payload, qos: options.qos ?? (conn.config.qos as QoS), retain: options.retain ?? conn.config.retain, origin, event: options.event }, guardMessage);
    if (!out) {
      options.onDone?.();
      return;
    }
    const target = out.connection === connection ? conn : this.connection(out.connection);
    const raw = typeof out.payload === 'string' || Buffer.isBuffer(out.payload);
    const body = raw ? (out.payload as string | Buffer) : JSON.stringify(out.payload);
    if (body === undefined) throw new Error(`cannot publish ${String(out.payload)} to ${out.topic}: not serializable`);
    const done = target.publish(out.topic, body, { qos: out.qos, retain: out.retain, durable: options.durable, json: !raw, properties: options.properties, onDone: options.onDone });
    for (const observer of this.#published) observer(out.connection, out.topic, body);
    if (done && this.#dispatching) (this.#waits ??= []).push(done);
  }

  #run(handler: HandlerEntry, message: InboundMessage): void {
    const started = performance.now();
    try {
      const result = handler.fn(message) as unknown;
      if (result && typeof (result as Promise<void>).then === 'function') {
        (this.#waits ??= []).push(
          (result as Promise<void>).then(
            () => handler.probe.handled.inc(),
            (err: unknown) => this.#handlerFailed(handler.probe, message, err),
          ),
        );
      } else {
        handler.probe.handled.inc();
      }
    } catch (err) {
      this.#handlerFailed(handler.probe, message, err);
    }
    handler.probe.seconds.observe((performance.now() - started) / 1000);
  }

  #handlerFailed(probe: PluginProbe, message: InboundMessage, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    const where = { connection: message.connection, topic: message.topic };
    if (error.name === 'MessageRejected') {
      const code = (error as { code?: string }).code ?? 'invalid';
      probe.rejected(code);
      probe.log.warn({ ...where, code, reason: error.message }, `rejected a message on ${message.topic}: ${error.message}`);
    } else {
      probe.failed('handler');
      probe.log.error({ ...where, err: error }, `topic handler failed on ${message.topic}: ${error.message}`);
    }
    this.#sendToDeadLetter(probe.plugin, message, error);
  }

  #publisherFailed(probe: PluginProbe, event: BusEvent, err: unknown): void {
    probe.failed('publisher');
    probe.log.error({ err, event: event.type }, 'publisher failed');
  }

  #sendToDeadLetter(plugin: string, message: InboundMessage, error: Error): void {
    const target = this.#deadLetter;
    if (!target || (message.connection === target.connection && message.topic === target.topic)) return;
    try {
      this.publish('core', target.connection, target.topic, {
        reason: error.message,
        code: (error as { code?: string }).code ?? 'handler_error',
        plugin,
        connection: message.connection,
        topic: message.topic,
        qos: message.qos,
        retain: message.retain,
        time: new Date().toISOString(),
        bytes: message.payload.length,
        ...excerpt(message.payload),
      }, { qos: 1, retain: false });
      this.#metrics.deadLetters.labels(plugin).inc();
    } catch (err) {
      this.#core.log.error({ err, topic: target.topic }, 'could not publish to the dead-letter topic');
    }
  }

  /** The named connection; throws for an unknown name. */
  connection(name: string): Connection {
    const conn = this.#connections.get(name);
    if (!conn) throw new Error(`no connection named "${name}" (connections: ${[...this.#connections.keys()].join(', ') || 'none'})`);
    return conn;
  }
}

/** Most of a payload a dead letter quotes: enough to see what was wrong, never a copy of a large message. */
export const DEAD_LETTER_EXCERPT_BYTES = 1024;

// Where a word ends in text or JSON: an excerpt cut elsewhere is cut back to one of these.
const WORD_END = /[\s"'`,;:{}[\]()<>|]/u;

/**
 * The start of a payload as text, for a dead letter: at most DEAD_LETTER_EXCERPT_BYTES, bytes that are not
 * UTF-8 shown as U+FFFD (never the raw bytes, which no guard could read), and cut after a whole word, so that
 * no part of an address or number is quoted that a guard would no longer recognise.
 */
function excerpt(payload: Buffer): { excerpt: string; truncated: boolean } {
  const truncated = payload.length > DEAD_LETTER_EXCERPT_BYTES;
  let text = (truncated ? payload.subarray(0, DEAD_LETTER_EXCERPT_BYTES) : payload).toString('utf8');
  if (truncated) {
    let cut = text.length;
    while (cut > 0 && !WORD_END.test(text[cut - 1]!)) cut--;
    text = text.slice(0, cut);
  }
  return { excerpt: text, truncated };
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
