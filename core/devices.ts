import type { FromSchema } from 'json-schema-to-ts';

/**
 * The device registry that plugins share through bus events. A plugin that knows devices (HomeLINK
 * properties and alarms, PlaceOS modules) raises `device_updated` for each device it learns or changes,
 * again for all of them when it starts, and `device_removed` when one goes; consumers such as
 * ha-discovery map them to what they publish, in one place, whichever plugin fed them.
 *
 * A device's state is a JSON object its plugin keeps retained on `stateTopic`; each capability says
 * what part of that state it is (`field`, a dot path) and how to read it.
 */
export const DEVICE_UPDATED = 'device_updated';
export const DEVICE_REMOVED = 'device_removed';

export const capabilitySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'type'],
  properties: {
    key: { type: 'string', pattern: '^[a-z0-9_]+$', description: 'Unique within the device, e.g. alarm, temperature, last_tested.' },
    type: {
      enum: ['alarm', 'measurement', 'timestamp', 'events', 'binary', 'text'],
      description:
        'alarm: ON/OFF (field); measurement: a number with a unit (field); timestamp: an ISO date (field); events: the device\'s events, published one by one on `topic`; ' +
        'binary: ON/OFF that is not an alarm, e.g. a display\'s power (field); text: a value shown as it is, e.g. "online" (field).',
    },
    name: { type: 'string', description: 'Human name of the capability, e.g. "Temperature".' },
    class: {
      type: 'string',
      description: 'What it measures or detects: smoke, carbon_monoxide, heat, safety, problem, temperature, humidity, carbon_dioxide, ...',
    },
    unit: { type: 'string', description: 'Unit of a measurement, e.g. °C, %, ppm.' },
    field: { type: 'string', description: 'Dot path of the value in the device\'s state JSON.' },
    attributesField: { type: 'string', description: 'Dot path of extra details in the state JSON (e.g. the list of alerts behind an alarm).' },
    eventTypes: { type: 'array', items: { type: 'string' }, description: 'events: the event types the device can raise.' },
    topic: { type: 'string', description: 'events: the topic each event is published on (JSON with event_type), never retained.' },
  },
} as const;

export const deviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'name', 'connection', 'stateTopic', 'capabilities'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', description: 'Stable id, unique across plugins, e.g. homelink_device_D6FCD4F0.' },
    kind: { enum: ['hub', 'device'], description: 'hub: a property or building that devices report through; device: an alarm, sensor or gateway.' },
    name: { type: 'string', minLength: 1 },
    manufacturer: { type: 'string' },
    model: { type: 'string' },
    area: { type: 'string', description: 'Room or location.' },
    via: { type: 'string', description: 'Id of the hub the device belongs to.' },
    connection: { type: 'string', description: 'Connection the state and event topics are on.' },
    stateTopic: { type: 'string', description: 'Retained JSON state of the device.' },
    capabilities: { type: 'array', items: capabilitySchema },
  },
} as const;

export const deviceRemovedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string' } },
} as const;

export type Device = FromSchema<typeof deviceSchema>;
export type Capability = FromSchema<typeof capabilitySchema>;
export type DeviceRemoved = FromSchema<typeof deviceRemovedSchema>;
