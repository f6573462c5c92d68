import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Device } from '../../../core/index.js';
import { fixture } from '../../helpers/paths.js';

/** The payload schema as published in schemas/ (generated from the plugin by `npm run schemas`). */
export const PUBLISHED_SCHEMA = JSON.parse(readFileSync(fixture('schemas', 'ha-discovery-payload.schema.json'), 'utf8')) as object;

/** Home Assistant's discovery topic rule (its TOPIC_MATCHER), after the prefix: component, optional node id, object id. */
export const HA_TOPIC = /^(?<component>\w+)\/(?:(?<node>[a-zA-Z0-9_-]+)\/)?(?<object>[a-zA-Z0-9_-]+)\/config$/;

/** Splits a discovery topic under `prefix` the way Home Assistant does; fails the test when Home Assistant would drop it. */
export function parseTopic(prefix: string, topic: string): { component: string; node: string | undefined; object: string } {
  assert.ok(topic.startsWith(`${prefix}/`), `${topic} is not under ${prefix}/`);
  const match = HA_TOPIC.exec(topic.slice(prefix.length + 1));
  assert.ok(match?.groups, `${topic} is not a topic Home Assistant accepts for discovery`);
  return { component: match.groups.component!, node: match.groups.node, object: match.groups.object! };
}

const ajv = new Ajv({ allErrors: true });
ajv.addSchema(PUBLISHED_SCHEMA, 'ha');
const validators = new Map<string, ValidateFunction>();

/** Validates a payload against the JSON Schema in schemas/: its definition for the topic's component and key form, and the whole schema. */
export function assertValidPayload(prefix: string, topic: string, payload: unknown, abbreviated: boolean): void {
  const { component } = parseTopic(prefix, topic);
  const name = `ha#/definitions/${component}${abbreviated ? '_abbreviated' : ''}`;
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.getSchema(name);
    assert.ok(validate, `the payload schema has no definition ${name}`);
    validators.set(name, validate);
  }
  assert.ok(validate(payload), `${topic}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(payload)}`);
  assert.ok(ajv.getSchema('ha')!(payload), `${topic} does not match the schema's root`);
}

// Home Assistant's expansions of the abbreviations, from its MQTT documentation ("Supported abbreviations").
const EXPAND: Record<string, string> = {
  avty_t: 'availability_topic', cmps: 'components', dev: 'device', dev_cla: 'device_class', ent_cat: 'entity_category', evt_typ: 'event_types',
  json_attr_t: 'json_attributes_topic', json_attr_tpl: 'json_attributes_template', o: 'origin', p: 'platform', stat_cla: 'state_class',
  stat_t: 'state_topic', uniq_id: 'unique_id', unit_of_meas: 'unit_of_measurement', val_tpl: 'value_template',
};
const EXPAND_DEVICE: Record<string, string> = { ids: 'identifiers', mf: 'manufacturer', mdl: 'model', sa: 'suggested_area', cns: 'connections', sw: 'sw_version', hw: 'hw_version' };
const EXPAND_ORIGIN: Record<string, string> = { sw: 'sw_version', url: 'support_url' };

type Json = Record<string, unknown>;

/** What Home Assistant makes of a payload: abbreviations expanded, `~` substituted (as its discovery.py does). */
export function expandLikeHomeAssistant(payload: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(payload)) out[EXPAND[key] ?? key] = value;
  if (out.device) out.device = Object.fromEntries(Object.entries(out.device as Json).map(([k, v]) => [EXPAND_DEVICE[k] ?? k, v]));
  if (out.origin) out.origin = Object.fromEntries(Object.entries(out.origin as Json).map(([k, v]) => [EXPAND_ORIGIN[k] ?? k, v]));
  if ('~' in out) {
    const base = out['~'] as string;
    delete out['~'];
    for (const [key, value] of Object.entries(out)) {
      if (typeof value !== 'string' || !key.endsWith('topic') || value === '') continue;
      let topic = value;
      if (topic.startsWith('~')) topic = base + topic.slice(1);
      if (topic.endsWith('~')) topic = topic.slice(0, -1) + base;
      out[key] = topic;
    }
  }
  if (out.components) out.components = Object.fromEntries(Object.entries(out.components as Record<string, Json>).map(([k, c]) => [k, expandLikeHomeAssistant(c)]));
  return out;
}

