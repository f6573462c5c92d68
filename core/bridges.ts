import type { FromSchema } from 'json-schema-to-ts';

/**
 * What a plugin that bridges two connections (mosquitto-bridge, or a third-party one) tells the rest of the
 * runtime about each bridge, through the bus event `bridge_updated`: raised at start, when a side connects or
 * drops, and at most about once a second while its numbers change. The status page shows the latest of each.
 * Not published to MQTT by default (events.exclude), since it follows the traffic it counts.
 */
export const BRIDGE_UPDATED = 'bridge_updated';

const count = { type: 'integer', minimum: 0 } as const;
const side = {
  type: 'object',
  additionalProperties: false,
  required: ['connection', 'connected'],
  properties: {
    connection: { type: 'string', description: 'Name of the runtime\'s connection on this side.' },
    connected: { type: 'boolean' },
  },
} as const;

export const bridgeStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'local', 'remote', 'forwarded', 'dropped'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'The bridge\'s name, unique within its plugin.' },
    local: side,
    remote: side,
    forwarded: {
      type: 'object',
      additionalProperties: false,
      required: ['out', 'in'],
      properties: { out: { ...count, description: 'Local to remote.' }, in: { ...count, description: 'Remote to local.' } },
    },
    dropped: {
      type: 'object',
      description: 'Messages not forwarded since start, by reason (e.g. loop, echo, offline, refused, no_route).',
      additionalProperties: count,
    },
    queued: { ...count, description: 'Forwarded, not yet acknowledged by the other side.' },
    notification: {
      type: 'object',
      additionalProperties: false,
      required: ['topic', 'state'],
      description: 'The bridge\'s state notifications, when it publishes them.',
      properties: {
        topic: { type: 'string' },
        state: { enum: ['1', '0', null], description: 'What was last published on topic (1 connected, 0 not); null before the first.' },
      },
    },
  },
} as const;

export type BridgeStatus = FromSchema<typeof bridgeStatusSchema>;
