import type { FromSchema } from '../../core/index.js';

const bridge = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'remote', 'topics'],
  description: 'One bridge: mosquitto\'s `connection` block, between two of the runtime\'s connections.',
  properties: {
    name: { type: 'string', pattern: '^[^\\s;]+$', description: 'Name of the bridge (mosquitto\'s `connection <name>`): in logs, metrics and the loop marker.' },
    local: { type: 'string', default: 'local', 'x-connection': true, description: 'The connection playing mosquitto\'s local broker.' },
    remote: { type: 'string', 'x-connection': true, description: 'The connection playing the remote broker (mosquitto\'s `address`, credentials and TLS live on it).' },
    topics: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description:
        'mosquitto `topic` lines without the keyword, in order: `<pattern> [in|out|both [qos [local_prefix [remote_prefix]]]]`, e.g. "sensors/# in 1 local/ remote/" or "\\"\\" out 0 homelink/joe/status remote/joe/status". Checked with mosquitto 2.0.11\'s rules and words.',
    },
    notifications: { type: 'boolean', default: true, description: 'Publish the bridge\'s state (retained `1` connected, `0` not) on notificationTopic, locally and on the remote (where `0` is the remote connection\'s will).' },
    notificationsLocalOnly: { type: 'boolean', default: false, description: 'Publish the state locally only: nothing to the remote, no will.' },
    notificationTopic: {
      type: 'string',
      minLength: 1,
      pattern: '^[^+#]+$',
      description: 'Topic of the state notifications. Default: $SYS/broker/connection/<remote connection\'s clientId>/state, as mosquitto.',
    },
    outgoingRetain: { type: 'boolean', default: true, description: 'false: clear the retain flag of everything sent to the remote (mosquitto\'s bridge_outgoing_retain).' },
    attemptUnsubscribe: { type: 'boolean', default: true, description: 'Unsubscribe the remote topic of every `out` line on each connect, clearing what a persistent session kept (mosquitto\'s bridge_attempt_unsubscribe).' },
    parentLevelQuirk: {
      type: 'boolean',
      default: true,
      description: 'mosquitto\'s remapping of a prefix\'s parent level: with `# in 0 l/ r/`, remote `r` arrives as `l/r`. false: as `l`.',
    },
    loopMarker: {
      type: 'boolean',
      default: true,
      description: 'Mark what is forwarded to an MQTT 5 connection with the user property `switchboard-bridge` (`<loopId>;<hops>`) and drop what already passed this bridge, so that a cycle of bridges stops after one round.',
    },
    loopId: { type: 'string', minLength: 1, pattern: '^[^;]+$', description: 'This bridge\'s name in loop markers; unique among the bridges a message can pass. Default: <hostname>.<name>.' },
  },
} as const;

export const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['bridges'],
  properties: {
    bridges: { type: 'array', items: bridge, description: 'The bridges, each between two connections.' },
  },
} as const;

export type MosquittoBridgeOptions = FromSchema<typeof schema>;
export type BridgeOptions = MosquittoBridgeOptions['bridges'][number];
