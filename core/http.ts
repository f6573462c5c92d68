import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject, injectable } from 'inversify';
import type { RuntimeConfig } from './config/load-config.js';
import { Health } from './health.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { PluginRoutes } from './routes.js';
import { TOKENS } from './tokens.js';

/** The operations endpoints, GET /healthz (200 healthy, 503 otherwise, JSON either way) and GET /metrics (Prometheus), and the plugins' routes (e.g. the status page). */
@injectable()
export class HttpServer {
  readonly #config: RuntimeConfig;
  readonly #health: Health;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #routes: PluginRoutes;
  #server: Server | null = null;

  constructor(
    @inject(TOKENS.Config) config: RuntimeConfig,
    @inject(Health) health: Health,
    @inject(Metrics) metrics: Metrics,
    @inject(TOKENS.Logger) log: Logger,
    @inject(PluginRoutes) routes: PluginRoutes,
  ) {
    this.#config = config;
    this.#health = health;
    this.#metrics = metrics;
    this.#log = log.child({ component: 'http' });
    this.#routes = routes;
  }

  /** The address it listens on, e.g. http://127.0.0.1:9883, or undefined when off. */
  url: string | undefined;

  /** The plugins' routes, as `METHOD path`. */
  get routes(): string[] {
    return this.#routes.list;
  }

  async start(): Promise<void> {
    const { enabled, host, port } = this.#config.core.http;
    if (!enabled) return;
    const server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot serve /healthz and /metrics on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use; set http.port' : err.message}`);
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    this.#log.info({ url: this.url, routes: this.#routes.list }, 'serving /healthz, /metrics and the plugins\' routes');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (this.#routes.has(path)) return await this.#routes.serve(req, res, path, new URLSearchParams((req.url ?? '').split('?')[1] ?? ''), this.#health.phase === 'running');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json', JSON.stringify({ error: 'only GET is supported' }));
      if (path === '/healthz') {
        const report = this.#health.report();
        return send(res, report.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(report, null, 2));
      }
      if (path === '/metrics') return send(res, 200, this.#metrics.registry.contentType, await this.#metrics.registry.metrics());
      send(res, 404, 'application/json', JSON.stringify({ error: `no such endpoint: ${path}`, endpoints: ['/healthz', '/metrics', ...this.#routes.list] }));
    } catch (err) {
      this.#log.error({ err, path }, 'request failed');
      send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
