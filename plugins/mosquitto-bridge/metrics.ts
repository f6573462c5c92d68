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
  /** Messages dropped, by reason (`loop` for loopsBroken). */
  readonly dropReasons: Partial<Record<DropReason | 'loop', number>> = {};
  readonly #bridge: string;
  #onChange: () => void = () => {};

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

  /** Called after every change of the numbers. */
  onChange(listener: () => void): void {
    this.#onChange = listener;
  }

  forwarded(way: Way): void {
    this.totals[way]++;
    this.#forwarded.labels(this.#bridge, way).inc();
    this.#onChange();
  }

  dropped(reason: DropReason): void {
    this.totals.dropped++;
    this.dropReasons[reason] = (this.dropReasons[reason] ?? 0) + 1;
    this.#dropped.labels(this.#bridge, reason).inc();
    this.#onChange();
  }

  loopBroken(): void {
    this.totals.loopsBroken++;
    this.dropReasons.loop = (this.dropReasons.loop ?? 0) + 1;
    this.#loops.labels(this.#bridge).inc();
    this.#onChange();
  }

  queued(delta: 1 | -1): void {
    this.totals.queueDepth += delta;
    this.#queue.labels(this.#bridge).set(this.totals.queueDepth);
    this.#onChange();
  }

  connected(up: boolean): void {
    this.#up.labels(this.#bridge).set(up ? 1 : 0);
  }
}
