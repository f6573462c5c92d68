import { MessageRejected, type FromSchema, type Logger } from '../../core/index.js';
import type { MessageType } from './homelink-message.js';
import { RestClient, RestError, type RestFailure } from './rest-client.js';
import { alertMessage, changedAt, deviceMessage, isActive, mqttSerial, propertyMessage, resolveMessage } from './rest-mapping.js';
import type { restSchema } from './rest-schema.js';

export type RestOptions = FromSchema<typeof restSchema>;

/** What the poller needs to know of the plugin's state, so that it feeds only what is new. */
export interface PolledState {
  /** undefined: unknown; null: known, with no time. */
  propertyChangedAt(reference: string): number | null | undefined;
  deviceChangedAt(serial: string): number | null | undefined;
  devicesOf(reference: string): Iterable<string>;
  alertPhase(eventId: string): 'none' | 'listed' | 'cleared';
  /** The alerts listed against the property's devices. */
  listedAlerts(reference: string): Iterable<{ eventId: string; device: string; property: string; eventType: string | null; at: number }>;
}

export interface RestPollerDeps {
  options: RestOptions;
  state: PolledState;
  /** The plugin's one entry point for messages of every way in; throws MessageRejected for a message it refuses. */
  handle(type: MessageType, payload: Record<string, unknown>): void;
  log: Logger;
  /** Polls by outcome (ok, auth, rate, server, network, shape) and REST items refused by the parser. */
  polls: { inc(labels: { outcome: string }): void };
  rejected: { inc(): void };
  now?: () => number;
}

const MAX_BACKOFF_MS = 15 * 60_000;
// A listed alert is resolved after it is missing from this many complete polls in a row: REST may list an alert a little after MQTT raised it.
const MISSING_POLLS_TO_RESOLVE = 2;

/**
 * Polls HomeLINK's REST API every `intervalSeconds`: every property, its devices and its alerts. What is
 * new (a property or device not known or changed since, an active alert never seen) is fed through the
 * plugin's handling as the MQTT message would be, so it raises the same events and an alert that also
 * comes by MQTT or webhook is one alert; a listed alert of a polled property that REST no longer lists
 * (twice in a row) is resolved. On failure it backs off: a 429 waits for Retry-After, a 401 fetches a new
 * token once and then waits, 5xx and network errors wait twice as long each time (up to 15 minutes);
 * one log line when polling starts failing, one when it works again.
 */
export class RestPoller {
  readonly #d: RestPollerDeps;
  readonly #client: RestClient;
  readonly #abort = new AbortController();
  readonly #missing = new Map<string, number>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #failures = 0;
  #failing: RestFailure | undefined;

