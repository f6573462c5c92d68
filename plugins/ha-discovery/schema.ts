import type { FromSchema } from '../../core/index.js';

export const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    discoveryPrefix: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$',
      default: 'homeassistant',
      description: "Home Assistant's discovery prefix (its MQTT integration option \"Discovery prefix\"). Configs are published under <discoveryPrefix>/<component>/switchboard/<object id>/config.",
    },
    birthTopic: {
      type: 'string',
      pattern: '^[^+#]+$',
      description: "Where Home Assistant announces itself (its MQTT birth message). Default: <discoveryPrefix>/status.",
    },
    birthPayload: { type: 'string', minLength: 1, default: 'online', description: "Home Assistant's birth payload; on it every config is published again." },
    republishDelayMs: {
      type: 'integer',
      minimum: 0,
      maximum: 10000,
      default: 3000,
      description: 'After a birth message, configs are published again after a random delay of up to this many ms, so that a restarting Home Assistant is not flooded by every publisher at once.',
    },
    connection: {
      type: 'string',
      'x-connection': true,
      description: "Connection to Home Assistant's broker (default: the events connection). It must be the one the devices' state topics and the runtime's status topic are on.",
    },
    qos: { enum: [0, 1, 2], default: 1, description: 'QoS of the config publishes, and the QoS Home Assistant subscribes to the state and event topics with.' },
    retain: {
      type: 'boolean',
      default: true,
      description: 'Retain the configs on the broker (recommended), so Home Assistant finds them whenever it connects. false: Home Assistant only learns them from the publishes at start and after its birth message.',
    },
    abbreviate: { type: 'boolean', default: false, description: "Use Home Assistant's abbreviated keys (~, stat_t, uniq_id, dev, ...): smaller payloads, harder to read." },
    deviceDiscovery: {
      type: 'boolean',
      default: false,
      description: 'One config per device (<discoveryPrefix>/device/switchboard/<device id>/config with every entity in "components"), rather than one per entity. Needs Home Assistant 2024.11 or later.',
    },
  },
} as const;

export type HaDiscoveryOptions = FromSchema<typeof schema>;
