import { timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from './logger.js';

export interface BrokerOptions {
  host: string;
  port: number;
  username: string;
  password: string;
}

const NOT_AUTHORIZED = 5;

/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1), so that Switchboard runs on a machine with nothing else
 * installed. Without broker.username anonymous clients are accepted from loopback only; with it, every
 * client must log in.
 */
export class EmbeddedBroker {
  readonly #opts: BrokerOptions;
  readonly #log: Logger;
  #aedes: Aedes | null = null;
  #server: Server | null = null;
  #port = 0;

  constructor(opts: BrokerOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log.child({ component: 'broker' });
  }

  /** The port it listens on (the actual one when broker.port is 0). */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    const host = this.#opts.host === '0.0.0.0' || this.#opts.host === '::' ? '127.0.0.1' : this.#opts.host;
    return `mqtt://${host.includes(':') ? `[${host}]` : host}:${this.#port}`;
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({ authenticate: this.#authenticate });
    aedes.on('clientError', (client, err) => this.#log.debug({ client: client.id, err: err.message }, 'client error'));
    const server = createServer(aedes.handle as (socket: Socket) => void);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#opts.port, this.#opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      aedes.close();
      const where = `${this.#opts.host}:${this.#opts.port}`;
      throw new Error(
        err.code === 'EADDRINUSE'
          ? `the embedded broker cannot listen on ${where}: the port is in use (another MQTT broker?). Set broker.port, or broker.embedded: false and point connections.local at that broker`
          : `the embedded broker cannot listen on ${where}: ${err.message}`,
      );
    });
    this.#aedes = aedes;
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.#log.info({ url: this.url, anonymous: this.#opts.username ? 'none' : 'loopback only' }, 'embedded broker listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const aedes = this.#aedes;
    this.#server = null;
    this.#aedes = null;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  readonly #authenticate = (
    client: { id: string; conn: unknown },
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const address = (client.conn as Partial<Socket>).remoteAddress ?? '';
    const ok = this.#opts.username
      ? username === this.#opts.username && password !== undefined && sameSecret(password, this.#opts.password)
      : isLoopback(address);
    if (ok) return done(null, true);
    this.#log.warn({ client: client.id, address, username }, this.#opts.username ? 'refused a client: wrong user name or password' : 'refused an anonymous client from outside loopback');
    const err = new Error('not authorized') as AuthenticateError;
    err.returnCode = NOT_AUTHORIZED;
    done(err, null);
  };
}

function sameSecret(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
