import { BRIDGE_UPDATED, type BridgeStatus, type ConnectionHandle, type PluginContext } from '../../core/index.js';
import type { BridgeMetrics } from './metrics.js';

/** While messages flow, the numbers are told at most this often. */
const EVERY_MS = 1000;

/**
 * Tells the runtime a bridge's state (the core's `bridge_updated` event, which the status page shows): at start,
 * at once when a side connects or drops or a notification is published, and the numbers at most once a second.
 */
export class BridgeStatusReporter {
  readonly #ctx: PluginContext;
  readonly #name: string;
  readonly #metrics: BridgeMetrics;
  readonly #local: ConnectionHandle;
  readonly #remote: ConnectionHandle;
  #notificationTopic: string | undefined;
  #notification: '0' | '1' | null = null;
  /** Set by the hooks: within an onDisconnect hook, the handle may still say connected. */
  readonly #up = new Map<ConnectionHandle, boolean>();
  #timer: NodeJS.Timeout | null = null;
  #last = '';
  #running = false;

  constructor(ctx: PluginContext, name: string, metrics: BridgeMetrics, local: ConnectionHandle, remote: ConnectionHandle) {
    this.#ctx = ctx;
    this.#name = name;
    this.#metrics = metrics;
    this.#local = local;
    this.#remote = remote;
  }

  install(): void {
    for (const side of [this.#local, this.#remote]) {
      side.onConnect(() => this.#side(side, true));
      side.onDisconnect(() => this.#side(side, false));
    }
    this.#metrics.onChange(() => this.#soon());
    this.#ctx.onStart(() => {
      this.#running = true;
      this.#now();
    });
    this.#ctx.onStop(() => {
      this.#running = false;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
    });
  }

  /** The bridge publishes its state on `topic` (none: it does not). */
  notifiesOn(topic: string | undefined): void {
    this.#notificationTopic = topic;
  }

  /** The bridge published its state locally. */
  notified(payload: '0' | '1'): void {
    this.#notification = payload;
    this.#now();
  }

  status(): BridgeStatus {
    const status: BridgeStatus = {
      name: this.#name,
      local: { connection: this.#local.name, connected: this.#up.get(this.#local) ?? this.#local.connected },
      remote: { connection: this.#remote.name, connected: this.#up.get(this.#remote) ?? this.#remote.connected },
      forwarded: { out: this.#metrics.totals.out, in: this.#metrics.totals.in },
      dropped: { ...this.#metrics.dropReasons },
      queued: this.#metrics.totals.queueDepth,
    };
    if (this.#notificationTopic !== undefined) status.notification = { topic: this.#notificationTopic, state: this.#notification };
    return status;
  }

  #side(side: ConnectionHandle, up: boolean): void {
    this.#up.set(side, up);
    this.#now();
  }

  #soon(): void {
    if (this.#timer || !this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#now();
    }, EVERY_MS);
    this.#timer.unref();
  }

  #now(): void {
    if (!this.#running) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.#last) return;
    this.#last = text;
    this.#ctx.emit(BRIDGE_UPDATED, status);
  }
}
