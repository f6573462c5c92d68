import type { ConnectionHandle, InboundMessage, MessageProperties, PluginContext, QoS } from '../../core/index.js';
import { EchoMemo } from './echo-memo.js';
import { marked, passed } from './loop-marker.js';
import type { BridgeMetrics } from './metrics.js';
import { carries, lineQos, route, type Way } from './remap.js';
import type { BridgeOptions } from './schema.js';
import type { BridgeTopic } from './topic-line.js';

// MQTT 5 properties that describe the message itself and travel with it (not per-hop ones such as topic aliases).
const KEPT = ['payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData'] as const;

/**
 * One bridge's message path: the subscriptions mosquitto makes on each side, and each message forwarded to the
 * other side remapped, QoS capped by its line, retain flag as published. A QoS 1/2 message is acknowledged to its
 * source only once the other side acknowledged the copy: the source broker's session holds it meanwhile.
 */
export class Forwarder {
  readonly #ctx: PluginContext;
  readonly #options: BridgeOptions;
  readonly #topics: readonly BridgeTopic[];
  readonly #metrics: BridgeMetrics;
  readonly #side: Record<'local' | 'remote', ConnectionHandle>;
  readonly #loopId: string;
  /** Per way: what was already taken from one delivery (a message matching several lines' filters is forwarded once). */
  readonly #seen = { out: new WeakSet<InboundMessage>(), in: new WeakSet<InboundMessage>() };
  /** Per destination side without No Local: copies sent there whose echo will come back. */
  readonly #echoes = { local: new EchoMemo(), remote: new EchoMemo() };
  #loopLogged = false;
  #stopping = false;

  constructor(ctx: PluginContext, options: BridgeOptions, topics: readonly BridgeTopic[], metrics: BridgeMetrics, local: ConnectionHandle, remote: ConnectionHandle, loopId: string) {
    this.#ctx = ctx;
    this.#options = options;
    this.#topics = topics;
    this.#metrics = metrics;
    this.#side = { local, remote };
    this.#loopId = loopId;
  }

  /** Subscribes (and unsubscribes) what mosquitto would, and re-sends local retained messages on every remote connect. */
  install(): void {
    const { local, remote } = this.#side;
    const localFilters = this.#filters('out');
    for (const [filter, qos] of localFilters) {
      this.#ctx.handle(filter, (m) => this.#forward('out', m), { connection: local.name, qos, noLocal: true, retainAsPublished: true });
    }
    // mosquitto sends the remote SUBSCRIBEs and UNSUBSCRIBEs in config order: an out line's UNSUBSCRIBE undoes an earlier in line's SUBSCRIBE of the same topic.
    const last = new Map<string, 'sub' | 'unsub'>();
    for (const t of this.#topics) {
      if (t.direction !== 'out') last.set(t.remoteTopic, 'sub');
      else if (this.#options.attemptUnsubscribe) last.set(t.remoteTopic, 'unsub');
    }
    for (const [filter, qos] of this.#filters('in')) {
      if (last.get(filter) !== 'sub') continue;
      this.#ctx.handle(filter, (m) => this.#forward('in', m), { connection: remote.name, qos, noLocal: true, retainAsPublished: true, retainHandling: 0 });
    }
    for (const [filter, op] of last) if (op === 'unsub') remote.unsubscribe(filter);
    // mosquitto re-sends every local retained message under its out/both topics at each connect; subscribing again has the local broker send them.
    remote.onConnect(() => {
      for (const filter of localFilters.keys()) local.resubscribe(filter);
    });
    this.#ctx.onStop(() => void (this.#stopping = true));
  }

  /**
   * Distinct subscription filters of one way's lines on their source side, in config order, each at the QoS of its last
   * line: mosquitto subscribes once per line, and a second subscription to the same filter replaces the first.
   */
  #filters(way: Way): Map<string, QoS> {
    const filters = new Map<string, QoS>();
    for (const t of this.#topics) {
      if (carries(t, way)) filters.set(way === 'out' ? t.localTopic : t.remoteTopic, t.qos);
    }
    return filters;
  }

