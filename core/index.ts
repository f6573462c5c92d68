// The public API of Switchboard: what plugins (built-in and third-party) import, and nothing else of the core.
export { definePlugin } from './plugin.js';
export type {
  CommandArgs,
  CommandIO,
  CommandOption,
  ConnectionHandle,
  Guard,
  HandleOptions,
  PluginCommand,
  PluginContext,
  PluginDefinition,
  Publisher,
  PublishOptions,
  PublishedMessage,
  RetainedOptions,
  RouteHandler,
  RouteOptions,
  RouteRequest,
  RouteResponse,
  RuntimeInfo,
  TopicHandler,
  Transform,
  TransformOptions,
  WillOptions,
} from './plugin.js';
export { InboundMessage, MessageRejected } from './message.js';
export type { MessageProperties, OutboundMessage, QoS } from './message.js';
export type { BusEvent } from './bus.js';
export type { EventData, EventSchemas } from './event-types.js';
export type { RetainedTopics } from './retained.js';
export type { StateMap } from './state-map.js';
export type { Logger } from './logger.js';
export type { HealthReport } from './health.js';
export { topicLevel, filterMatches, filterProblem, topicProblem } from './topics.js';
export { TopicTemplate, valueAt } from './topic-template.js';
export { DEVICE_REMOVED, DEVICE_UPDATED, capabilitySchema, deviceRemovedSchema, deviceSchema } from './devices.js';
export type { Capability, Device, DeviceRemoved } from './devices.js';
export { BRIDGE_UPDATED, bridgeStatusSchema } from './bridges.js';
export type { BridgeStatus } from './bridges.js';
export type { FromSchema, JSONSchema } from 'json-schema-to-ts';
export { checkHttpAuth, httpAuthSchema, httpCredentialsSchema, isLoopbackAddress } from './http-auth.js';
export type { AuthResult, HttpAuth } from './http-auth.js';
