import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import './quiet-debug.js';
import mqtt, { UniqueMessageIdProvider, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { installBridgeBit, storedAs } from './client-hooks.js';
import { clientOptions, type Will } from './client-options.js';
import { explainConnectionError, redactUrl } from './connection-messages.js';
import type { ConnectionConfig } from './config/connection-schema.js';
import { InboundFlow } from './inbound-flow.js';
import type { Logger } from './logger.js';
import type { Completion, MessageProperties, QoS } from './message.js';
import type { Metrics } from './metrics.js';
import { DurableMqttStore, type PacketStorage } from './mqtt-store.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { installSendWindow, type SendWindow } from './send-window.js';
import type { StateStore } from './state-store.js';
import { Subscriptions, type SubscriptionOptions } from './subscriptions.js';

export type { SubscriptionOptions } from './subscriptions.js';
export type { Will } from './client-options.js';
export { redactUrl } from './connection-messages.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/** Receives each incoming message; returns when its handlers have finished (see Completion). */
export type MessageSink = (connection: Connection, packet: IPublishPacket) => Completion;

export interface ConnectionStatus {
  state: ConnectionState;
  since: string;
  url: string;
  clientId: string;
  lastError?: string;
  heldAcks: number;
  storedOutgoing: number;
}

/** What else a publish may carry: MQTT 5 properties, and a callback once the broker acknowledged it (QoS 0: once written). */
export interface PublishExtra {
  properties?: MessageProperties;
  onDone?(err?: Error): void;
}

/** How Connection.publish sends a message. */
export interface ConnectionPublishOptions extends PublishExtra {
  qos: QoS;
  retain: boolean;
  /** False: kept in memory only while in flight, for values their owner publishes again after a restart (default true). */
  durable?: boolean;
  /** The payload is JSON text the runtime wrote: stored as it is rather than escaped into a string. */
  json?: boolean;
}

/**
 * One named MQTT connection (mqtt.js): TLS, sessions, reconnection with back-off, subscriptions, and
 * acknowledgement of incoming QoS 1/2 messages only once they are handled and durable (AckGate).
 */
export class Connection {
  readonly name: string;
  readonly config: ConnectionConfig;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #state: StateStore;
  readonly #subscriptions: Subscriptions;
  readonly #inbound: InboundFlow;
  readonly #connectHooks: (() => void)[] = [];
  readonly #disconnectHooks: (() => void)[] = [];
  readonly #in: { inc(): void };
  readonly #out: { inc(): void };
  #client: MqttClient | null = null;
  #window: SendWindow | null = null;
  #sink: MessageSink | null = null;
  #will: Will | undefined;
  #status: ConnectionState = 'idle';
  #since = new Date();
  #lastError: string | undefined;
  #clientId: string;
  #url: string;
  #backoff: ReconnectBackoff | null = null;
  #outgoing: DurableMqttStore | null = null;
  /** Publishes mqtt.js could not store yet (all message ids taken): the reader must not pause while there are any. */
  #unstored = 0;

  constructor(name: string, config: ConnectionConfig, log: Logger, metrics: Metrics, state: StateStore) {
    this.name = name;
    this.config = config;
    this.#log = log.child({ connection: name });
    this.#metrics = metrics;
    this.#state = state;
    this.#in = metrics.messagesIn.labels(name);
    this.#out = metrics.messagesOut.labels(name);
    this.#clientId = config.clientId ?? `switchboard_${name}_${randomBytes(4).toString('hex')}`;
    this.#url = config.url;
    if (config.will) this.#will = { ...config.will, qos: config.will.qos as QoS };
    this.#subscriptions = new Subscriptions(this.#log, metrics.qosDowngrades.labels(name), config.protocolVersion === '5');
    this.#inbound = new InboundFlow(state, config.maxInflight, {
      canHandle: () => this.#status === 'connected' && !this.#backlogged(),
      handle: (packet) => {
        this.#in.inc();
        return this.#sink?.(this, packet);
      },
      mustRead: () => this.#unstored > 0 || (this.#window?.inflight ?? 0) > 0,
    });
  }

  get clientId(): string {
    return this.#clientId;
  }

  get hasWill(): boolean {
    return this.#will !== undefined;
  }

  get connected(): boolean {
    return this.#status === 'connected';
  }

  /** The URL without credentials, for logs and health. */
  get safeUrl(): string {
    return redactUrl(this.#url);
  }

  /** Points the connection at another URL before it starts (the embedded broker's port, once it listens). */
  retarget(url: string): void {
    if (this.#client) throw new Error(`connection "${this.name}" is already started`);
    this.#url = url;
  }

  onMessage(sink: MessageSink): void {
    this.#sink = sink;
  }

  /** Runs on every (re)connection. */
  onConnect(hook: () => void): void {
    this.#connectHooks.push(hook);
  }

  /** Runs each time an established connection is lost or closed. */
  onDisconnect(hook: () => void): void {
    this.#disconnectHooks.push(hook);
  }

  /** The last will: published by the broker if this connection drops without saying goodbye. */
  setWill(will: Will): void {
    this.#will = will;
  }

  /**
   * Subscribes `filter` (now if connected, and on every connection that needs it). Subscribing the same filter
   * again keeps the highest QoS; No Local holds only if every subscriber asks for it, Retain As Published if any does.
   */
  subscribe(filter: string, qos: QoS, options: Omit<SubscriptionOptions, 'qos'> = {}): void {
    this.#subscriptions.add(filter, qos, options);
  }

  /** Subscribes `filter` again now, if connected: the broker sends its retained messages again (retain handling 0). */
  resubscribe(filter: string): void {
    this.#subscriptions.again(filter);
  }

  /** Sends an UNSUBSCRIBE of `filter` on every connection (clears what a persistent session kept from earlier). */
  unsubscribeOnConnect(filter: string): void {
    this.#subscriptions.unsubscribeOnConnect(filter);
  }

  /** Unsubscribes `filter` (now if connected, and from every later connection). */
  unsubscribe(filter: string): void {
    this.#subscriptions.remove(filter);
  }

  async start(): Promise<void> {
    const options = await this.#clientOptions();
    this.#setStatus('connecting');
    const bridgeBit = this.config.bridgeMode && this.config.protocolVersion !== '5';
    // mqtt.js writes the CONNECT packet as it is constructed: the bridge bit goes in before it connects.
    const client = mqtt.connect(this.#url, bridgeBit ? { ...options, manualConnect: true } : options);
    this.#client = client;
    const backoff = new ReconnectBackoff(this.config.reconnect, this.#log, this.safeUrl, (why) => this.#takenOver(why));
    this.#backoff = backoff;
    this.#subscriptions.attach(client);
    this.#inbound.install(client);
    if (bridgeBit) {
      installBridgeBit(client);
      client.connect();
    }
    this.#window = installSendWindow(client, this.config.maxOutgoingInflight);
    this.#window.onRelease(() => this.#inbound.pump());
    this.#publishHeld();
    client.on('connect', (connack) => {
      this.#lastError = undefined;
      backoff.connected(client);
      this.#setStatus('connected');
      this.#metrics.connectionUp.labels(this.name).set(1);
      this.#log.info({ url: this.safeUrl, clientId: this.#clientId, sessionPresent: connack.sessionPresent }, 'connected');
      this.#subscriptions.connected();
      for (const hook of this.#connectHooks) hook();
      this.#inbound.pump();
    });
    client.on('reconnect', () => {
      backoff.attempting();
      this.#metrics.reconnects.labels(this.name).inc();
      this.#setStatus('reconnecting');
    });
    // Before mqtt.js's own listener, which schedules the next attempt with the period set here.
    client.prependListener('close', () => {
      // Ended before a CONNACK with no error to say why: RabbitMQ before 3.13 does just that to MQTT 5 clients.
      if (backoff.closed(client, this.#status === 'closed')) this.#unanswered(client, backoff);
    });
    client.on('close', () => {
      this.#inbound.disconnected();
      const was = this.#status === 'connected';
      if (was) this.#log.warn({ url: this.safeUrl }, 'connection lost');
      this.#metrics.connectionUp.labels(this.name).set(0);
      if (was) for (const hook of this.#disconnectHooks) hook();
      if (this.#status !== 'closed') this.#setStatus('offline');
    });
    client.on('disconnect', (packet) => {
      // MQTT 5 says why; 142: another client connected with this client id.
      if (packet.reasonCode === 142) this.#takenOver('the broker says another client connected with the same client id (session taken over)');
    });
    client.on('error', (err) => {
      const reason = explainConnectionError(err);
      // Said once while it lasts: a broker that is down would otherwise repeat it at every attempt.
      const repeated = reason === this.#lastError;
      this.#lastError = reason;
      this.#log[repeated ? 'debug' : 'warn']({ url: this.safeUrl, err: err.message, code: (err as { code?: unknown }).code }, `connection error: ${reason}`);
      if (this.#status === 'closed') return;
      // Nothing listens at the address: trying again costs nothing, and keeps the lag behind a returning broker short.
      backoff.schedule(client, (err as { code?: unknown }).code === 'ECONNREFUSED');
    });
    client.on('end', () => this.#setStatus('closed'));
  }

  /**
   * Publishes a serialized payload. QoS 1/2 messages are stored in the next commit, unless `durable` is false;
   * QoS 2 ones leave only once that commit is on disk, QoS 1 ones at once (DurableMqttStore says why that is safe).
   * The result is a promise only in the rare case mqtt.js could not store the message at once.
   */
  publish(topic: string, payload: string | Buffer, options: ConnectionPublishOptions): Completion {
    return this.#publish(topic, payload, options, { memoryOnly: options.durable === false, json: options.json === true });
  }

  #publish(topic: string, payload: string | Buffer, options: ConnectionPublishOptions, storage: PacketStorage): Completion {
    const { qos, retain } = options;
    const client = this.#client;
    if (!client) throw new Error(`connection "${this.name}" is not started`);
    this.#out.inc();
    const properties = this.config.protocolVersion === '5' ? options.properties : undefined;
    // A message mqtt.js gave up on is published again below: the second publish reports for it, not the first.
    let retried = false;
    const onDone = options.onDone;
    const published = onDone
      ? (err?: Error): void => {
          this.#published(err);
          if (!retried) onDone(err);
        }
      : this.#published;
    if (qos === 0) {
      client.publish(topic, payload, properties ? { qos, retain, properties } : { qos, retain }, published);
      return undefined;
    }
    const before = this.#state.seq;
    let stored = false;
    let resolveStored: (() => void) | undefined;
    const cbStorePut = (err?: Error): void => {
      // mqtt.js gives up on messages queued while a reconnection was replaying its store: publish them again.
      if (err) {
        retried = true;
        return void this.#publish(topic, payload, options, storage)?.then(resolveStored);
      }
      stored = true;
      resolveStored?.();
    };
    // How to store it goes with the packet to the store (DurableMqttStore), even when mqtt.js publishes it later.
    const cb = storedAs(storage, cbStorePut);
    client.publish(topic, payload, properties ? { qos, retain, cbStorePut: cb, properties } : { qos, retain, cbStorePut: cb }, published);
    const unstored = !stored && this.#state.seq === before;
    if (unstored) {
      this.#unstored++;
      // Held in memory by mqtt.js, while the state change that made it may be committed: kept on disk until stored.
      if (!storage.memoryOnly) storage.held ??= this.#outgoing!.hold(topic, payload, qos, retain, storage.json, options.properties);
    }
    // The broker's acknowledgement of it is due: a paused reader has to go on.
    this.#inbound.published();
    if (!unstored) return undefined;
    return new Promise<void>((resolve) => {
      resolveStored = () => {
        this.#unstored--;
        resolve();
      };
    });
  }

  /** Publishes again what the last run ended with held in memory (see DurableMqttStore.hold): stored at once, before connecting. */
  #publishHeld(): void {
    for (const [key, p, payload] of this.#outgoing!.held()) {
      const properties = p.properties as MessageProperties | undefined;
      this.#publish(p.topic, payload, { qos: p.qos as QoS, retain: p.retain, properties }, { memoryOnly: false, json: p.jsonText, held: key });
    }
  }

  /** Stops taking new messages: they stay unacknowledged, so the broker keeps them for the next session. */
  stopReading(): void {
    this.#inbound.stopReading();
  }

  /** Resolves once every message taken has been handled and acknowledged, or at `deadline` (ms since epoch). */
  async drain(deadline: number): Promise<boolean> {
    while (!this.#inbound.idle) {
      if (Date.now() >= deadline || !this.#client?.connected) return false;
      await sleep(5);
    }
    return true;
  }

  /** Disconnects cleanly, waiting until `deadline` for outgoing messages to be acknowledged by the broker. */
  async stop(deadline: number): Promise<void> {
    const client = this.#client;
    this.#inbound.stopReading();
    if (!client) return;
    this.#setStatus('closed');
    this.#backoff?.stop();
    // While (re)connecting there is nothing to wait for, and a graceful end would only queue the DISCONNECT: the
    // connection attempt would go on and succeed after the stop.
    const force = !client.connected;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), Math.max(0, deadline - Date.now()));
      client.end(force, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  status(): ConnectionStatus {
    return {
      state: this.#status,
      since: this.#since.toISOString(),
      url: this.safeUrl,
      clientId: this.#clientId,
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      heldAcks: this.#inbound.heldAcks,
      storedOutgoing: this.#outgoing?.size ?? 0,
    };
  }

  readonly #published = (err?: Error): void => {
    if (!err || !this.#inbound.reading) return;
    this.#metrics.publishErrors.labels(this.name).inc();
    this.#log.warn({ err: err.message }, 'publish failed');
  };

  /** More is stored to publish than a few windows' worth: handling more messages now would only add to it. */
  #backlogged(): boolean {
    return this.#outgoing!.size >= 4 * this.#window!.limit + 100;
  }

  #unanswered(client: MqttClient, backoff: ReconnectBackoff): void {
    const version = this.config.protocolVersion;
    const reason = `the connection ended before the broker accepted it (no CONNACK): check that the broker speaks MQTT ${version} (RabbitMQ before 3.13 speaks 3.1.1 only) and lets this client in`;
    const repeated = reason === this.#lastError;
    this.#lastError = reason;
    this.#log[repeated ? 'debug' : 'warn']({ url: this.safeUrl, protocolVersion: version }, `connection error: ${reason}`);
    backoff.schedule(client, false);
  }

  #takenOver(why: string): void {
    this.#metrics.takeovers.labels(this.name).inc();
    this.#lastError = `client id takeover: ${why}`;
    this.#log.error({ url: this.safeUrl, clientId: this.#clientId }, `connection ${this.name}: ${why}; give each client its own clientId`);
  }

  async #clientOptions(): Promise<IClientOptions> {
    const incomingNamespace = `mqtt/${this.name}/incoming`;
    if (this.config.clean) {
      // A clean session starts with nothing in flight on the broker's side: incoming QoS 2 packets kept from before are void.
      const stale = this.#state.namespace(incomingNamespace);
      for (const key of [...stale.keys()]) stale.delete(key);
    }
    this.#outgoing = new DurableMqttStore(this.#state, `mqtt/${this.name}/outgoing`, true);
    // Packets stored by an earlier run keep their ids until the broker has them: a publish made before the
    // connection is up must not take one, or it would replace the stored packet (and the broker drop it as a reused id).
    const messageIdProvider = new UniqueMessageIdProvider();
    for (const id of this.#outgoing.messageIds()) messageIdProvider.register(id);
    const incomingStore = new DurableMqttStore(this.#state, incomingNamespace, false);
    return clientOptions(this.config, { clientId: this.#clientId, will: this.#will, incomingStore, outgoingStore: this.#outgoing, messageIdProvider, safeUrl: this.safeUrl }, this.#log);
  }

  #setStatus(status: ConnectionState): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#since = new Date();
  }
}
