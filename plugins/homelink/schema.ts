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
      description: 'Also publish each event that concerns a device on <statePrefix>/<property>/<device>/event (not retained).',
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
    webhook: webhookSchema,
    rest: restSchema,
  },
} as const;

export type HomelinkOptions = FromSchema<typeof schema>;
