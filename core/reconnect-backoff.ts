import type { MqttClient } from 'mqtt';
import type { Logger } from './logger.js';

export interface BackoffSettings {
  /** Seconds. */
  minDelay: number;
  maxDelay: number;
  stableAfter: number;
}

/** Connections closed soon after connecting, in a row, that are reported as a likely client id takeover. */
const TAKEOVER_CLOSES = 3;

/**
 * When a connection's client tries again: doubling from minDelay to maxDelay with jitter, at minDelay while nothing
 * listens, and afresh only once a connection has held for stableAfter. Sets mqtt.js's reconnectPeriod, which it
 * reads when it schedules its next attempt.
 */
export class ReconnectBackoff {
  readonly #settings: BackoffSettings;
  readonly #log: Logger;
  readonly #url: string;
  readonly #takenOver: (why: string) => void;
  #delay: number;
  /** Whether the back-off has been applied since the link was last stable (the first retry waits minDelay). */
  #attempted = false;
  #connectedAt = 0;
  /** Whether the next attempt's delay is set already (an error came before the close). */
  #scheduled = false;
  #stableTimer: NodeJS.Timeout | undefined;
  /** Connections in a row that the broker closed before they held for stableAfter. */
  #quickCloses = 0;

  /** `takenOver` is told when closes in a row look like another client taking the same client id over. */
  constructor(settings: BackoffSettings, log: Logger, url: string, takenOver: (why: string) => void) {
    this.#settings = settings;
    this.#log = log;
    this.#url = url;
    this.#takenOver = takenOver;
    this.#delay = settings.minDelay;
  }

  connected(client: MqttClient): void {
    this.#scheduled = false;
    this.#connectedAt = Date.now();
    // The back-off starts again from minDelay only once the link has held: a connection closed at once (another
    // client taking the same client id over, a broker that accepts and drops) must not retry at full speed forever.
    clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => this.#stable(client), this.#settings.stableAfter * 1000).unref();
  }

  /** mqtt.js starts an attempt. */
  attempting(): void {
    this.#scheduled = false;
  }

  /**
   * The connection closed; to be told before mqtt.js's own listener schedules the next attempt. `stopping`: no next
   * one. True when it ended before the broker accepted it with no error to say why: the caller says so and schedules.
   */
  closed(client: MqttClient, stopping: boolean): boolean {
    clearTimeout(this.#stableTimer);
    const connectedAt = this.#connectedAt;
    this.#connectedAt = 0;
    if (stopping) return false;
    if (connectedAt === 0) return !this.#scheduled;
    if (Date.now() - connectedAt < this.#settings.stableAfter * 1000) this.#shortLived(connectedAt);
    if (!this.#scheduled) this.schedule(client, false);
    return false;
  }

  /** Sets when mqtt.js tries next: at minDelay while nothing listens (`refused`), else after the doubled back-off; with jitter. */
  schedule(client: MqttClient, refused: boolean): void {
    const { minDelay, maxDelay } = this.#settings;
    if (!refused) this.#delay = this.#attempted ? Math.min(this.#delay * 2, maxDelay) : this.#delay;
    this.#attempted = true;
    this.#scheduled = true;
    const seconds = refused ? minDelay : this.#delay;
    client.options.reconnectPeriod = Math.max(100, Math.round(seconds * (0.8 + Math.random() * 0.4) * 1000));
    this.#log.info({ url: this.#url, nextAttemptInSeconds: client.options.reconnectPeriod / 1000 }, 'reconnecting');
  }

  stop(): void {
    clearTimeout(this.#stableTimer);
  }

  /** The connection held for stableAfter: the next failure starts the back-off afresh. */
  #stable(client: MqttClient): void {
    this.#delay = this.#settings.minDelay;
    this.#attempted = false;
    this.#quickCloses = 0;
    client.options.reconnectPeriod = Math.round(this.#delay * 1000);
  }

  /** A connection closed by the broker soon after it was accepted; several in a row are most likely a client id takeover. */
  #shortLived(connectedAt: number): void {
    this.#quickCloses++;
    if (this.#quickCloses === TAKEOVER_CLOSES) {
      const seconds = Math.round((Date.now() - connectedAt) / 100) / 10;
      this.#takenOver(`closed by the broker ${this.#quickCloses} times in a row soon after connecting (the last after ${seconds} s): most likely another client is connected with the same client id, and each takes the other's session over`);
    }
  }
}
