import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { inject, injectable } from 'inversify';
import type { Logger } from './logger.js';
import type { RouteHandler, RouteOptions, RouteRequest, RouteResponse } from './plugin.js';
import { StateStore } from './state-store.js';

/** Paths the operations endpoints own. */
const RESERVED = new Set(['/healthz', '/metrics']);
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;

interface Route {
  readonly plugin: string;
  readonly handler: RouteHandler;
  readonly maxBodyBytes: number;
  readonly precheck: RouteOptions['precheck'];
  readonly log: Logger;
}

/**
 * HTTP endpoints that plugins add to the runtime's HTTP server (e.g. a webhook). A request's body is
 * read in full, up to the route's limit (413 beyond it, without reading on), before its handler runs;
 * the answer goes out only once every state change made so far is on disk, as an MQTT acknowledgement
 * does, so a 2xx means the request's effects survive a crash and a client that got no answer can send
 * it again. A handler that throws gets 500, logged with the plugin's name.
 */
@injectable()
export class PluginRoutes {
  readonly #state: StateStore;
  readonly #routes = new Map<string, Route>();

  constructor(@inject(StateStore) state: StateStore) {
    this.#state = state;
  }

  /** The routes, as `METHOD path`. */
  get list(): string[] {
    return [...this.#routes.keys()];
  }

  /** Adds a route; returns its removal. Throws on a path the runtime owns or another route has. */
  add(plugin: string, method: string, path: string, handler: RouteHandler, options: RouteOptions, log: Logger): () => void {
    const verb = method.toUpperCase();
    if (!PATH.test(path) || path.includes('//')) throw new Error(`route path "${path}" must start with "/" and be a plain URL path (no query, no "//")`);
    if (RESERVED.has(path)) throw new Error(`route path "${path}" is the runtime's own endpoint`);
    const key = `${verb} ${path}`;
    const taken = this.#routes.get(key);
    if (taken) throw new Error(`route ${key} is taken by plugin "${taken.plugin}"`);
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new Error(`maxBodyBytes of route ${key} must be a whole number of bytes`);
    const route: Route = { plugin, handler, maxBodyBytes, precheck: options.precheck, log };
    this.#routes.set(key, route);
    return () => {
      if (this.#routes.get(key) === route) this.#routes.delete(key);
    };
  }

  /** Whether a plugin has a route at this path, whatever the method. */
  has(path: string): boolean {
    for (const key of this.#routes.keys()) if (key.slice(key.indexOf(' ') + 1) === path) return true;
    return false;
  }

  /** Serves a request to a route's path; `running` false answers 503, so that the client sends it again later. */
  async serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, running: boolean): Promise<void> {
    const route = this.#routes.get(`${req.method ?? 'GET'} ${path}`);
    if (!route) {
      const allowed = this.list.filter((key) => key.endsWith(` ${path}`)).map((key) => key.slice(0, key.indexOf(' ')));
      req.resume();
      return answer(res, { status: 405, headers: { allow: allowed.join(', ') }, body: { error: `${req.method} is not supported here; use ${allowed.join(' or ')}` } });
    }
    if (!running) {
      req.resume();
      return answer(res, { status: 503, headers: { 'retry-after': '5' }, body: { error: 'Switchboard is starting or stopping; send it again' } });
    }
    const head = { method: req.method!, path, query, headers: req.headers, remoteAddress: req.socket.remoteAddress };
    let response: RouteResponse | undefined;
    try {
      response = route.precheck?.(head);
    } catch (err) {
      route.log.error({ err, path }, 'route check failed');
      response = { status: 500, body: { error: 'internal error' } };
    }
    if (response) {
      req.resume();
      return answer(res, response);
    }
    const body = await readBody(req, route.maxBodyBytes);
    if (body === 'too large') {
      // The rest is read and thrown away, not kept, so that the client gets the answer rather than a reset connection.
      req.resume();
      return answer(res, { status: 413, body: { error: `the body is larger than ${route.maxBodyBytes} bytes` } });
    }
    if (body === 'aborted') return;
    try {
      response = await route.handler({ ...head, body } satisfies RouteRequest);
    } catch (err) {
      route.log.error({ err, path }, `route ${req.method} ${path} failed`);
      response = { status: 500, body: { error: 'internal error' } };
    }
    // Like an MQTT acknowledgement: only once what the request changed is durable.
    await this.#state.flushed();
    answer(res, response);
  }
}

/** The body, or why there is none: over `limit` (checked as it arrives, and against Content-Length first) or the client went away. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('aborted', () => resolve('aborted'));
    req.once('error', () => resolve('aborted'));
  });
}

/** Writes a response: objects as JSON, strings as text, Buffers as they are, Readables streamed. */
function answer(res: ServerResponse, response: RouteResponse): void {
  if (response.body instanceof Readable) {
    const body = response.body;
    if (res.destroyed) return void body.destroy();
    res.writeHead(response.status, { 'cache-control': 'no-store', ...response.headers });
    body.once('error', () => res.destroy());
    res.once('close', () => body.destroy());
    body.pipe(res);
    return;
  }
  if (res.destroyed) return;
  const raw = response.body === undefined ? '' : typeof response.body === 'string' || Buffer.isBuffer(response.body) ? response.body : JSON.stringify(response.body);
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...response.headers };
  if (response.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = typeof response.body === 'string' || Buffer.isBuffer(response.body) ? 'text/plain; charset=utf-8' : 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(raw);
}
