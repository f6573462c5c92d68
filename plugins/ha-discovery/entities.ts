import type { Capability, Device, FromSchema } from '../../core/index.js';
import { BINARY_SENSOR_CLASSES, SENSOR_CLASSES, binarySensorConfigSchema, eventConfigSchema, sensorConfigSchema } from './payload-schema.js';

// The one place where a device of the shared registry (whichever plugin announced it) becomes Home Assistant entities.

export type BinarySensorConfig = FromSchema<typeof binarySensorConfigSchema>;
export type SensorConfig = FromSchema<typeof sensorConfigSchema>;
export type EventConfig = FromSchema<typeof eventConfigSchema>;

export type Entity =
  | { component: 'binary_sensor'; key: string; config: BinarySensorConfig }
  | { component: 'sensor'; key: string; config: SensorConfig }
  | { component: 'event'; key: string; config: EventConfig };

export type Component = Entity['component'];

/** The node id of every topic this plugin publishes: it groups Switchboard's configs under the discovery prefix. */
export const NODE_ID = 'switchboard';

/**
 * Ids come from the device id and capability key only, never from names or options, so they stay the
 * same across restarts and renames. Device ids are `[A-Za-z0-9_-]` and keys `[a-z0-9_]` (the registry's
 * schema, also what Home Assistant allows in topics); keys have no "-", so `<device>-<key>` is unambiguous.
 */
export function objectId(deviceId: string, key: string): string {
  return `${deviceId}-${key}`;
}

export function uniqueId(deviceId: string, key: string): string {
  return `${NODE_ID}_${objectId(deviceId, key)}`;
}

export function deviceIdentifier(deviceId: string): string {
  return `${NODE_ID}_${deviceId}`;
}

// Units as some sources write them, in the form Home Assistant's device classes expect.
const UNITS: Readonly<Record<string, string>> = { C: '°C', F: '°F', degC: '°C', degF: '°F' };

const binaryClasses: ReadonlySet<string> = new Set(BINARY_SENSOR_CLASSES);
const sensorClasses: ReadonlySet<string> = new Set(SENSOR_CLASSES);

export interface DeviceEntities {
  entities: Entity[];
  /** Why a capability has no entity (e.g. an alarm without a field). */
  skipped: string[];
}

export function entitiesOf(device: Device): DeviceEntities {
  const entities: Entity[] = [];
  const skipped: string[] = [];
  for (const capability of device.capabilities) {
    const entity = entityOf(device, capability);
    if (typeof entity === 'string') skipped.push(`${capability.key}: ${entity}`);
    else entities.push(entity);
  }
  return { entities, skipped };
}

function entityOf(device: Device, capability: Capability): Entity | string {
  const { key, field } = capability;
  const unique_id = uniqueId(device.id, key);
  if (capability.type === 'events') {
    const eventTypes = [...new Set(capability.eventTypes ?? [])];
    if (!capability.topic) return 'an events capability needs the topic its events are published on';
    if (eventTypes.length === 0) return 'an events capability needs its event types';
    return { component: 'event', key, config: { name: capability.name ?? humanize(key), unique_id, state_topic: capability.topic, event_types: eventTypes } };
  }
  if (!field) return `a capability of type ${capability.type} needs the field its value is in`;
  const state = { unique_id, state_topic: device.stateTopic, value_template: `{{ ${lookup(field)} }}` };

  if (capability.type === 'alarm' || capability.type === 'binary') {
    const deviceClass = binaryClasses.has(capability.class ?? '') ? (capability.class as BinarySensorConfig['device_class']) : undefined;
    const config: BinarySensorConfig = { ...named(capability, deviceClass !== undefined), ...state };
    if (deviceClass) config.device_class = deviceClass;
    if (capability.attributesField) {
      config.json_attributes_topic = device.stateTopic;
      config.json_attributes_template = `{{ {${quote(lastSegment(capability.attributesField))}: ${lookup(capability.attributesField)}} | tojson }}`;
    }
    return { component: 'binary_sensor', key, config };
  }

  if (capability.type === 'timestamp') {
    return { component: 'sensor', key, config: { ...named(capability, false), ...state, device_class: 'timestamp', entity_category: 'diagnostic' } };
  }

  if (capability.type === 'text') return { component: 'sensor', key, config: { ...named(capability, false), ...state } };

  const unit = capability.unit ? (UNITS[capability.unit] ?? capability.unit) : undefined;
  // A numeric device class without a unit is an error in Home Assistant; the reading is still shown, unclassified.
  const deviceClass = unit !== undefined && sensorClasses.has(capability.class ?? '') ? (capability.class as SensorConfig['device_class']) : undefined;
  const config: SensorConfig = { ...named(capability, deviceClass !== undefined), ...state, state_class: 'measurement' };
  if (deviceClass) config.device_class = deviceClass;
  if (unit !== undefined) config.unit_of_measurement = unit;
  return { component: 'sensor', key, config };
}

/** The capability's name; without one, Home Assistant names a classified entity after its class ("Smoke", "Temperature"). */
function named(capability: Capability, classified: boolean): { name?: string } {
  if (capability.name) return { name: capability.name };
  return classified ? {} : { name: humanize(capability.key) };
}

function humanize(key: string): string {
  const words = key.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A Jinja expression reading a dot path of the state JSON. `.get` rather than `.name`: a missing value renders
 * "None", which Home Assistant shows as unknown instead of logging a template error, and a key such as
 * "items" cannot be mistaken for a method of the dict.
 */
function lookup(path: string): string {
  const segments = path.split('.');
  return `value_json${segments.map((s, i) => `.get(${quote(s)}${i < segments.length - 1 ? ', {}' : ''})`).join('')}`;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function quote(segment: string): string {
  return `'${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
