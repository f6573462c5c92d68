import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import mqtt, { UniqueMessageIdProvider, type IClientOptions, type IPublishPacket, type ISubscriptionMap, type MqttClient, type Packet } from 'mqtt';
import { AckGate, type AckSlot } from './ack-gate.js';
import type { ConnectionConfig } from './config/connection-schema.js';
import type { Logger } from './logger.js';
import type { Completion, MessageProperties, QoS } from './message.js';
import type { Metrics } from './metrics.js';
import { Fifo } from './fifo.js';
import { DurableMqttStore } from './mqtt-store.js';
import { installSendWindow, type SendWindow } from './send-window.js';
import type { StateStore } from './state-store.js';

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

export interface Will {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

/** A subscription's QoS and its MQTT 5 options (ignored on 3.1.1, where `bridgeMode` gives No Local and Retain As Published). */
export interface SubscriptionOptions {
  qos: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

/** What else a publish may carry: MQTT 5 properties, and a callback once the broker acknowledged it (QoS 0: once written). */
export interface PublishExtra {
  properties?: MessageProperties;
  onDone?(err?: Error): void;
}

/** The parts of mqtt.js's client the ack gate hooks into (see AckGate for why). */
interface ClientInternals {
  _sendPacket(packet: Packet, cb?: () => void, cbStorePut?: () => void, noStore?: boolean): void;
  _writePacket(packet: Packet, cb?: () => void): void;
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
  readonly #subscriptions = new Map<string, SubscriptionOptions>();
  readonly #unsubscriptions = new Set<string>();
  readonly #connectHooks: (() => void)[] = [];
  readonly #disconnectHooks: (() => void)[] = [];
  readonly #in: { inc(): void };
  readonly #out: { inc(): void };
  #client: MqttClient | null = null;
  #gate: AckGate | null = null;
  #window: SendWindow | null = null;
  #sink: MessageSink | null = null;
  #will: Will | undefined;
  #status: ConnectionState = 'idle';
  #since = new Date();
  #lastError: string | undefined;
  #clientId: string;
  #url: string;
  #delay: number;
  /** Whether the back-off has been applied since the link was last stable (the first retry waits minDelay). */
  #attempted = false;
  #connectedAt = 0;
  /** Whether the next attempt's delay is set already (an error came before the close). */
  #scheduled = false;
  #stableTimer: NodeJS.Timeout | undefined;
  /** Connections in a row that the broker closed before they held for stableAfter. */
  #quickCloses = 0;
  #reading = true;
  #inflight = 0;
  #outgoing: DurableMqttStore | null = null;
  /** Publishes mqtt.js could not store yet (all message ids taken): the reader must not pause while there are any. */
  #unstored = 0;
  /** Continues reading from the broker once state can be written again (see #installAckGate). */
  #stalledRead: (() => void) | null = null;
  /** Messages read and not yet handed to the handlers (see #pump). */
  readonly #pending = new Fifo<[IPublishPacket, AckSlot | null]>();

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
    this.#delay = config.reconnect.minDelay;
    if (config.will) this.#will = { ...config.will, qos: config.will.qos as QoS };
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
    const known = this.#subscriptions.get(filter);
    const merged: SubscriptionOptions = known
      ? { ...known, qos: Math.max(known.qos, qos) as QoS, noLocal: known.noLocal === true && options.noLocal === true, retainAsPublished: known.retainAsPublished === true || options.retainAsPublished === true }
      : { ...options, qos, noLocal: options.noLocal === true, retainAsPublished: options.retainAsPublished === true };
    if (known && known.qos === merged.qos && known.noLocal === merged.noLocal && known.retainAsPublished === merged.retainAsPublished) return;
    this.#subscriptions.set(filter, merged);
    if (this.#client?.connected) this.#subscribe(new Map([[filter, merged]]), known !== undefined);
  }

