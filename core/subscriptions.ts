import type { ISubscriptionMap, MqttClient } from 'mqtt';
import type { Logger } from './logger.js';
import type { QoS } from './message.js';

/** A subscription's QoS and its MQTT 5 options (ignored on 3.1.1, where `bridgeMode` gives No Local and Retain As Published). */
export interface SubscriptionOptions {
  qos: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

/** What a connection subscribes: sent now when it is connected, and again on every connection that needs it. */
export class Subscriptions {
  readonly #wanted = new Map<string, SubscriptionOptions>();
  /** Filters unsubscribed on every connection (what a persistent session kept from earlier). */
  readonly #unwanted = new Set<string>();
  readonly #log: Logger;
  readonly #downgrades: { inc(): void };
  readonly #v5: boolean;
  #client: MqttClient | null = null;

  constructor(log: Logger, downgrades: { inc(): void }, v5: boolean) {
    this.#log = log;
    this.#downgrades = downgrades;
    this.#v5 = v5;
  }

  /** The client to send through, from now on. */
  attach(client: MqttClient): void {
    this.#client = client;
  }

  /**
   * Subscribing the same filter again keeps the highest QoS; No Local holds only if every subscriber asks for
   * it, Retain As Published if any does.
   */
  add(filter: string, qos: QoS, options: Omit<SubscriptionOptions, 'qos'> = {}): void {
    const known = this.#wanted.get(filter);
    const merged: SubscriptionOptions = known
      ? { ...known, qos: Math.max(known.qos, qos) as QoS, noLocal: known.noLocal === true && options.noLocal === true, retainAsPublished: known.retainAsPublished === true || options.retainAsPublished === true }
      : { ...options, qos, noLocal: options.noLocal === true, retainAsPublished: options.retainAsPublished === true };
    if (known && known.qos === merged.qos && known.noLocal === merged.noLocal && known.retainAsPublished === merged.retainAsPublished) return;
    this.#wanted.set(filter, merged);
    if (this.#client?.connected) this.#send(new Map([[filter, merged]]), known !== undefined);
  }

  /** Sends the subscription of `filter` again now, if connected: the broker sends its retained messages again (retain handling 0). */
  again(filter: string): void {
    const options = this.#wanted.get(filter);
    if (options && this.#client?.connected) this.#send(new Map([[filter, options]]), true);
  }

  unsubscribeOnConnect(filter: string): void {
    this.#unwanted.add(filter);
    if (this.#client?.connected) this.#client.unsubscribe(filter);
  }

  remove(filter: string): void {
    if (!this.#wanted.delete(filter)) return;
    if (!this.#client?.connected) return;
    this.#client.unsubscribe(filter, (err) => {
      if (err) this.#log.error({ err: err.message, filter }, 'unsubscribe failed');
      else this.#log.debug({ filter }, 'unsubscribed');
    });
  }

  /** A connection is up: unsubscribes the stale filters and subscribes everything wanted. */
  connected(): void {
    const stale = [...this.#unwanted].filter((f) => !this.#wanted.has(f));
    if (stale.length > 0) this.#client!.unsubscribe(stale);
    if (this.#wanted.size > 0) this.#send(this.#wanted);
  }

  /** `again`: send it even though mqtt.js has the filter subscribed already (it skips those otherwise). */
  #send(filters: Map<string, SubscriptionOptions>, again = false): void {
    const request: Record<string, unknown> = Object.fromEntries(
      [...filters].map(([filter, o]) => [filter, this.#v5 ? { qos: o.qos, nl: o.noLocal === true, rap: o.retainAsPublished === true, rh: o.retainHandling ?? 0 } : { qos: o.qos }]),
    );
    if (again) request.resubscribe = true;
    this.#client!.subscribe(request as ISubscriptionMap, (err, granted) => {
      if (err) {
        this.#log.error({ err: err.message, filters: [...filters.keys()] }, 'subscribe failed');
        return;
      }
      for (const g of granted ?? []) {
        const asked = filters.get(g.topic)?.qos;
        if (g.qos === 128) this.#log.error({ filter: g.topic }, 'the broker refused the subscription');
        else if (asked !== undefined && g.qos < asked) {
          this.#downgrades.inc();
          this.#log.warn({ filter: g.topic, asked, granted: g.qos }, `the broker granted QoS ${g.qos} for ${g.topic}, lower than the ${asked} asked: messages on it come with the lesser guarantee`);
        } else this.#log.debug({ filter: g.topic, qos: g.qos }, 'subscribed');
      }
    });
  }
}
