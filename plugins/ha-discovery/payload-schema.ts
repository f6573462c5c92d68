import { DEVICE_ABBREVIATIONS, KEY_ABBREVIATIONS, ORIGIN_ABBREVIATIONS, TOPIC_BASE } from './abbreviations.js';

// The discovery keys this plugin sends, as Home Assistant's MQTT documentation describes them (binary_sensor,
// sensor, event, device discovery); every object is closed, so a key Home Assistant would not know fails.

/** Home Assistant's binary_sensor device classes (what "on" means: smoke detected, problem, unsafe, ...). */
export const BINARY_SENSOR_CLASSES = [
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock',
  'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke',
  'sound', 'tamper', 'update', 'vibration', 'window',
] as const;

/** Home Assistant's sensor device classes (without `enum`, whose options this plugin does not send). */
export const SENSOR_CLASSES = [
  'absolute_humidity', 'apparent_power', 'aqi', 'area', 'atmospheric_pressure', 'battery', 'blood_glucose_concentration',
  'carbon_dioxide', 'carbon_monoxide', 'conductivity', 'current', 'data_rate', 'data_size', 'date', 'distance', 'duration', 'energy',
  'energy_distance', 'energy_storage', 'frequency', 'gas', 'humidity', 'illuminance', 'irradiance', 'moisture', 'monetary',
  'nitrogen_dioxide', 'nitrogen_monoxide', 'nitrous_oxide', 'ozone', 'ph', 'pm1', 'pm10', 'pm25', 'pm4', 'power', 'power_factor',
  'precipitation', 'precipitation_intensity', 'pressure', 'reactive_energy', 'reactive_power', 'signal_strength', 'sound_pressure',
  'speed', 'sulphur_dioxide', 'temperature', 'temperature_delta', 'timestamp', 'volatile_organic_compounds',
  'volatile_organic_compounds_parts', 'voltage', 'volume', 'volume_flow_rate', 'volume_storage', 'water', 'weight', 'wind_direction',
  'wind_speed',
] as const;

export const EVENT_CLASSES = ['button', 'doorbell', 'motion'] as const;

const text = { type: 'string', minLength: 1 } as const;
const topic = { type: 'string', minLength: 1, pattern: '^[^+#]+$' } as const;
const qos = { enum: [0, 1, 2], description: 'QoS Home Assistant subscribes to the state topic with.' } as const;

const entityProperties = {
  name: { ...text, description: 'Entity name; Home Assistant shows it after the device name. Absent: named after the device class.' },
  unique_id: { ...text, description: 'Entity registry id: stable, unique across every publisher on the broker.' },
  state_topic: topic,
  value_template: { ...text, description: 'Jinja template rendering the state from the payload (value_json).' },
  json_attributes_topic: topic,
  json_attributes_template: { ...text, description: 'Jinja template rendering a JSON object of attributes.' },
  availability_topic: { ...topic, description: 'Carries "online" / "offline" (the default payloads).' },
  entity_category: { enum: ['diagnostic'] },
  qos,
} as const;

export const binarySensorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'state_topic'],
  properties: { ...entityProperties, device_class: { enum: BINARY_SENSOR_CLASSES } },
} as const;

export const sensorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'state_topic'],
  properties: {
    ...entityProperties,
    device_class: { enum: SENSOR_CLASSES },
    state_class: { enum: ['measurement', 'measurement_angle', 'total', 'total_increasing'] },
    unit_of_measurement: text,
  },
} as const;

export const eventConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'state_topic', 'event_types'],
  properties: {
    ...entityProperties,
    device_class: { enum: EVENT_CLASSES },
    event_types: { type: 'array', minItems: 1, uniqueItems: true, items: text, description: 'Every event_type the entity accepts; payloads are JSON objects with one of them.' },
  },
} as const;

