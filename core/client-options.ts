import { readFile } from 'node:fs/promises';
import type { IClientOptions, IStore, UniqueMessageIdProvider } from 'mqtt';
import type { ConnectionConfig } from './config/connection-schema.js';
import type { Logger } from './logger.js';
import type { QoS } from './message.js';

export interface Will {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

/** What a connection brings to its client besides its configuration. */
export interface ClientParts {
  clientId: string;
  will: Will | undefined;
  incomingStore: IStore;
  outgoingStore: IStore;
  messageIdProvider: UniqueMessageIdProvider;
  /** The broker's URL without credentials, for the log. */
  safeUrl: string;
}

/** mqtt.js's options for a connection: session, reconnection, stores, will, MQTT 5 properties, credentials and TLS. */
export async function clientOptions(c: ConnectionConfig, parts: ClientParts, log: Logger): Promise<IClientOptions> {
  const v5 = c.protocolVersion === '5';
  const options: IClientOptions = {
    clientId: parts.clientId,
    clean: c.clean,
    protocolVersion: v5 ? 5 : 4,
    keepalive: c.keepalive,
    connectTimeout: c.connectTimeout * 1000,
    reconnectPeriod: c.reconnect.minDelay * 1000,
    resubscribe: true,
    // A refused CONNACK (credentials rejected while the broker's user database is down) is retried like any failure.
    reconnectOnConnackError: true,
    queueQoSZero: false,
    incomingStore: parts.incomingStore,
    outgoingStore: parts.outgoingStore,
    messageIdProvider: parts.messageIdProvider,
    // Else mqtt-packet keeps a Buffer for every message id (65 536 of them, about 7 MB of heap) to save two bytes' allocation per packet.
    writeCache: false,
    // Else every acknowledgement the broker sends restarts the keepalive timer (a timer cleared and set per message);
    // a PINGREQ once per keepalive period, busy or not, is all MQTT asks.
    reschedulePings: false,
  };
  // mqtt.js logs a dozen times per packet through `debug`, which gathers its arguments into an array even when off:
  // a sixth of what a message allocated. Its own logger stays for whoever turns it on (DEBUG=mqttjs*).
  if (!/mqttjs/.test(process.env.DEBUG ?? '')) options.log = noLog;
  if (c.username !== undefined) options.username = c.username;
  if (c.password !== undefined) options.password = c.password;
  // MQTT 5 lets the client bound what the broker sends it unacknowledged; with 3.1.1 the broker's own setting does.
  if (v5) options.properties = { sessionExpiryInterval: c.clean ? 0 : c.sessionExpiry, receiveMaximum: Math.min(c.maxInflight, 65535) };
  if (parts.will) options.will = { ...parts.will, payload: Buffer.from(parts.will.payload) };
  const tls = c.tls;
  if (tls.ca) options.ca = await readFile(tls.ca);
  if (tls.cert) options.cert = await readFile(tls.cert);
  if (tls.key) options.key = await readFile(tls.key);
  if (tls.passphrase) (options as { passphrase?: string }).passphrase = tls.passphrase;
  if (tls.servername) options.servername = tls.servername;
  options.rejectUnauthorized = !tls.trustAll;
  if (!tls.verifyHostname) (options as { checkServerIdentity?: () => undefined }).checkServerIdentity = () => undefined;
  if (tls.trustAll) {
    log.warn({ url: parts.safeUrl }, 'INSECURE: tls.trustAll accepts any certificate; anyone on the path to the broker can read and change this traffic');
  } else if (!tls.verifyHostname) {
    log.warn({ url: parts.safeUrl }, 'tls.verifyHostname is off: the certificate chain is checked, but not that it names this broker');
  }
  return options;
}

function noLog(): void {}