  /** Subscribes `filter` again now, if connected: the broker sends its retained messages again (retain handling 0). */
  resubscribe(filter: string): void {
    const options = this.#subscriptions.get(filter);
    if (options && this.#client?.connected) this.#subscribe(new Map([[filter, options]]), true);
  }

  /** Sends an UNSUBSCRIBE of `filter` on every connection (clears what a persistent session kept from earlier). */
  unsubscribeOnConnect(filter: string): void {
    this.#unsubscriptions.add(filter);
    if (this.#client?.connected) this.#client.unsubscribe(filter);
  }

  /** Unsubscribes `filter` (now if connected, and from every later connection). */
  unsubscribe(filter: string): void {
    if (!this.#subscriptions.delete(filter)) return;
    if (!this.#client?.connected) return;
    this.#client.unsubscribe(filter, (err) => {
      if (err) this.#log.error({ err: err.message, filter }, 'unsubscribe failed');
      else this.#log.debug({ filter }, 'unsubscribed');
    });
  }

  async start(): Promise<void> {
    const options = await this.#clientOptions();
    this.#setStatus('connecting');
    const bridgeBit = this.config.bridgeMode && this.config.protocolVersion !== '5';
    // mqtt.js writes the CONNECT packet as it is constructed: the bridge bit goes in before it connects.
    const client = mqtt.connect(this.#url, bridgeBit ? { ...options, manualConnect: true } : options);
    this.#client = client;
    this.#installAckGate(client);
    if (bridgeBit) {
      installBridgeBit(client);
      client.connect();
    }
    this.#window = installSendWindow(client, this.config.maxOutgoingInflight);
    this.#window.onRelease(() => this.#pump());
    client.on('connect', (connack) => {
      this.#lastError = undefined;
      this.#scheduled = false;
      this.#connectedAt = Date.now();
      // The back-off starts again from minDelay only once the link has held: a connection closed at once (another
      // client taking the same client id over, a broker that accepts and drops) must not retry at full speed forever.
      clearTimeout(this.#stableTimer);
      this.#stableTimer = setTimeout(() => this.#stable(client), this.config.reconnect.stableAfter * 1000).unref();
      this.#setStatus('connected');
      this.#metrics.connectionUp.labels(this.name).set(1);
      this.#log.info({ url: this.safeUrl, clientId: this.#clientId, sessionPresent: connack.sessionPresent }, 'connected');
      const stale = [...this.#unsubscriptions].filter((f) => !this.#subscriptions.has(f));
      if (stale.length > 0) client.unsubscribe(stale);
      if (this.#subscriptions.size > 0) this.#subscribe(this.#subscriptions);
      for (const hook of this.#connectHooks) hook();
      this.#pump();
    });
    client.on('reconnect', () => {
      this.#scheduled = false;
      this.#metrics.reconnects.labels(this.name).inc();
      this.#setStatus('reconnecting');
    });
    // Before mqtt.js's own listener, which schedules the next attempt with the period set here.
    client.prependListener('close', () => {
      clearTimeout(this.#stableTimer);
      const connectedAt = this.#connectedAt;
      this.#connectedAt = 0;
      if (this.#status === 'closed') return;
      if (connectedAt === 0) {
        // Ended before a CONNACK with no error to say why: RabbitMQ before 3.13 does just that to MQTT 5 clients.
        if (!this.#scheduled) this.#unanswered(client);
        return;
      }
      if (Date.now() - connectedAt < this.config.reconnect.stableAfter * 1000) this.#shortLived(connectedAt);
      if (!this.#scheduled) this.#schedule(client, false);
    });
    client.on('close', () => {
      this.#gate?.clear();
      this.#stalledRead = null;
      // The broker sends unacknowledged messages again; QoS 0 ones it will not.
      this.#pending.retain(([, slot]) => slot === null);
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
      this.#schedule(client, (err as { code?: unknown }).code === 'ECONNREFUSED');
    });
    client.on('end', () => this.#setStatus('closed'));
  }

  /**
   * Publishes a serialized payload. QoS 1/2 messages are stored before they are sent: durably, unless
   * `durable` is false (values their owner publishes again after a restart); `json` says the payload is
   * JSON text, stored as it is. The result is a promise only in the rare case mqtt.js could not store
   * the message at once. `extra`: MQTT 5 properties, and a callback once the broker acknowledged the message.
   */
  publish(topic: string, payload: string | Buffer, qos: QoS, retain: boolean, durable = true, json = false, extra?: PublishExtra): Completion {
    const client = this.#client;
    if (!client) throw new Error(`connection "${this.name}" is not started`);
    this.#out.inc();
    const properties = extra?.properties && this.config.protocolVersion === '5' ? { properties: extra.properties } : {};
    // A message mqtt.js gave up on is published again below: the second publish reports for it, not the first.
    let retried = false;
    const onDone = extra?.onDone;
    const published = onDone
      ? (err?: Error): void => {
          this.#published(err);
          if (!retried) onDone(err);
        }
      : this.#published;
    if (qos === 0) {
      client.publish(topic, payload, { qos, retain, ...properties }, published);
      return undefined;
    }
    const before = this.#state.seq;
    let stored = false;
    let resolveStored: (() => void) | undefined;
    const cbStorePut = (err?: Error): void => {
      // mqtt.js gives up on messages queued while a reconnection was replaying its store: publish them again.
      if (err) {
        retried = true;
        return void this.publish(topic, payload, qos, retain, durable, json, extra)?.then(resolveStored);
      }
      stored = true;
      resolveStored?.();
    };
    const outgoing = this.#outgoing!;
    outgoing.memoryOnly = !durable;
    outgoing.jsonPayload = json;
    try {
      client.publish(topic, payload, { qos, retain, cbStorePut, ...properties }, published);
    } finally {
      outgoing.memoryOnly = false;
      outgoing.jsonPayload = false;
    }
    const unstored = !stored && this.#state.seq === before;
    if (unstored) this.#unstored++;
    // The broker's acknowledgement of it is due: a paused reader has to go on.
    if (this.#gate?.paused) this.#gate.drain();
    if (!unstored) return undefined;
    return new Promise<void>((resolve) => {
      resolveStored = () => {
        this.#unstored--;
        resolve();
      };
    });
  }

  /** Stops taking new messages: they stay unacknowledged, so the broker keeps them for the next session. */
  stopReading(): void {
    this.#reading = false;
  }

  /** Resolves once every message taken has been handled and acknowledged, or at `deadline` (ms since epoch). */
  async drain(deadline: number): Promise<boolean> {
    while (this.#inflight > 0 || (this.#gate?.handledOnHold() ?? 0) > 0) {
      if (Date.now() >= deadline || !this.#client?.connected) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Disconnects cleanly, waiting until `deadline` for outgoing messages to be acknowledged by the broker. */
  async stop(deadline: number): Promise<void> {
    const client = this.#client;
    this.#reading = false;
    if (!client) return;
    this.#setStatus('closed');
    clearTimeout(this.#stableTimer);
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
      heldAcks: this.#gate?.size ?? 0,
      storedOutgoing: this.#outgoing?.size ?? 0,
    };
  }

  readonly #published = (err?: Error): void => {
    if (!err || !this.#reading) return;
    this.#metrics.publishErrors.labels(this.name).inc();
    this.#log.warn({ err: err.message }, 'publish failed');
  };

  #installAckGate(client: MqttClient): void {
    const internals = client as unknown as ClientInternals;
    const send = internals._sendPacket.bind(client);
    // The broker's acknowledgements of what this connection publishes come on the same stream as its messages: while
    // any are due, reading goes on past the limit (messages read meanwhile wait in #pending, unhandled).
    const gate = new AckGate(this.#state, (packet) => send(packet), this.config.maxInflight, () => this.#unstored > 0 || (this.#window?.inflight ?? 0) > 0);
    this.#gate = gate;
    this.#state.onCommit(() => {
      gate.drain();
      if (this.#state.degraded) return;
      // The disk takes writes again: reading and handling go on where they stopped.
      const resume = this.#stalledRead;
      this.#stalledRead = null;
      resume?.();
      this.#pump();
    });
    internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') && gate.capture(packet)) {
        cb?.();
        return;
      }
      send(packet, cb, cbStorePut, noStore);
    };
    client.handleMessage = (packet, callback) => {
      if (!this.#reading) {
        // Stopping: the message is not handled and its acknowledgement never sent, so the broker keeps it for the next
        // session; mqtt.js reads on, so that the broker's acknowledgements of what we published still arrive.
        if (packet.qos > 0) gate.expect(packet.messageId!);
        callback();
        return;
      }
      const slot = packet.qos > 0 ? gate.expect(packet.messageId!) : null;
      this.#pending.push([packet, slot]);
      this.#pump();
      const readOn = slot ? () => gate.whenBelowLimit(callback) : callback;
      // State cannot be written: nothing could be acknowledged, so take no more (the broker keeps them) until it can.
      if (this.#state.degraded) this.#stalledRead = readOn;
      else readOn();
    };
  }

  /**
   * Hands read messages to the handlers, in order, while they can take them:
   * - not before the connection is up: mqtt.js is still re-sending its stored packets and would keep what handlers
   *   publish meanwhile in memory only, while their state changes are committed, so a crash would lose that output;
   * - not while more than `maxInflight` are being handled;
   * - not while state cannot be written: no acknowledgement could go out (fail closed, see StateStore);
   * - not while what they publish is backlogged behind the send window: a broker that sends a whole persistent
   *   session's queue at once would otherwise make Switchboard hold every message it derives from it in memory.
   * Messages that wait are unacknowledged, so the broker keeps them until they are handled.
   */
  #pump(): void {
    const gate = this.#gate!;
    while (
      this.#pending.size > 0 &&
      this.#reading &&
      !this.#state.degraded &&
      this.#status === 'connected' &&
      this.#inflight < this.config.maxInflight &&
      !this.#backlogged()
    ) {
      const [packet, slot] = this.#pending.shift()!;
      this.#handle(gate, packet, slot);
    }
  }

  /** More is stored to publish than a few windows' worth: handling more messages now would only add to it. */
  #backlogged(): boolean {
    return this.#outgoing!.size >= 4 * this.#window!.limit + 100;
  }

  #handle(gate: AckGate, packet: IPublishPacket, slot: AckSlot | null): void {
    this.#in.inc();
    const completion = this.#sink?.(this, packet);
    if (!slot) {
      completion?.catch(() => undefined);
    } else if (completion) {
      this.#inflight++;
      completion.then(
        () => this.#finish(gate, slot),
        () => this.#finish(gate, slot),
      );
    } else {
      gate.done(slot);
    }
  }

  #finish(gate: AckGate, slot: AckSlot): void {
    this.#inflight--;
    gate.done(slot);
    this.#pump();
  }

  /** Sets when mqtt.js tries next: at minDelay while nothing listens (`refused`), else after the doubled back-off; with jitter. */
  #schedule(client: MqttClient, refused: boolean): void {
    const { minDelay, maxDelay } = this.config.reconnect;
    if (!refused) this.#delay = this.#attempted ? Math.min(this.#delay * 2, maxDelay) : this.#delay;
    this.#attempted = true;
    this.#scheduled = true;
    const seconds = refused ? minDelay : this.#delay;
    client.options.reconnectPeriod = Math.max(100, Math.round(seconds * (0.8 + Math.random() * 0.4) * 1000));
    this.#log.info({ url: this.safeUrl, nextAttemptInSeconds: client.options.reconnectPeriod / 1000 }, 'reconnecting');
  }

  #unanswered(client: MqttClient): void {
    const version = this.config.protocolVersion;
    const reason = `the connection ended before the broker accepted it (no CONNACK): check that the broker speaks MQTT ${version} (RabbitMQ before 3.13 speaks 3.1.1 only) and lets this client in`;
    const repeated = reason === this.#lastError;
    this.#lastError = reason;
    this.#log[repeated ? 'debug' : 'warn']({ url: this.safeUrl, protocolVersion: version }, `connection error: ${reason}`);
    this.#schedule(client, false);
  }

  /** The connection held for stableAfter: the next failure starts the back-off afresh. */
  #stable(client: MqttClient): void {
    this.#delay = this.config.reconnect.minDelay;
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

  #takenOver(why: string): void {
    this.#metrics.takeovers.labels(this.name).inc();
    this.#lastError = `client id takeover: ${why}`;
    this.#log.error({ url: this.safeUrl, clientId: this.#clientId }, `connection ${this.name}: ${why}; give each client its own clientId`);
  }

  /** `again`: send it even though mqtt.js has the filter subscribed already (it skips those otherwise). */
  #subscribe(filters: Map<string, SubscriptionOptions>, again = false): void {
    const v5 = this.config.protocolVersion === '5';
    const request: Record<string, unknown> = Object.fromEntries(
      [...filters].map(([filter, o]) => [filter, v5 ? { qos: o.qos, nl: o.noLocal === true, rap: o.retainAsPublished === true, rh: o.retainHandling ?? 0 } : { qos: o.qos }]),
    );
    if (again) request.resubscribe = true;
    this.#client!.subscribe(request as ISubscriptionMap, (err, granted) => {
      if (err) {
        this.#log.error({ err: err.message, filters: [...filters.keys()] }, 'subscribe failed');
        return;
      }
      for (const g of granted ?? []) {
        const asked = filters.get(g.topic)?.qos;
        if (g.qos === 128) this.#log.error({ filter: g.topic }, 'the broker refused the subscription');
        else if (asked !== undefined && g.qos < asked) {
          this.#metrics.qosDowngrades.labels(this.name).inc();
          this.#log.warn({ filter: g.topic, asked, granted: g.qos }, `the broker granted QoS ${g.qos} for ${g.topic}, lower than the ${asked} asked: messages on it come with the lesser guarantee`);
        } else this.#log.debug({ filter: g.topic, qos: g.qos }, 'subscribed');
      }
    });
  }

  async #clientOptions(): Promise<IClientOptions> {
    const c = this.config;
    const v5 = c.protocolVersion === '5';
    const incomingNamespace = `mqtt/${this.name}/incoming`;
    if (c.clean) {
      // A clean session starts with nothing in flight on the broker's side: incoming QoS 2 packets kept from before are void.
      const stale = this.#state.namespace(incomingNamespace);
      for (const key of [...stale.keys()]) stale.delete(key);
    }
    this.#outgoing = new DurableMqttStore(this.#state, `mqtt/${this.name}/outgoing`, true);
    // Packets stored by an earlier run keep their ids until the broker has them: a publish made before the
    // connection is up must not take one, or it would replace the stored packet (and the broker drop it as a reused id).
    const messageIds = new UniqueMessageIdProvider();
    for (const id of this.#outgoing.messageIds()) messageIds.register(id);
    const options: IClientOptions = {
      clientId: this.#clientId,
      clean: c.clean,
      protocolVersion: v5 ? 5 : 4,
      keepalive: c.keepalive,
      connectTimeout: c.connectTimeout * 1000,
      reconnectPeriod: c.reconnect.minDelay * 1000,
      resubscribe: true,
      // A refused CONNACK (credentials rejected while the broker's user database is down) is retried like any failure.
      reconnectOnConnackError: true,
      queueQoSZero: false,
      incomingStore: new DurableMqttStore(this.#state, incomingNamespace, false),
      outgoingStore: this.#outgoing,
      messageIdProvider: messageIds,
    };
    // mqtt.js logs a dozen times per packet through `debug`, which gathers its arguments into an array even when off:
    // a sixth of what a message allocated. Its own logger stays for whoever turns it on (DEBUG=mqttjs*).
    if (!/mqttjs/.test(process.env.DEBUG ?? '')) options.log = noLog;
    if (c.username !== undefined) options.username = c.username;
    if (c.password !== undefined) options.password = c.password;
    // MQTT 5 lets the client bound what the broker sends it unacknowledged; with 3.1.1 the broker's own setting does.
    if (v5) options.properties = { sessionExpiryInterval: c.clean ? 0 : c.sessionExpiry, receiveMaximum: Math.min(c.maxInflight, 65535) };
    if (this.#will) options.will = { ...this.#will, payload: Buffer.from(this.#will.payload) };
    const tls = c.tls;
    if (tls.ca) options.ca = await readFile(tls.ca);
    if (tls.cert) options.cert = await readFile(tls.cert);
    if (tls.key) options.key = await readFile(tls.key);
    if (tls.passphrase) (options as { passphrase?: string }).passphrase = tls.passphrase;
    if (tls.servername) options.servername = tls.servername;
    options.rejectUnauthorized = !tls.trustAll;
    if (!tls.verifyHostname) (options as { checkServerIdentity?: () => undefined }).checkServerIdentity = () => undefined;
    if (tls.trustAll) {
      this.#log.warn({ url: this.safeUrl }, 'INSECURE: tls.trustAll accepts any certificate; anyone on the path to the broker can read and change this traffic');
    } else if (!tls.verifyHostname) {
      this.#log.warn({ url: this.safeUrl }, 'tls.verifyHostname is off: the certificate chain is checked, but not that it names this broker');
    }
    return options;
  }

  #setStatus(status: ConnectionState): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#since = new Date();
  }
}

/** Connections closed soon after connecting, in a row, that are reported as a likely client id takeover. */
const TAKEOVER_CLOSES = 3;

function noLog(): void {}

/**
 * The bridge bit (protocol level | 0x80, as mosquitto's try_private): mosquitto and aedes then treat the client as a
 * bridge, with No Local and Retain As Published on everything it subscribes. mqtt-packet writes it for a CONNECT
 * packet marked `bridgeMode`, which mqtt.js has no option for.
 */
function installBridgeBit(client: MqttClient): void {
  const internals = client as unknown as ClientInternals;
  const write = internals._writePacket.bind(client);
  internals._writePacket = (packet, cb) => write(packet.cmd === 'connect' ? ({ ...packet, bridgeMode: true } as Packet) : packet, cb);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, '//[redacted]@');
}

/** What a connection error means to whoever runs Switchboard, in one line. */
export function explainConnectionError(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'the broker refused the connection (is it running, on this host and port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the broker's host name cannot be resolved (${err.message})`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `the broker cannot be reached (${err.message})`;
  // CONNACK return codes: 4/5 in MQTT 3.1.1, 134/135 in MQTT 5.
  if (code === 4 || code === 134) return 'the broker refused the login: bad user name or password';
  if (code === 5 || code === 135) return 'the broker refused the login: not authorized';
  return err.message;
}
