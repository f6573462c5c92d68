import { createHash } from 'node:crypto';
import type { Logger } from './logger.js';
import type { QoS } from './message.js';
import type { StateMap } from './state-map.js';

const CLEAR = Symbol('clear');

/** Publishes a value; `done` is called once the broker has it (or the publish is given up). */
type Publish = (topic: string, payload: unknown, qos: QoS, retain: boolean, done: () => void) => void;

/**
 * At most this many of these topics' publishes waiting for the broker before a scheduled flush goes on: a
 * plugin that sets every topic again at start (100 000 devices: 230 000 topics) would otherwise hold every
 * message in memory at once until the broker took them, and run out of MQTT message ids.
 */
const MAX_IN_FLIGHT = 1000;
const BACKLOG_RETRY_MS = 10;

/**
 * Retained topics a plugin owns, such as device state or Home Assistant discovery configs: the latest
 * value per topic, kept on the broker.
 *
 * Values set within `intervalMs` (default: one event-loop turn) are published together, the last one per
 * topic winning, so a burst of changes to one device publishes its state once. A value equal to the one already published in this
 * run is not published again. Every topic published is remembered in state, so that after a restart a
 * plugin can clear the topics it no longer has (`topics()`, `delete`) and none is left stale on the broker.
 * The first value after a start is always published, since the broker may have lost what it had.
 */
export class RetainedTopics {
  /** Topic -> digest of the value last published there (a string digest in state written by earlier versions). */
  readonly #published: StateMap<number | string>;
  /** Topics published by an earlier run and not yet in this one: the only ones not sent in this run, which keeps this set small. */
  readonly #earlierRun: Set<string>;
  readonly #pending = new Map<string, unknown>();
  readonly #forced = new Set<string>();
  readonly #publish: Publish;
  readonly #qos: QoS;
  readonly #retain: boolean;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #inFlight = 0;
  readonly #done = (): void => {
    this.#inFlight--;
  };
  #scheduled = false;

  constructor(published: StateMap<number | string>, publish: Publish, qos: QoS, retain: boolean, intervalMs: number, log: Logger) {
    this.#published = published;
    this.#earlierRun = new Set(published.keys());
    this.#publish = publish;
    this.#qos = qos;
    this.#retain = retain;
    this.#intervalMs = intervalMs;
    this.#log = log;
  }

  /** Sets the topic's retained value (objects as JSON). `force` publishes it even when unchanged. */
  set(topic: string, payload: unknown, options?: { force?: boolean }): void {
    this.#pending.set(topic, payload);
    if (options?.force) this.#forced.add(topic);
    this.#schedule();
  }

  /** Clears the topic on the broker (an empty retained message) and forgets it. */
  delete(topic: string): void {
    this.#pending.set(topic, CLEAR);
    this.#schedule();
  }

  /** How many topics wait to be published: a plugin that sets every topic again can pace itself on it rather than queue them all. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Whether this plugin has published the topic (in this run or an earlier one) and not cleared it. */
  has(topic: string): boolean {
    return this.#pending.has(topic) ? this.#pending.get(topic) !== CLEAR : this.#published.has(topic);
  }

  /** Every topic this plugin has published and not cleared, including in earlier runs. */
  topics(): string[] {
    const topics = new Set(this.#published.keys());
    for (const [topic, value] of this.#pending) {
      if (value === CLEAR) topics.delete(topic);
      else topics.add(topic);
    }
    return [...topics];
  }

  /**
   * Clears every topic an earlier run published that has not been set (or cleared) in this one: for a plugin
   * that sets all of its topics again at start, the stale ones, found without a set of every topic it wants.
   */
  clearUnset(): void {
    for (const topic of this.#earlierRun) if (!this.#pending.has(topic)) this.delete(topic);
  }

  /** Publishes what is pending now rather than at the end of the interval. */
  flush(): void {
    this.#scheduled = false;
    this.#publishPending(Infinity);
  }

  /** Publishes up to `count` pending topics, the longest pending first. */
  #publishPending(count: number): void {
    let n = 0;
    for (const [topic, payload] of this.#pending) {
      if (n++ >= count) break;
      this.#pending.delete(topic);
      try {
        if (payload === CLEAR) this.#clear(topic);
        else this.#update(topic, payload);
      } catch (err) {
        this.#log.error({ err, topic }, 'could not publish a retained topic');
      }
      this.#forced.delete(topic);
    }
  }

  /** A scheduled flush: as much as the connection's backlog allows, the rest once the broker has taken some. */
  readonly #scheduledFlush = (): void => {
    if (!this.#scheduled) return;
    this.#scheduled = false;
    const room = MAX_IN_FLIGHT - this.#inFlight;
    if (room > 0) this.#publishPending(room);
    if (this.#pending.size === 0) return;
    this.#scheduled = true;
    setTimeout(this.#scheduledFlush, room > 0 ? 0 : BACKLOG_RETRY_MS);
  };

  #update(topic: string, payload: unknown): void {
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    const digest = digestOf(body);
    if (!this.#forced.has(topic) && !this.#earlierRun.has(topic) && this.#published.get(topic) === digest) return;
    // Recorded in the same turn as the publish stores its packet, so both are in one commit.
    this.#published.set(topic, digest);
    this.#earlierRun.delete(topic);
    this.#send(topic, body, this.#retain);
  }

  #clear(topic: string): void {
    if (!this.#published.has(topic)) return;
    this.#published.delete(topic);
    this.#earlierRun.delete(topic);
    // Retained even when values are not: it also removes whatever an earlier retained value left on the broker.
    this.#send(topic, '', true);
  }

  #send(topic: string, body: unknown, retain: boolean): void {
    this.#inFlight++;
    try {
      this.#publish(topic, body, this.#qos, retain, this.#done);
    } catch (err) {
      this.#inFlight--;
      throw err;
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#intervalMs > 0) setTimeout(this.#scheduledFlush, this.#intervalMs);
    else setImmediate(this.#scheduledFlush);
  }
}

/**
 * The first 48 bits of the body's SHA-1, as a number: a number costs a third of the memory of a text digest
 * per topic (hundreds of thousands of them at scale) and is still exact in JSON, and telling a changed value
 * from the one published fails only for a 1 in 2^48 coincidence.
 */
function digestOf(body: string | Buffer): number {
  return createHash('sha1').update(body).digest().readUIntBE(0, 6);
}
