import type { FromSchema } from '../../core/index.js';

// An MQTT subscription filter: levels separated by "/", "+" a whole level, "#" a whole last level.
const TOPIC_FILTER = '^(?:#|(?:\\+|[^+#/]*)(?:/(?:\\+|[^+#/]*))*(?:/#)?)$';
// Levels separated by "/", none empty, no wildcards: a prefix that topics are built under.
const TOPIC_PREFIX = '^[^/+#\\u0000]+(/[^/+#\\u0000]+)*$';
// A zone tag as PlaceOS writes it in PLACE_HIERARCHY: one word.
const TAG = '^[A-Za-z0-9_-]+$';

export const publishRule = {
  type: 'object',
  additionalProperties: false,
  required: ['events', 'topic'],
  description: 'Bus events to publish into PlaceOS\'s topic structure, one message per event.',
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
      description: 'Event types to publish, e.g. ["homelink_alert"].',
    },
    topic: {
      type: 'string',
      minLength: 1,
      description:
        'Topic template: {path} placeholders take fields of the event, e.g. `placeos/acme/state/bld-hq/_/_/sys-fire/homelink/Alarm/1/{data.payload.eventType}`. ' +
        'A value never adds or widens a level: "/", "+", "#" and "%" in it are percent-encoded.',
    },
    value: {
      type: 'string',
      default: 'data',
      pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
      description: 'Dot path of the value to publish in the event, e.g. "data.payload"; "data" is the whole event data. A missing value is published as null.',
    },
    shape: {
      enum: ['deployed', 'documented'],
      default: 'deployed',
      description:
        'deployed: `{"time": <unix seconds>, "value": <raw JSON>}`, what PlaceOS\'s running service publishes; documented: `{"time": <unix ms>, "value": "<serialized JSON>"}`, as PlaceOS\'s documentation describes.',
    },
    retain: { type: 'boolean', default: true, description: 'Publish retained, as PlaceOS does.' },
    qos: {
      enum: [0, 1, 2],
      default: 1,
      description:
        'QoS of the publishes. PlaceOS publishes at 0; the default is 1 because the embedded broker (aedes) can lose a retained QoS 0 message followed at once by another QoS 0 one.',
    },
  },
} as const;

export const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    connection: {
      type: 'string',
      default: 'local',
      'x-connection': true,
      description: 'Connection of the broker PlaceOS publishes to: subscriptions and the publish rules use it.',
    },
    subscribe: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, pattern: TOPIC_FILTER },
      default: ['placeos/#'],
      description:
        'Filters to subscribe, e.g. PlaceOS\'s documented wildcard `placeos/+/state/+/+/+/+/+/Display/+/power` (every display\'s power, 3 zone levels) with `placeos/+/metadata/+` for the names. ' +
        'Messages that match but are not PlaceOS state or metadata are rejected and dead-lettered.',
    },
    qos: { enum: [0, 1, 2], default: 1, description: 'QoS of the subscriptions.' },
    hierarchy: {
      type: 'array',
      minItems: 2,
      uniqueItems: true,
      items: { type: 'string', pattern: TAG },
      description:
        'PlaceOS\'s zone hierarchy (its PLACE_HIERARCHY, as a list), the scope first: ["org", "region", "building", "level", "area"] is PlaceOS\'s default. ' +
        'State topics must then have one zone level per entry after the first, and a module name containing "/" is read whole. ' +
        'Without it, 3 zone levels are building, level, area (the documented shape) and 4 are region, building, level, area (PlaceOS\'s default).',
    },
    publish: {
      type: 'array',
      items: publishRule,
      default: [],
      description: 'Bus events to publish as PlaceOS state (e.g. HomeLINK alerts, for a PlaceOS dashboard).',
    },
    devices: {
      type: 'boolean',
      default: true,
      description: 'Announce each PlaceOS system as a device of the registry (Home Assistant, through ha-discovery), its module statuses as entities.',
    },
    publishConnection: {
      type: 'string',
      'x-connection': true,
      description: 'Connection to publish the systems\' state topics on (default: the events connection, events.connection).',
    },
    statePrefix: {
      type: 'string',
      pattern: TOPIC_PREFIX,
      default: 'switchboard/placeos',
      description: 'Prefix of the systems\' state topics: `<statePrefix>/<system id>/state`, a JSON object of the latest value of each module status.',
    },
  },
} as const;

export type PlaceosOptions = FromSchema<typeof schema>;
export type PublishRule = FromSchema<typeof publishRule>;