  constructor(deps: RestPollerDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    const o = deps.options;
    this.#client = new RestClient({
      baseUrl: o.baseUrl ?? 'https://frontier.live.homelync.io/v1/',
      authUrl: o.authUrl ?? 'https://auth.live.homelync.io/oauth2',
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      timeoutMs: (o.timeoutSeconds ?? 30) * 1000,
      log: deps.log,
      signal: this.#abort.signal,
      now: this.#now,
    });
  }

  get #intervalMs(): number {
    return (this.#d.options.intervalSeconds ?? 30) * 1000;
  }

  /** Polls now, then every interval (or later, backing off). */
  start(): void {
    this.#schedule(0);
  }

  /** Stops polling; a poll in flight is cut short. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#abort.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#poll().then((next) => this.#schedule(next));
    }, ms);
    this.#timer.unref();
  }

  /** Polls once; returns how long to wait before the next poll. */
  async #poll(): Promise<number> {
    try {
      await this.#pollAll();
    } catch (err) {
      if (this.#abort.signal.aborted) return 0;
      return this.#failed(err);
    }
    this.#d.polls.inc({ outcome: 'ok' });
    if (this.#failing) this.#d.log.info({ after: this.#failures }, 'HomeLINK REST polling works again');
    this.#failures = 0;
    this.#failing = undefined;
    return this.#intervalMs;
  }

  #failed(err: unknown): number {
    const error = err instanceof RestError ? err : new RestError('shape', (err as Error).message);
    this.#failures++;
    this.#d.polls.inc({ outcome: error.kind });
    const wait =
      error.kind === 'rate'
        ? Math.max(error.retryAfterMs ?? this.#intervalMs, this.#intervalMs)
        : Math.min(this.#intervalMs * 2 ** Math.min(this.#failures, 16), MAX_BACKOFF_MS);
    const line = { kind: error.kind, retryInSeconds: Math.round(wait / 1000), failures: this.#failures };
    // One line when polling starts failing (or fails differently); the retries after it at debug.
    if (this.#failing !== error.kind) this.#d.log.warn(line, `HomeLINK REST polling failed: ${error.message}; trying again in ${line.retryInSeconds} s${error.kind === 'rate' ? ' (Retry-After)' : ''}`);
    else this.#d.log.debug({ ...line, err: error.message }, 'HomeLINK REST polling failed again');
    this.#failing = error.kind;
    return wait;
  }

  async #pollAll(): Promise<void> {
    const { state } = this.#d;
    for (const property of await this.#client.list('property')) {
      const reference = typeof property.reference === 'string' && property.reference !== '' ? property.reference : undefined;
      if (reference === undefined) continue;
      const path = `property/${encodeURIComponent(reference)}`;
      if (isNewer(changedAt(property), state.propertyChangedAt(reference))) this.#feed('property', propertyMessage(property, null));

      const devices = await this.#client.list(`${path}/devices`);
      const gateways = devices.filter((d) => d.modelType === 'GATEWAY' && typeof d.serialNumber === 'string').map((d) => d.serialNumber as string);
      const serials = new Map<string, string>();
      const serialOf = (bare: string, modelType: unknown): string =>
        serials.get(bare) ?? mqttSerial(bare, typeof modelType === 'string' ? modelType : null, gateways, state.devicesOf(reference));
      for (const device of devices) {
        if (typeof device.serialNumber !== 'string' || device.serialNumber === '') continue;
        const serial = serialOf(device.serialNumber, device.modelType);
        serials.set(device.serialNumber, serial);
        if (isNewer(changedAt(device), state.deviceChangedAt(serial))) this.#feed('device', deviceMessage(device, reference, serial));
      }

      const active = new Set<string>();
      for (const alert of await this.#client.list(`${path}/alerts`)) {
        if (typeof alert.id !== 'string' || alert.id === '' || !isActive(alert)) continue;
        active.add(alert.id);
        if (state.alertPhase(alert.id) !== 'none') continue;
        const serial = typeof alert.serialNumber === 'string' && alert.serialNumber !== '' ? serialOf(alert.serialNumber, alert.modelType) : null;
        this.#feed('alert', alertMessage(alert, reference, serial));
      }
      for (const listed of [...state.listedAlerts(reference)]) {
        if (active.has(listed.eventId)) {
          this.#missing.delete(listed.eventId);
          continue;
        }
        const missing = (this.#missing.get(listed.eventId) ?? 0) + 1;
        if (missing < MISSING_POLLS_TO_RESOLVE) {
          this.#missing.set(listed.eventId, missing);
          continue;
        }
        this.#missing.delete(listed.eventId);
        this.#feed('alert', resolveMessage(listed, Math.max(this.#now(), listed.at + 1)));
      }
    }
  }

  #feed(type: MessageType, payload: Record<string, unknown>): void {
    if (this.#abort.signal.aborted) return;
    try {
      this.#d.handle(type, payload);
    } catch (err) {
      if (!(err instanceof MessageRejected)) throw err;
      this.#d.rejected.inc();
      this.#d.log.warn({ type, code: err.code, reason: err.message }, `a ${type} from HomeLINK's REST API was refused: ${err.message}`);
    }
  }
}

/** Whether a REST resource changed at `at` is news to a record changed at `known` (undefined: not known at all). */
function isNewer(at: number | undefined, known: number | null | undefined): boolean {
  if (known === undefined) return true;
  return at !== undefined && (known === null || at > known);
}
