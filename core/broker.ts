import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import './quiet-debug.js';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { CoreConfig } from './config/core-schema.js';
import { localMqttUrl } from './config/load-config.js';
import type { Logger } from './logger.js';
import { TopicMatcher } from './topic-matcher.js';

export type BrokerOptions = CoreConfig['broker'];
export type BrokerUser = BrokerOptions['users'][number];

/** What the runtime tells the broker about itself: who Switchboard is, and which topics it takes as input. */
export interface BrokerAccess {
  /** The credentials Switchboard's own connection logs in with. */
  own: { username: string; password: string } | null;
  /** Client ids of Switchboard's own connections: no other client may take them. */
  ownClientIds(): readonly string[];
  /** Topics only Switchboard may publish to, besides broker.protectedTopics (events, status, dead letters). */
  protectedTopics: readonly string[];
  /** Whether a plugin takes this topic as input (then anyone allowed to connect may publish to it). */
  isInput(topic: string): boolean;
}

const IDENTIFIER_REJECTED = 2;
const NOT_AUTHORIZED = 5;

/** Who a connected client is to the broker. */
type Principal = { kind: 'own' } | { kind: 'user'; user: BrokerUser; publish: TopicMatcher<true> | null; subscribe: TopicMatcher<true> | null } | { kind: 'client' };

/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1), so that Switchboard runs on a machine with nothing else
 * installed. Without broker.username and broker.users anonymous clients are accepted from loopback only;
 * with them, every client must log in. Only Switchboard (and users allowed to) may publish to its protected
 * topics; its own client ids cannot be taken.
 */
export class EmbeddedBroker {
  readonly #opts: BrokerOptions;
  readonly #log: Logger;
  readonly #principals = new WeakMap<Client, Principal>();
  #access: BrokerAccess = { own: null, ownClientIds: () => [], protectedTopics: [], isInput: () => false };
  #protected = new TopicMatcher<true>();
  #aedes: Aedes | null = null;
  #servers: Server[] = [];
  #port = 0;
  #tlsPort = 0;

  constructor(opts: BrokerOptions, log: Logger) {
    this.#opts = opts;
    this.#log = log.child({ component: 'broker' });
  }

  /** The port it listens on (the actual one when broker.port is 0). */
  get port(): number {
    return this.#port;
  }

  /** The port of the TLS listener, 0 when there is none. */
  get tlsPort(): number {
    return this.#tlsPort;
  }

