import type { FromSchema } from 'json-schema-to-ts';

/** Options of one named MQTT connection (`connections.<name>` in runtime.config.json). */
export const connectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: {
      type: 'string',
      pattern: '^(mqtts?|wss?|tcp|ssl)://[^\\s]+$',
      description: 'Broker URL: mqtt:// (TCP), mqtts:// (TLS), ws:// or wss:// (WebSocket). HomeLINK: mqtts://conduit.live.homelync.io:8883',
    },
    clientId: {
      type: 'string',
      minLength: 1,
      maxLength: 23000,
      description: 'MQTT client id. Required for a persistent session (clean: false), which the broker finds again by this id. Default: switchboard_<name>_<random>.',
    },
    username: { type: 'string', description: 'User name for the broker.' },
    password: { type: 'string', 'x-sensitive': true, description: 'Password for the broker; write "${ENV_VAR}" to take it from the environment.' },
    clean: {
      type: 'boolean',
      default: true,
      description: 'true: a clean session. false: a persistent session, in which the broker keeps the subscriptions and queues QoS 1/2 messages while Switchboard is away (needs clientId).',
    },
    protocolVersion: { enum: ['3.1.1', '5'], default: '3.1.1', description: 'MQTT protocol version. HomeLINK accepts 3.1.1 only.' },
    bridgeMode: {
      type: 'boolean',
      default: false,
      description:
        'MQTT 3.1.1: connect as a bridge (protocol level with bit 0x80, as mosquitto\'s try_private): mosquitto and aedes then neither echo this client\'s own messages back to it nor clear the retain flag of live messages on any of its subscriptions. For connections a mosquitto-bridge bridges; MQTT 5 asks for the same per subscription.',
    },
    will: {
      type: 'object',
      additionalProperties: false,
      required: ['topic', 'payload'],
      description: 'Last will: published by the broker when this connection drops without a clean disconnect.',
      properties: {
        topic: { type: 'string', minLength: 1, pattern: '^[^+#]*$', description: 'Topic of the will (no wildcards).' },
        payload: { type: 'string', description: 'Payload of the will.' },
        qos: { enum: [0, 1, 2], default: 1, description: 'QoS of the will.' },
        retain: { type: 'boolean', default: true, description: 'Whether the broker retains the will.' },
      },
    },
    sessionExpiry: {
      type: 'integer',
      minimum: 0,
      maximum: 4294967295,
      default: 86400,
      description: 'MQTT 5, persistent session: seconds the broker keeps the session after a disconnect.',
    },
    keepalive: { type: 'integer', minimum: 0, maximum: 65535, default: 60, description: 'Keep-alive interval in seconds (0: off).' },
    connectTimeout: { type: 'number', exclusiveMinimum: 0, default: 90, description: 'Seconds to wait for the broker to accept a connection.' },
    reconnect: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Reconnection with exponential back-off (also after the broker refused the connection, e.g. bad credentials during an outage of its user database): the delay doubles from minDelay up to maxDelay, and goes back to minDelay once a connection has held for stableAfter. While nothing listens at the address (connection refused) attempts stay at minDelay, so the connection is back as soon as the broker is.',
      properties: {
        minDelay: { type: 'number', minimum: 0.1, default: 1, description: 'Seconds before the first reconnection attempt.' },
        maxDelay: { type: 'number', minimum: 0.1, default: 60, description: 'Longest delay between attempts, in seconds.' },
        stableAfter: {
          type: 'number',
          minimum: 0.1,
          default: 30,
          description: 'Seconds a connection must hold before the back-off starts again from minDelay. Connections closed sooner, again and again, are reported as a likely client id takeover (another client using the same clientId).',
        },
      },
    },
    qos: { enum: [0, 1, 2], default: 1, description: 'QoS for subscriptions and publishes that do not name their own.' },
    retain: { type: 'boolean', default: false, description: 'Retain flag for publishes that do not set their own.' },
    maxInflight: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description:
        'Incoming QoS 1/2 messages being handled at once; beyond this, reading from the broker pauses until acknowledgements catch up (unless the broker\'s acknowledgements of what this connection published are due: they come on the same stream, and what is read meanwhile waits, unhandled). MQTT 5: also the Receive Maximum asked of the broker; with 3.1.1, the broker\'s own in-flight limit bounds it.',
    },
    maxOutgoingInflight: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      default: 20,
      description:
        'QoS 1/2 messages published and not yet acknowledged by the broker, at most; the rest wait, stored, for their turn. Brokers drop what is beyond their limit (mosquitto\'s max_inflight_messages, 20 by default), silently to an MQTT 3.1.1 client: set this to the broker\'s limit. An MQTT 5 broker announces its own (Receive Maximum), which is used instead. Incoming messages wait, unhandled and unacknowledged, while more than four windows\' worth (plus 100) of publishes wait their turn, so a broker that sends a whole backlog at once does not fill memory.',
    },
    maxPayloadBytes: {
      type: 'integer',
      minimum: 1,
      default: 262144,
      description: 'Largest payload a handler will parse; larger messages are rejected (logged, counted, dead-lettered).',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS for mqtts:// and wss://.',
      properties: {
        ca: { type: 'string', description: 'PEM file of the certificate authority to trust (default: the system\'s).' },
        cert: { type: 'string', description: 'PEM file of the client certificate.' },
        key: { type: 'string', description: 'PEM file of the client certificate\'s private key.' },
        passphrase: { type: 'string', 'x-sensitive': true, description: 'Passphrase of the private key.' },
        verifyHostname: { type: 'boolean', default: true, description: 'Check that the broker\'s certificate names the host connected to.' },
        servername: { type: 'string', description: 'Server name to send (SNI) and verify, when it differs from the URL\'s host.' },
        trustAll: {
          type: 'boolean',
          default: false,
          description: 'INSECURE: accept any certificate, so anyone between here and the broker can read and change the traffic. Logged as a warning.',
        },
      },
    },
  },
} as const;

export type ConnectionConfig = FromSchema<typeof connectionSchema>;
