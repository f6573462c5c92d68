import type { PluginContext } from '../../core/index.js';
import type { Way } from './remap.js';

export type DropReason = 'offline' | 'refused' | 'no_route' | 'echo';

/** Per-bridge counters and gauges (switchboard_mosquitto_bridge_*), and the numbers /healthz shows. */
export class BridgeMetrics {
  readonly #forwarded;
  readonly #dropped;
  readonly #loops;
  readonly #queue;
  readonly #up;
  readonly totals = { out: 0, in: 0, dropped: 0, loopsBroken: 0, queueDepth: 0 };
  readonly #bridge: string;

  constructor(ctx: PluginContext, bridge: string) {
    this.#bridge = bridge;
    this.#forwarded = ctx.counter('forwarded_total', 'Messages forwarded, by bridge and direction (out: local to remote).', ['bridge', 'direction']);
    this.#dropped = ctx.counter('dropped_total', 'Messages not forwarded: QoS 0 while the other side is down, refused by the other broker, no route, echoes.', ['bridge', 'reason']);
    this.#loops = ctx.counter('loops_broken_total', 'Messages dropped because they had already passed this bridge (a cycle of bridges).', ['bridge']);
    this.#queue = ctx.gauge('queue_depth', 'QoS 1/2 messages forwarded and not yet acknowledged by the other side (their source is not acknowledged either).', ['bridge']);
    this.#up = ctx.gauge('connected', '1 while the bridge\'s remote connection is up.', ['bridge']);
    this.#queue.labels(bridge).set(0);
    this.#up.labels(bridge).set(0);
  }

  forwarded(way: Way): void {
    this.totals[way]++;
    this.#forwarded.labels(this.#bridge, way).inc();
  }

  dropped(reason: DropReason): void {
    this.totals.dropped++;
    this.#dropped.labels(this.#bridge, reason).inc();
  }

  loopBroken(): void {
    this.totals.loopsBroken++;
    this.#loops.labels(this.#bridge).inc();
  }

  queued(delta: 1 | -1): void {
    this.totals.queueDepth += delta;
    this.#queue.labels(this.#bridge).set(this.totals.queueDepth);
  }

  connected(up: boolean): void {
    this.#up.labels(this.#bridge).set(up ? 1 : 0);
  }
}
