import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusEvent } from '../bus.js';
import type { RuntimeConfig } from '../config/load-config.js';
import type { Health } from '../health.js';
import { checkHttpAuth, isLoopbackAddress } from '../http-auth.js';
import type { Logger } from '../logger.js';
import type { Pipeline } from '../pipeline.js';
import { AlarmBoard } from './alarm-board.js';
import { BridgeBoard } from './bridge-board.js';

/** The page's files, served as they are: no build step. From dist/core/status/ back to the sources' folder. */
const PUBLIC = new URL('../../../core/status/public/', import.meta.url);
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

interface TailEvent {
  type: string;
  source: string;
  time: string;
  id?: string;
  data: unknown;
}

/**
 * The status page: connections, plugins, the alarm board, other devices (e.g. PlaceOS systems), bridges and a
 * live tail of events, read-only. Events are taken from the bus, i.e. after every transform and guard (what
 * publishers see, privacy applied), and device states from what is published, after the guards too. Served to
 * loopback clients when http.auth is none; with http.auth set, to whoever authenticates (under apiKey and
 * bearer, the page's static files to anyone: its state only with the credential).
 */
export class StatusPage {
  readonly #config: RuntimeConfig;
  readonly #health: Health;
  readonly #log: Logger;
  readonly #board = new AlarmBoard();
  readonly #bridges = new BridgeBoard();
  readonly #recent: TailEvent[] = [];
  readonly #exclude: ReadonlySet<string>;
  readonly #clients = new Set<ServerResponse>();
  readonly #dirty = new Set<'board' | 'bridges'>();
  #healthTimer: NodeJS.Timeout | null = null;
  #lastHealth = '';

  constructor(config: RuntimeConfig, pipeline: Pipeline, health: Health, log: Logger) {
    this.#config = config;
    this.#health = health;
    this.#log = log;
    this.#exclude = new Set(config.core.events.exclude);
    pipeline.bus.on('*', (event) => this.#event(event));
    pipeline.onPublished((connection, topic, body) => {
      try {
        if (this.#board.published(connection, topic, body)) this.#changed('board');
      } catch (err) {
        this.#log.error({ err, topic }, 'the status page could not read a device state');
      }
    });
  }

  handles(path: string): boolean {
    return path in FILES || path === STREAM || path === SNAPSHOT || path === AUTH;
  }

  async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const auth = this.#config.core.http.auth;
    const type = auth.type ?? 'none';
    if (type === 'none' && !isLoopbackAddress(req.socket.remoteAddress)) {
      return plain(res, 403, 'The status page is served to loopback clients only; set http.auth to serve it to others.');
    }
    // A browser sends an API key or a bearer token only when a script adds it: the page's own files, which hold
    // no state, are served to anyone, and the page asks for the key or token and sends it with its requests.
    const open = path === AUTH || ((type === 'apiKey' || type === 'bearer') && path in FILES);
    if (!open) {
      const allowed = checkHttpAuth(req, auth);
      if (!allowed.ok) return plain(res, allowed.status, allowed.reason, allowed.headers);
    }
    if (path === AUTH) return send(res, 200, 'application/json', JSON.stringify(type === 'apiKey' ? { type, header: auth.header ?? 'x-api-key' } : { type }));
    if (path === STREAM) return this.#stream(req, res);
    if (path === SNAPSHOT) return send(res, 200, 'application/json', JSON.stringify(this.#snapshot()));
    const [file, contentType] = FILES[path]!;
    send(res, 200, contentType, await readFile(new URL(file, PUBLIC)));
  }

  /** Ends the open streams (at shutdown). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopHealth();
  }

  #snapshot(): Record<string, unknown> {
    return { health: this.#health.report(), board: this.#board.snapshot(), bridges: this.#bridges.snapshot(), events: this.#recent };
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 2000\n\n`);
    sse(res, 'snapshot', this.#snapshot());
    this.#clients.add(res);
    req.once('close', () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopHealth();
    });
    // Connection and plugin states change without an event: sent when they differ from the last sent.
    this.#healthTimer ??= setInterval(() => this.#sendHealth(), HEALTH_EVERY_MS);
    this.#healthTimer.unref();
  }

  #event(event: BusEvent): void {
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
    const health = this.#health.report();
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
    for (const res of this.#clients) res.write(frame);
  }
}

function frameOf(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function sse(res: ServerResponse, name: string, data: unknown): void {
  res.write(frameOf(name, data));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`${text}\n`);
}
