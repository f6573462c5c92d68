import type { FromSchema } from 'json-schema-to-ts';
import { LOG_FORMATS, LOG_LEVELS } from '../logger.js';
import { connectionSchema } from './connection-schema.js';

const NAME = '^[A-Za-z0-9_-]+$';
// An MQTT subscription filter: levels separated by "/", "+" a whole level, "#" a whole last level.
const TOPIC_FILTER = '^(?:#|(?:\\+|[^+#/]*)(?:/(?:\\+|[^+#/]*))*(?:/#)?)$';

/**
 * The core keys of runtime.config.json. This schema is the single source: the TypeScript type
 * (`CoreConfig`), the convict schema that loads the file, environment and command line (`x-env`, `x-arg`),
 * and the editor schema under schemas/ are all derived from it.
 */
export const coreSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', default: '', description: 'The JSON Schema of this file, for editors.' },
    broker: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The embedded MQTT broker (aedes), so that Switchboard runs with nothing else installed.',
      properties: {
        embedded: { type: 'boolean', default: true, description: 'Run the embedded broker.', 'x-env': 'SWITCHBOARD_BROKER_EMBEDDED', 'x-arg': 'broker-embedded' },
        host: {
          type: 'string',
          default: '127.0.0.1',
          description: 'Address the embedded broker listens on. Anonymous clients are accepted from loopback only.',
          'x-env': 'SWITCHBOARD_BROKER_HOST',
          'x-arg': 'broker-host',
        },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 1883, description: 'Port of the embedded broker (0: any free port).', 'x-env': 'SWITCHBOARD_BROKER_PORT', 'x-arg': 'broker-port' },
        username: { type: 'string', default: '', description: 'When set, clients must log in with this user name and password, wherever they connect from.', 'x-env': 'SWITCHBOARD_BROKER_USERNAME' },
        password: { type: 'string', default: '', description: 'Password that goes with broker.username.', 'x-sensitive': true, 'x-env': 'SWITCHBOARD_BROKER_PASSWORD' },
        users: {
          type: 'array',
          default: [],
          description:
            'Further users of the embedded broker, each with what it may publish and subscribe to. When any is configured, every client must log in. A user without "publish" may publish what anonymous clients may.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, description: 'User name.' },
              password: { type: 'string', minLength: 1, 'x-sensitive': true, description: 'Password (write "${SOME_VARIABLE}" to take it from the environment).' },
              publish: { type: 'array', items: { type: 'string', minLength: 1, pattern: TOPIC_FILTER }, description: 'Topic filters it may publish to, protected topics included; nothing else.' },
              subscribe: { type: 'array', items: { type: 'string', minLength: 1, pattern: TOPIC_FILTER }, description: 'Topic filters it may subscribe to (default: all).' },
            },
          },
        },
        protectedTopics: {
          type: 'array',
          items: { type: 'string', minLength: 1, pattern: TOPIC_FILTER },
          default: ['switchboard/#', 'homeassistant/#'],
          description:
            'Topic filters only Switchboard (and users whose "publish" names them) may publish to: anonymous and other clients may read them, not write them. events.prefix, events.statusTopic and deadLetter.topic are always protected; topics a plugin takes as input (e.g. Home Assistant\'s homeassistant/status) stay writable.',
        },
        tls: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'A second listener of the embedded broker, for MQTT over TLS.',
          properties: {
            enabled: { type: 'boolean', default: false, description: 'Listen for MQTT over TLS too.', 'x-env': 'SWITCHBOARD_BROKER_TLS_ENABLED' },
            port: { type: 'integer', minimum: 0, maximum: 65535, default: 8883, description: 'Port of the TLS listener (0: any free port), on broker.host.' },
            cert: { type: 'string', default: '', description: 'PEM file of the broker\'s certificate (chain); relative to this file.' },
            key: { type: 'string', default: '', description: 'PEM file of its private key.' },
            passphrase: { type: 'string', default: '', 'x-sensitive': true, description: 'Passphrase of the private key.' },
            ca: { type: 'string', default: '', description: 'PEM file of a certificate authority: when set, clients must present a certificate it signed.' },
          },
        },
      },
    },
    connections: {
      type: 'object',
      default: {},
      description: 'Named MQTT connections. "local" defaults to the embedded broker (or broker.host:broker.port).',
      propertyNames: { pattern: NAME },
      additionalProperties: connectionSchema,
    },
    events: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Every bus event published as JSON under <prefix>/<event_type>, for any MQTT client to see.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Publish bus events.', 'x-env': 'SWITCHBOARD_EVENTS_ENABLED' },
        connection: { type: 'string', default: 'local', description: 'Connection to publish events and the status topic on.', 'x-connection': true, 'x-env': 'SWITCHBOARD_EVENTS_CONNECTION' },
        prefix: { type: 'string', minLength: 1, default: 'switchboard/events', description: 'Topic prefix of published events.', 'x-env': 'SWITCHBOARD_EVENTS_PREFIX' },
        qos: { enum: [0, 1, 2], default: 1, description: 'QoS of published events. 2: exactly once to the broker, even across a crash.', 'x-env': 'SWITCHBOARD_EVENTS_QOS' },
        exclude: {
          type: 'array',
          items: { type: 'string' },
          default: ['device_updated', 'device_removed', 'bridge_updated'],
          description:
            'Event types not to publish. By default the device registry\'s announcements (plugins exchange them, and every start repeats one for every device: 10 000 devices, 10 000 messages at once) and the bridges\' state (it follows the traffic it counts, so a bridge that carries the events would keep itself busy). Set [] to publish them too.',
        },
        statusTopic: {
          type: 'string',
          minLength: 1,
          default: 'switchboard/status',
          description: 'Retained "online" while Switchboard runs, "offline" when it stops (set as the connection\'s last will).',
        },
      },
    },
    deadLetter: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where rejected and failed messages go, with the reason; off while topic is empty.',
      properties: {
        topic: { type: 'string', default: '', description: 'Dead-letter topic, e.g. switchboard/deadletter.', 'x-env': 'SWITCHBOARD_DEADLETTER_TOPIC' },
        connection: { type: 'string', default: 'local', description: 'Connection to publish dead letters on.', 'x-connection': true },
      },
    },
    state: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Persistent state (alert states, registries, in-flight messages).',
      properties: {
        dir: { type: 'string', minLength: 1, default: './state', description: 'Directory of the state files; a relative path is relative to the directory of this file.', 'x-env': 'SWITCHBOARD_STATE_DIR', 'x-arg': 'state-dir' },
        fsync: { type: 'boolean', default: true, description: 'Flush each commit to the disk (fdatasync), so that state survives a power cut, not only a crash.', 'x-env': 'SWITCHBOARD_STATE_FSYNC' },
        compactBytes: { type: 'integer', minimum: 65536, default: 33554432, description: 'Size of the state log at which a fresh snapshot is written in the background (or the last snapshot\'s size, if larger, so that a start replays at most about twice the snapshot). A snapshot rewrites the whole state: a larger log means fewer rewrites, and a longer replay at start (about 0.3 s per 16 MB).' },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The HTTP server: GET /healthz, GET /metrics and the plugins\' routes (the status page, webhooks).',
      'x-moved': { auth: 'plugins.status-page.auth' },
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Run the HTTP server: /healthz, /metrics and the plugins\' routes (the status page, webhooks).', 'x-env': 'SWITCHBOARD_HTTP_ENABLED' },
        host: { type: 'string', default: '127.0.0.1', description: 'Address to listen on.', 'x-env': 'SWITCHBOARD_HTTP_HOST' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 9883, description: 'Port to listen on (0: any free port).', 'x-env': 'SWITCHBOARD_HTTP_PORT', 'x-arg': 'http-port' },
      },
    },
    memory: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How the JavaScript engine (V8) trades memory for speed.',
      properties: {
        optimizeFor: {
          enum: ['size', 'speed'],
          default: 'size',
          description:
            "size: the heap may grow by a fifth of what is live between full collections and the young generation stays at its starting size, so it is scavenged often and little (at 10 000 devices peaks of 118-138 MB resident). speed: the same, but the young generation may grow to V8's default size, for fewer collections (at 10 000 devices peaks of 128-155 MB resident).",
          'x-env': 'SWITCHBOARD_MEMORY_OPTIMIZE_FOR',
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: LOG_LEVELS, default: 'info', description: 'Least severe level logged; debug logs every message hop.', 'x-env': 'SWITCHBOARD_LOG_LEVEL', 'x-arg': 'log-level' },
        format: {
          enum: LOG_FORMATS,
          default: 'auto',
          description: 'auto: one readable line per entry on a terminal, JSON lines otherwise (a pipe, a file, Docker, systemd); pretty or json: always that.',
          'x-env': 'SWITCHBOARD_LOG_FORMAT',
          'x-arg': 'log-format',
        },
      },
    },
    plugins: {
      type: 'object',
      default: {},
      description: 'Plugins by name: built-in ones by name alone, others with "module". Each takes enabled, module, optional and its own options.',
      propertyNames: { pattern: NAME },
      additionalProperties: { type: 'object' },
    },
  },
} as const;

export type CoreConfig = FromSchema<typeof coreSchema>;

/** Keys every plugin section takes besides the plugin's own options. */
export const pluginSectionSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean', default: true, description: 'Load this plugin.' },
    module: { type: 'string', minLength: 1, description: 'Third-party plugin: the name of its npm package, installed beside this file (npm install <package>); or, for one you are writing, the path of its built entry point, relative to this file.' },
    optional: { type: 'boolean', default: false, description: 'If the plugin fails to start, disable it and go on instead of stopping.' },
  },
} as const;

export const PLUGIN_SECTION_KEYS = Object.keys(pluginSectionSchema.properties);