export const deviceInfoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['identifiers', 'name'],
  properties: {
    identifiers: { type: 'array', minItems: 1, items: text },
    name: text,
    manufacturer: text,
    model: text,
    suggested_area: text,
    via_device: { ...text, description: 'An identifier of the device this one reports through (a HomeLINK property, a building).' },
  },
} as const;

export const originSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: text, sw_version: text, support_url: { type: 'string', pattern: '^https?://' } },
} as const;

type ObjectSchema = { required: readonly string[]; properties: Readonly<Record<string, unknown>> } & Record<string, unknown>;

const COMPONENTS = { binary_sensor: binarySensorConfigSchema, sensor: sensorConfigSchema, event: eventConfigSchema } as const;

/** A config published on its own topic, <prefix>/<component>/<node id>/<object id>/config. */
function singleComponent(entity: ObjectSchema): ObjectSchema {
  return { ...entity, required: [...entity.required, 'device', 'origin'], properties: { ...entity.properties, device: deviceInfoSchema, origin: originSchema } };
}

/** An entry of a device config's components: the entity with its platform. */
function component(platform: string, entity: ObjectSchema): ObjectSchema {
  return { ...entity, required: ['platform', ...entity.required], properties: { platform: { const: platform }, ...entity.properties } };
}

/** A device config, <prefix>/device/<node id>/<object id>/config: every entity of a device in one message. */
const deviceConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['device', 'origin', 'components'],
  properties: {
    device: deviceInfoSchema,
    origin: originSchema,
    availability_topic: entityProperties.availability_topic,
    qos,
    components: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^[A-Za-z0-9_-]+$' },
      additionalProperties: {
        oneOf: [
          ...Object.entries(COMPONENTS).map(([platform, entity]) => component(platform, entity)),
          {
            type: 'object',
            additionalProperties: false,
            required: ['platform'],
            properties: { platform: { enum: Object.keys(COMPONENTS) } },
            description: 'A removed entity: only its platform, which tells Home Assistant to remove it.',
          },
        ],
      },
    },
  },
};

/** The same schema with Home Assistant's abbreviated keys, and `~` allowed where topics are. */
function abbreviated(schema: ObjectSchema, table: Readonly<Record<string, string>> = KEY_ABBREVIATIONS): ObjectSchema {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema.properties)) {
    const sub = value as ObjectSchema & { additionalProperties?: { oneOf: ObjectSchema[] } };
    let renamed: unknown = value;
    if (key === 'device') renamed = abbreviated(sub, DEVICE_ABBREVIATIONS);
    else if (key === 'origin') renamed = abbreviated(sub, ORIGIN_ABBREVIATIONS);
    else if (key === 'components') renamed = { ...sub, additionalProperties: { oneOf: sub.additionalProperties!.oneOf.map((c) => abbreviated(c)) } };
    properties[table[key] ?? key] = renamed;
  }
  if ('state_topic' in schema.properties) properties[TOPIC_BASE] = { ...topic, description: 'Base of the topics: a leading "~" in a *topic value stands for it.' };
  return { ...schema, required: schema.required.map((key) => table[key] ?? key), properties };
}

const definitions: Record<string, ObjectSchema> = {};
for (const [name, entity] of Object.entries(COMPONENTS)) definitions[name] = singleComponent(entity);
definitions.device = deviceConfigSchema;
for (const name of Object.keys(definitions)) definitions[`${name}_abbreviated`] = abbreviated(definitions[name]!);

/**
 * The JSON Schema of every discovery payload this plugin publishes (written to
 * schemas/ha-discovery-payload.schema.json): one definition per component and form, full or abbreviated keys.
 */
export const discoveryPayloadSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Home Assistant MQTT discovery payload, as Switchboard publishes it',
  description:
    'A retained config under <prefix>/<component>/switchboard/<object id>/config (definitions binary_sensor, sensor, event) or <prefix>/device/switchboard/<device id>/config (definition device); *_abbreviated: the same with abbreviated keys.',
  anyOf: Object.keys(definitions).map((name) => ({ $ref: `#/definitions/${name}` })),
  definitions,
};
