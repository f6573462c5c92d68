import type { Device, FromSchema, QoS } from '../../core/index.js';
import { abbreviate } from './abbreviations.js';
import { NODE_ID, deviceIdentifier, objectId, type Component, type Entity } from './entities.js';
import type { deviceInfoSchema, originSchema } from './payload-schema.js';

export type DeviceInfo = FromSchema<typeof deviceInfoSchema>;
export type Origin = FromSchema<typeof originSchema>;
export type Payload = Record<string, unknown>;

export interface PayloadOptions {
  prefix: string;
  origin: Origin;
  qos: QoS;
  /** The runtime's status topic ("online" / "offline"), when it is on Home Assistant's broker. */
  availabilityTopic: string | undefined;
  abbreviate: boolean;
  deviceDiscovery: boolean;
}

/** Where a single-component config is published: <prefix>/<component>/<node id>/<object id>/config. */
export function entityTopic(prefix: string, component: Component, deviceId: string, key: string): string {
  return `${prefix}/${component}/${NODE_ID}/${objectId(deviceId, key)}/config`;
}

/** Where a device config is published: <prefix>/device/<node id>/<device id>/config. */
export function deviceTopic(prefix: string, deviceId: string): string {
  return `${prefix}/device/${NODE_ID}/${deviceId}/config`;
}

export function deviceInfo(device: Device): DeviceInfo {
  const info: DeviceInfo = { identifiers: [deviceIdentifier(device.id)], name: device.name };
  if (device.manufacturer) info.manufacturer = device.manufacturer;
  if (device.model) info.model = device.model;
  if (device.area) info.suggested_area = device.area;
  if (device.via) info.via_device = deviceIdentifier(device.via);
  return info;
}

/**
 * The discovery messages of a device, by topic: one per entity, or one for the whole device with
 * `deviceDiscovery`. `removed` are entities the device had earlier in this run: in a device config
 * Home Assistant removes one only when it is sent reduced to its platform.
 */
export function configMessages(device: Device, entities: readonly Entity[], removed: ReadonlyMap<string, Component>, options: PayloadOptions): Map<string, Payload> {
  const messages = new Map<string, Payload>();
  const shared: Payload = {};
  if (options.availabilityTopic) shared.availability_topic = options.availabilityTopic;
  shared.qos = options.qos;
  const finish = (payload: Payload): Payload => (options.abbreviate ? abbreviate(payload) : payload);

  if (!options.deviceDiscovery) {
    for (const entity of entities) {
      const payload = { ...entity.config, ...shared, device: deviceInfo(device), origin: options.origin };
      messages.set(entityTopic(options.prefix, entity.component, device.id, entity.key), finish(payload));
    }
    return messages;
  }

  const components: Record<string, Payload> = {};
  for (const [key, platform] of removed) components[key] = { platform };
  for (const entity of entities) components[entity.key] = { platform: entity.component, ...entity.config };
  if (Object.keys(components).length > 0) {
    messages.set(deviceTopic(options.prefix, device.id), finish({ device: deviceInfo(device), origin: options.origin, ...shared, components }));
  }
  return messages;
}