  #forward(way: Way, message: InboundMessage): Promise<void> | undefined {
    const seen = this.#seen[way];
    if (seen.has(message)) return undefined;
    seen.add(message);
    const from = way === 'out' ? 'local' : 'remote';
    const to = way === 'out' ? 'remote' : 'local';
    if (this.#options.loopMarker && passed(message.properties, this.#loopId)) {
      this.#metrics.loopBroken();
      const where = { bridge: this.#options.name, direction: way, topic: message.topic };
      if (!this.#loopLogged) this.#ctx.log.warn(where, `loop broken: a message on ${message.topic} had already passed bridge ${this.#loopId}; it is dropped (further ones are counted in loops_broken_total, logged at debug level)`);
      else this.#ctx.log.debug(where, 'loop broken');
      this.#loopLogged = true;
      return undefined;
    }
    if (this.#echoes[from].isEcho(message.topic, message.payload)) {
      this.#metrics.dropped('echo');
      return undefined;
    }
    const r = route(this.#topics, way, message.topic, message.qos, this.#options.parentLevelQuirk);
    if (!r) {
      this.#metrics.dropped('no_route');
      return undefined;
    }
    const target = this.#side[to];
    // Retained messages reach the remote again at its next connect, when the local broker sends them anew.
    if (!target.connected && (r.qos === 0 || (way === 'out' && message.retain))) {
      this.#metrics.dropped('offline');
      return undefined;
    }
    const retain = message.retain && (way === 'in' || this.#options.outgoingRetain);
    const properties = this.#properties(message.properties, target);
    if (this.#expectsEcho(target, way, r.topic)) this.#echoes[to].sent(r.topic, message.payload);
    const options = { connection: target.name, qos: r.qos, retain, ...(properties ? { properties } : {}) };
    if (r.qos === 0) {
      this.#ctx.publish(r.topic, message.payload, options);
      this.#metrics.forwarded(way);
      return undefined;
    }
    this.#metrics.queued(1);
    return new Promise<void>((resolve) => {
      const attempt = (): void => {
        this.#ctx.deliver(r.topic, message.payload, options).then(
          (sent) => {
            this.#metrics.queued(-1);
            if (sent) this.#metrics.forwarded(way);
            resolve();
          },
          (err: Error & { code?: unknown }) => {
            // The other broker refused it (an MQTT 5 reason code): holding the source would only have it redelivered forever.
            if (typeof err.code === 'number') {
              this.#metrics.queued(-1);
              this.#metrics.dropped('refused');
              this.#ctx.log.warn({ bridge: this.#options.name, topic: r.topic, code: err.code, err: err.message }, `the ${to} broker refused a forwarded message`);
              resolve();
            } else if (!this.#stopping) {
              // Acknowledgements go out in order: one message left unacknowledged would hold back all that follow it.
              this.#ctx.log.warn({ bridge: this.#options.name, topic: r.topic, err: err.message }, 'forwarding failed; trying again');
              setTimeout(attempt, 1000);
            }
            // Stopping: the source stays unacknowledged, and its broker redelivers it to the next run.
          },
        );
      };
      attempt();
    });
  }

  /** The copy's MQTT 5 properties: the message's own (on a v5 target) and this bridge's loop marker. */
  #properties(source: MessageProperties | undefined, target: ConnectionHandle): MessageProperties | undefined {
    if (target.protocolVersion !== '5') return undefined;
    const out: MessageProperties = {};
    for (const key of KEPT) if (source?.[key] !== undefined) (out as Record<string, unknown>)[key] = source[key];
    if (this.#options.loopMarker) out.userProperties = marked(source, this.#loopId);
    else if (source?.userProperties) out.userProperties = source.userProperties;
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** Whether the target broker sends the copy back: a subscription of this bridge there matches it, and nothing asks for No Local. */
  #expectsEcho(target: ConnectionHandle, way: Way, topic: string): boolean {
    if (target.protocolVersion === '5' || target.bridgeMode) return false;
    return lineQos(this.#topics, way === 'out' ? 'in' : 'out', topic) !== null;
  }
}
