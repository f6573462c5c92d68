import type { FromSchema } from '../../core/index.js';
import { restSchema } from './rest-schema.js';
import { webhookSchema } from './webhook-schema.js';

// Levels separated by "/", none empty, no wildcards: a prefix that topics are built under.
const TOPIC_PREFIX = '^[^/+#\\u0000]+(/[^/+#\\u0000]+)*$';

export const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['topicRoot'],
  properties: {
    topicRoot: {
      type: 'string',
      pattern: TOPIC_PREFIX,
      description:
        'Root of the HomeLINK topics: the landlord reference (e.g. "joe_bloggs") on HomeLINK\'s broker, or the root they were bridged under (e.g. "homelink/joe_bloggs"). The plugin subscribes <topicRoot>/#.',
    },
    connection: {
      type: 'string',
      default: 'local',
      'x-connection': true,
      description: 'Connection to subscribe on: "homelink" for HomeLINK\'s broker (see `switchboard homelink import-mqttx`), or the local broker the messages are bridged onto.',
    },
    qos: {
      enum: [0, 1, 2],
      default: 1,
      description: 'QoS of the subscription. 1 or 2 lets the broker keep and redeliver what Switchboard has not acknowledged yet.',
    },
    publishConnection: {
      type: 'string',
      'x-connection': true,
      description: 'Connection to publish the state topics, per-device events and device registry on (default: the events connection, events.connection).',
    },
    statePrefix: {
      type: 'string',
      pattern: TOPIC_PREFIX,
      default: 'switchboard/homelink',
      description: 'Prefix of the published topics: <statePrefix>/<property>/alarm, <statePrefix>/<property>/state, <statePrefix>/<property>/<device>/state|alerts|event.',
    },
    publishIntervalMs: {
      type: 'integer',
      minimum: 0,
      maximum: 60000,
      default: 100,
      description: 'State topics change at most this often, in ms: a burst of messages for one device publishes its state once, with the latest values.',
    },
    deviceEvents: {
      type: 'boolean',
      default: true,
      description: 'Also publish each event that concerns a device on <statePrefix>/<property>/<device>/event (not retained, at the QoS of the events, events.qos).',
    },
    maxFutureSkewSeconds: {
      type: 'integer',
      minimum: 0,
      default: 300,
      description:
        'A message dated (actionTimestamp, a reading\'s readingDate) more than this many seconds ahead of this machine\'s clock is refused (code future_timestamp): a time from the future would make every real message after it look older.',
    },
    tombstoneLimit: {
      type: 'integer',
      minimum: 100,
      default: 50000,
      description:
        'How many ids of cleared alerts and processed events are remembered (so that a redelivered or retained older message cannot raise them again); beyond it, the oldest are forgotten.',
    },
    tombstoneMaxAgeDays: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 90,
      description: 'Ids of cleared alerts and processed events are forgotten after this many days.',
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'How many devices and listed alerts are tracked at most, so that a flood of made-up ids cannot grow memory and state without end. At a limit the oldest device without a listed alarm (or the oldest listed alert that is not an alarm) is forgotten to make room; when only alarms are left, a new alarm is still tracked over the limit and anything else is refused. Each is logged and counted (homelink_tracking_limit_total).',
      properties: {
        devices: { type: 'integer', minimum: 1, default: 100000, description: 'Devices in all (each holds a few KB of memory with its state topics and registry entry; see bench/README.md for measurements).' },
        devicesPerProperty: { type: 'integer', minimum: 1, default: 200, description: 'Devices per property.' },
        alerts: { type: 'integer', minimum: 1, default: 100000, description: 'Listed alerts (in alarm, silenced, or a maintenance problem) in all.' },
        alertsPerProperty: { type: 'integer', minimum: 1, default: 5000, description: 'Listed alerts per property.' },
      },
    },
    webhook: webhookSchema,
    rest: restSchema,
  },
} as const;

export type HomelinkOptions = FromSchema<typeof schema>;
