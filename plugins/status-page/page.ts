import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { checkHttpAuth, isLoopbackAddress, type BusEvent, type HttpAuth, type Logger, type PublishedMessage, type RouteRequest, type RouteResponse, type RuntimeInfo } from '../../core/index.js';
import { AlarmBoard } from './alarm-board.js';
import { BridgeBoard } from './bridge-board.js';

/** The page's files, served as they are: no build step. From dist/plugins/status-page/ back to the sources' folder. */
const PUBLIC = new URL('../../../plugins/status-page/public/', import.meta.url);
const FILES: Readonly<Record<string, [file: string, type: string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/status.js': ['status.js', 'text/javascript; charset=utf-8'],
  '/status.css': ['status.css', 'text/css; charset=utf-8'],
};
const STREAM = '/status/stream';
const SNAPSHOT = '/status/state';
/** Which credential the page must send: {type, header} (no secret), for the page to ask for it. */
const AUTH = '/status/auth';
/** Events kept for a page that opens now. */
const RECENT = 200;
const HEALTH_EVERY_MS = 1000;
const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

interface TailEvent {
  type: string;
  source: string;
  time: string;
  id?: string;
  data: unknown;
}

/**
 * The status page: connections, plugins, the alarm board, other devices (e.g. PlaceOS systems), bridges and a
 * live tail of events, read-only. Events are the final ones (after every transform and guard: what publishers
 * see, privacy applied), and device states what is published, after the guards too. Served to loopback clients
 * when `auth` is none; with `auth` set, to whoever authenticates (under apiKey and bearer, the page's static
 * files to anyone: its state only with the credential).
 */
export class StatusPage {
  /** The paths it serves, all GET. */
  static readonly paths: readonly string[] = [...Object.keys(FILES), STREAM, SNAPSHOT, AUTH];

  readonly #auth: Partial<HttpAuth>;
  readonly #runtime: RuntimeInfo;
  readonly #log: Logger;
  readonly #board = new AlarmBoard();
  readonly #bridges = new BridgeBoard();
  readonly #recent: TailEvent[] = [];
  readonly #exclude: ReadonlySet<string>;
  readonly #clients = new Set<PassThrough>();
  readonly #dirty = new Set<'board' | 'bridges'>();
  #healthTimer: NodeJS.Timeout | null = null;
  #lastHealth = '';

  constructor(auth: Partial<HttpAuth>, runtime: RuntimeInfo, log: Logger) {
    this.#auth = auth;
    this.#runtime = runtime;
    this.#log = log;
    this.#exclude = new Set(runtime.eventsExclude);
  }

  /** Refuses a request before it is served: not loopback without auth, or without the credential. */
  check(request: Omit<RouteRequest, 'body'>): RouteResponse | undefined {
    const type = this.#auth.type ?? 'none';
    if (type === 'none') {
      return isLoopbackAddress(request.remoteAddress) ? undefined : { status: 403, body: 'The status page is served to loopback clients only; set its auth to serve it to others.\n' };
    }
    // A browser sends an API key or a bearer token only when a script adds it: the page's own files, which hold
    // no state, are served to anyone, and the page asks for the key or token and sends it with its requests.
    if (request.path === AUTH || ((type === 'apiKey' || type === 'bearer') && request.path in FILES)) return undefined;
    const allowed = checkHttpAuth(request, this.#auth);
    return allowed.ok ? undefined : { status: allowed.status, headers: allowed.headers, body: `${allowed.reason}\n` };
  }

  async serve(request: RouteRequest): Promise<RouteResponse> {
    const { path } = request;
    if (path === AUTH) {
      const type = this.#auth.type ?? 'none';
      return { status: 200, headers: HEADERS, body: type === 'apiKey' ? { type, header: this.#auth.header ?? 'x-api-key' } : { type } };
    }
    if (path === STREAM) return { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' }, body: this.#stream() };
    if (path === SNAPSHOT) return { status: 200, headers: HEADERS, body: this.#snapshot() };
    const [file, contentType] = FILES[path]!;
    return { status: 200, headers: { ...HEADERS, 'content-type': contentType }, body: await readFile(new URL(file, PUBLIC)) };
  }

  /** Takes a final bus event. */
  event(event: BusEvent): void {
    if (this.#board.event(event)) this.#changed('board');
    if (this.#bridges.event(event)) this.#changed('bridges');
    if (this.#exclude.has(event.type)) return;
    const tail: TailEvent = { type: event.type, source: event.source, time: event.time, data: event.data };
    if (event.id !== undefined) tail.id = event.id;
    this.#recent.push(tail);
    if (this.#recent.length > RECENT) this.#recent.shift();
    if (this.#clients.size === 0) return;
    try {
      this.#broadcast('event', tail);
    } catch (err) {
      this.#log.error({ err, event: event.type }, 'the status page could not send an event');
    }
  }

  /** Takes a message the runtime published: a known device's state updates the board. */
  published(message: PublishedMessage): void {
    if (this.#board.published(message.connection, message.topic, message.payload)) this.#changed('board');
  }

  /** Ends the open streams (at shutdown). */
  close(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
    this.#stopHealth();
  }

  #snapshot(): Record<string, unknown> {
    return { health: this.#runtime.health(), board: this.#board.snapshot(), bridges: this.#bridges.snapshot(), events: this.#recent };
  }

  #stream(): PassThrough {
    const client = new PassThrough();
    client.write(`retry: 2000\n\n`);
    client.write(frameOf('snapshot', this.#snapshot()));
    this.#clients.add(client);
    client.once('close', () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#stopHealth();
    });
    // Connection and plugin states change without an event: sent when they differ from the last sent.
    this.#healthTimer ??= setInterval(() => this.#sendHealth(), HEALTH_EVERY_MS);
    this.#healthTimer.unref();
    return client;
  }

  /** A burst of changes (a replay, every device announced at start) is sent once, at the end of the turn. */
  #changed(what: 'board' | 'bridges'): void {
    if (this.#dirty.has(what) || this.#clients.size === 0) return;
    this.#dirty.add(what);
    setImmediate(() => {
      this.#dirty.delete(what);
      this.#broadcast(what, what === 'board' ? this.#board.snapshot() : this.#bridges.snapshot());
    });
  }

  #sendHealth(): void {
    const health = this.#runtime.health();
    const text = JSON.stringify({ ...health, uptimeSeconds: 0 });
    if (text === this.#lastHealth) return;
    this.#lastHealth = text;
    this.#broadcast('health', health);
  }

  #stopHealth(): void {
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#healthTimer = null;
    this.#lastHealth = '';
  }

  #broadcast(name: string, data: unknown): void {
    const frame = frameOf(name, data);
    for (const client of this.#clients) client.write(frame);
  }
}

function frameOf(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