/**
 * Renders the templates this plugin writes (`value_json.get('a', {}).get('b')` and the attributes form
 * `{'name': value_json.get(...)} | tojson`) as Home Assistant's Jinja would: a missing value renders "None".
 */
export function renderTemplate(template: string, state: unknown): string {
  const attributes = /^\{\{ \{'([^']+)': (value_json.*)\} \| tojson \}\}$/.exec(template);
  if (attributes) return JSON.stringify({ [attributes[1]!]: lookup(attributes[2]!, state) ?? null });
  const value = /^\{\{ (value_json.*) \}\}$/.exec(template);
  assert.ok(value, `unexpected template ${template}`);
  const found = lookup(value[1]!, state);
  if (found === undefined || found === null) return 'None';
  if (typeof found === 'boolean') return found ? 'True' : 'False';
  return typeof found === 'object' ? JSON.stringify(found) : String(found);
}

function lookup(expression: string, state: unknown): unknown {
  const gets = [...expression.matchAll(/\.get\('((?:[^'\\]|\\.)*)'(, \{\})?\)/g)];
  assert.equal(expression, `value_json${gets.map((g) => g[0]).join('')}`, `unexpected expression ${expression}`);
  let current: unknown = state;
  for (const [, key] of gets) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Json)[key!.replace(/\\(.)/g, '$1')];
  }
  return current;
}

/** A property and the kinds of device HomeLINK reports through it, as a feeding plugin would announce them. */
export function sampleDevices(connection = 'local'): Device[] {
  const property = 'homelink_property_SAMPLE_Home';
  const state = (id: string): string => `switchboard/homelink/SAMPLE_Home/${id}/state`;
  const alarm = (cls: string) => ({ key: 'alarm', type: 'alarm' as const, name: 'Alarm', class: cls, field: 'alarm', attributesField: 'alerts' });
  const dates = [
    { key: 'last_tested', type: 'timestamp' as const, name: 'Last tested', field: 'lastTestedDate' },
    { key: 'replace_by', type: 'timestamp' as const, name: 'Replace by', field: 'replaceByDate' },
  ];
  const events = (serial: string) => ({ key: 'events', type: 'events' as const, name: 'Events', eventTypes: ['homelink_alert', 'homelink_event'], topic: `switchboard/homelink/SAMPLE_Home/${serial}/event` });
  const device = (serial: string, model: string, cls: string, extra: Device['capabilities'] = []): Device => ({
    id: `homelink_device_${serial}`,
    kind: 'device',
    name: `SAMPLE_Home ${model}`,
    manufacturer: 'Ei',
    model,
    area: 'Hallway',
    via: property,
    connection,
    stateTopic: state(serial),
    capabilities: [alarm(cls), ...dates, events(serial), ...extra],
  });
  return [
    { id: property, kind: 'hub', name: 'SAMPLE_Home', manufacturer: 'AICO', model: 'HomeLINK property', connection, stateTopic: 'switchboard/homelink/SAMPLE_Home/state', capabilities: [{ key: 'alarm', type: 'alarm', name: 'Any alarm', class: 'safety', field: 'alarm' }] },
    device('D6FCD4F0', 'EI3016 (FIREALARM)', 'smoke'),
    device('C3CEC7FB-D6FCD4F1', 'EI208 (COALARM)', 'carbon_monoxide'),
    device('AA000001', 'EI1025 (ENVCO2SENSOR)', 'gas'),
    device('GW000001', 'EI1000G (GATEWAY)', 'problem'),
    device('ENV01234', 'EI1025 (ENVIRONMENT)', 'problem', [
      { key: 'temperature', type: 'measurement', class: 'temperature', unit: 'C', field: 'readings.temperature.value' },
      { key: 'humidity', type: 'measurement', class: 'humidity', unit: '%', field: 'readings.humidity.value' },
      { key: 'carbon_dioxide', type: 'measurement', class: 'carbon_dioxide', unit: 'ppm', field: 'readings.carbon_dioxide.value' },
    ]),
  ];
}
