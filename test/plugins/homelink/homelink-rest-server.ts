import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server saw: when, what, and how it answered. */
export interface SeenRequest {
  at: number;
  path: string;
  page: number;
  status: number;
}

type Resource = Record<string, unknown>;

/**
 * HomeLINK's REST API as a local HTTP server (no real HomeLINK is reachable from tests), answering in its
 * documented shapes: `GET /oauth2?client=&secret=` gives `{accessToken}`; `GET /v1/property`,
 * `/v1/property/<ref>/devices` and `/alerts` need `Authorization: Bearer <token>` and answer
 * `{count, page, limit, results, totalPages}`, `pageSize` results a page (`?page=N`). Tokens can be
 * expired and answers replaced by a 429 or 5xx, to test the client's side.
 */
export class HomelinkRestServer {
  readonly requests: SeenRequest[] = [];
  readonly properties: Resource[] = [];
  readonly devices = new Map<string, Resource[]>();
  readonly alerts = new Map<string, Resource[]>();
  pageSize = 1;
  tokensIssued = 0;
  /** Answers to send instead of the real ones, in order, to the next API (not token) requests. */
  readonly failures: { status: number; headers?: Record<string, string> }[] = [];
  readonly #valid = new Set<string>();
  readonly #server: Server;
  url = '';

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(clientId: string, clientSecret: string): Promise<HomelinkRestServer> {
    let self: HomelinkRestServer | undefined;
    const server = createServer((req, res) => self!.#serve(req, res, clientId, clientSecret));
    self = new HomelinkRestServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return self;
  }

  /** Every token issued so far stops working, as when HomeLINK's expire. */
  expireTokens(): void {
    this.#valid.clear();
  }

  /** API requests (not token requests) to `path`, any page. */
  seen(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse, clientId: string, clientSecret: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (url.pathname !== '/oauth2') this.requests.push({ at: Date.now(), path: url.pathname, page: Number(url.searchParams.get('page') ?? 1), status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/oauth2') {
      if (url.searchParams.get('client') !== clientId || url.searchParams.get('secret') !== clientSecret) return send(401, { message: 'Unauthorized' });
      const token = `token-${++this.tokensIssued}`;
      this.#valid.add(token);
      return send(200, { accessToken: token });
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.#valid.has(token)) return send(401, { message: 'Unauthorized' });
    const failure = this.failures.shift();
    if (failure) return send(failure.status, { message: 'failure' }, failure.headers);
    const match = /^\/v1\/property(?:\/([^/]+)(?:\/(devices|alerts))?)?$/.exec(url.pathname);
    if (!match) return send(404, { message: 'Not Found' });
    const [, ref, sub] = match;
    if (ref !== undefined && sub === undefined) {
      const found = this.properties.find((p) => p.reference === decodeURIComponent(ref));
      return found ? send(200, found) : send(404, { message: 'Not Found' });
    }
    const all = ref === undefined ? this.properties : ((sub === 'devices' ? this.devices : this.alerts).get(decodeURIComponent(ref)) ?? []);
    const page = Number(url.searchParams.get('page') ?? 1);
    const totalPages = Math.max(1, Math.ceil(all.length / this.pageSize));
    send(200, { count: all.length, page, limit: this.pageSize, results: all.slice((page - 1) * this.pageSize, page * this.pageSize), totalPages });
  }
}