  get url(): string {
    return localMqttUrl(this.#opts.host, this.#port);
  }

  /** Tells the broker who Switchboard is; before start. */
  authorize(access: BrokerAccess): void {
    this.#access = access;
    const matcher = new TopicMatcher<true>();
    for (const filter of [...this.#opts.protectedTopics, ...access.protectedTopics]) matcher.add(filter, true);
    this.#protected = matcher;
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({ authenticate: this.#authenticate, authorizePublish: this.#authorizePublish, authorizeSubscribe: this.#authorizeSubscribe });
    aedes.on('clientError', (client, err) => this.#log.debug({ client: client.id, err: err.message }, 'client error'));
    try {
      const plain = await listen(createServer(aedes.handle as (socket: Socket) => void), this.#opts.host, this.#opts.port);
      this.#servers.push(plain);
      this.#port = (plain.address() as AddressInfo).port;
      const tls = this.#opts.tls;
      if (tls.enabled) {
        const secure = createTlsServer(
          {
            cert: readFileSync(tls.cert),
            key: readFileSync(tls.key),
            ...(tls.passphrase ? { passphrase: tls.passphrase } : {}),
            ...(tls.ca ? { ca: readFileSync(tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
          },
          aedes.handle as (socket: Socket) => void,
        );
        const server = await listen(secure, this.#opts.host, tls.port);
        this.#servers.push(server);
        this.#tlsPort = (server.address() as AddressInfo).port;
      }
    } catch (err) {
      await this.#closeServers();
      aedes.close();
      throw err;
    }
    this.#aedes = aedes;
    const anonymous = this.#loginRequired ? 'none' : 'loopback only';
    this.#log.info({ url: this.url, ...(this.#tlsPort ? { tls: `mqtts://${this.#opts.host}:${this.#tlsPort}` } : {}), anonymous }, 'embedded broker listening');
  }

  async stop(): Promise<void> {
    const aedes = this.#aedes;
    this.#aedes = null;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await this.#closeServers();
  }

  async #closeServers(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  get #loginRequired(): boolean {
    return this.#opts.username !== '' || this.#opts.users.length > 0;
  }

  readonly #authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void => {
    const address = (client.conn as Partial<Socket>).remoteAddress ?? '';
    const refuse = (code: number, why: string): void => {
      this.#log.warn({ client: client.id, address, username }, why);
      const err = new Error('not authorized') as AuthenticateError;
      err.returnCode = code as AuthenticateError['returnCode'];
      done(err, null);
    };
    const own = this.#access.own;
    if (own && username === own.username) {
      if (password !== undefined && sameSecret(password, own.password)) {
        this.#principals.set(client, { kind: 'own' });
        return done(null, true);
      }
      return refuse(NOT_AUTHORIZED, 'refused a client that gave Switchboard\'s own user name with a wrong password');
    }
    // Taking the id would disconnect Switchboard (the broker keeps the newer of two clients with one id).
    if (this.#access.ownClientIds().includes(client.id)) return refuse(IDENTIFIER_REJECTED, 'refused a client that used the client id of Switchboard\'s own connection');
    const user = this.#opts.users.find((u) => u.username === username);
    if (user) {
      if (password === undefined || !sameSecret(password, user.password)) return refuse(NOT_AUTHORIZED, 'refused a client: wrong user name or password');
      this.#principals.set(client, { kind: 'user', user, publish: user.publish ? matcherOf(user.publish) : null, subscribe: user.subscribe ? matcherOf(user.subscribe) : null });
      return done(null, true);
    }
    const ok = this.#opts.username
      ? username === this.#opts.username && password !== undefined && sameSecret(password, this.#opts.password)
      : !this.#loginRequired && isLoopback(address);
    if (!ok) return refuse(NOT_AUTHORIZED, this.#loginRequired ? 'refused a client: wrong user name or password' : 'refused an anonymous client from outside loopback');
    this.#principals.set(client, { kind: 'client' });
    done(null, true);
  };

  readonly #authorizePublish = (client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void => {
    // Published by the broker itself (a last will is published under its client's name).
    if (client === null) return done(null);
    const who = this.#principals.get(client);
    if (who?.kind === 'own') return done(null);
    const topic = packet.topic;
    const allowed = who?.kind === 'user' && who.publish ? who.publish.match(topic).size > 0 : this.#protected.match(topic).size === 0 || this.#access.isInput(topic);
    if (allowed) return done(null);
    this.#log.warn({ client: client.id, topic, retain: packet.retain }, `refused a publish to ${topic}: only Switchboard may publish there (broker.protectedTopics); the client is disconnected`);
    done(new Error(`not authorized to publish to ${topic}`));
  };

  readonly #authorizeSubscribe = (client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void => {
    const who = this.#principals.get(client);
    if (who?.kind === 'user' && who.subscribe && !covers(who.subscribe, subscription.topic)) {
      this.#log.warn({ client: client.id, filter: subscription.topic }, `refused a subscription to ${subscription.topic} (broker.users[].subscribe)`);
      return done(null, null);
    }
    done(null, subscription);
  };
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  }).catch((err: NodeJS.ErrnoException) => {
    const where = `${host}:${port}`;
    throw new Error(
      err.code === 'EADDRINUSE'
        ? `the embedded broker cannot listen on ${where}: the port is in use (another MQTT broker?). Set broker.port, or broker.embedded: false and point connections.local at that broker`
        : `the embedded broker cannot listen on ${where}: ${err.message}`,
    );
  });
}

function matcherOf(filters: readonly string[]): TopicMatcher<true> {
  const matcher = new TopicMatcher<true>();
  for (const filter of filters) matcher.add(filter, true);
  return matcher;
}

/** Whether a subscription filter asks for nothing beyond what the allowed filters cover (a filter is checked as a topic, wildcards as levels). */
function covers(allowed: TopicMatcher<true>, filter: string): boolean {
  return allowed.match(filter).size > 0;
}

function sameSecret(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
