import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Capability, Device } from '../../../core/index.js';
import { entitiesOf, objectId, uniqueId, type Entity } from '../../../plugins/ha-discovery/entities.js';
import { HA_TOPIC, renderTemplate, sampleDevices } from './support.js';

function device(capabilities: Capability[], id = 'test_device_1'): Device {
  return { id, kind: 'device', name: 'Test device', connection: 'local', stateTopic: 'test/state', capabilities };
}

function only(capability: Capability): Entity {
  const { entities, skipped } = entitiesOf(device([capability]));
  assert.deepEqual(skipped, []);
  assert.equal(entities.length, 1);
  return entities[0]!;
}

describe('ha-discovery: devices to entities', () => {
  it('makes an alarm a binary_sensor of its class, whose attributes carry the alerts', () => {
    for (const cls of ['smoke', 'carbon_monoxide', 'gas', 'heat', 'problem', 'safety']) {
      const entity = only({ key: 'alarm', type: 'alarm', class: cls, field: 'alarm', attributesField: 'alerts' });
      assert.equal(entity.component, 'binary_sensor');
      assert.equal(entity.config.device_class, cls);
      assert.equal(entity.config.state_topic, 'test/state');
      assert.equal(entity.config.json_attributes_topic, 'test/state');
      const state = { alarm: 'ON', alerts: [{ eventId: 'e1', alertstatus: 'FIRE_ALARM' }] };
      assert.equal(renderTemplate(entity.config.value_template!, state), 'ON');
      assert.deepEqual(JSON.parse(renderTemplate(entity.config.json_attributes_template!, state)), { alerts: state.alerts });
    }
  });

  it('makes a binary capability a binary_sensor without alarm meaning, and a text capability a sensor with no state class', () => {
    const power = only({ key: 'display_1_power', type: 'binary', name: 'Display 1 power', field: 'display_1_power' });
    assert.equal(power.component, 'binary_sensor');
    assert.deepEqual(power.config, { name: 'Display 1 power', unique_id: uniqueId('test_device_1', 'display_1_power'), state_topic: 'test/state', value_template: "{{ value_json.get('display_1_power') }}" });
    assert.equal(renderTemplate(power.config.value_template!, { display_1_power: 'OFF' }), 'OFF');
    const status = only({ key: 'codec_1_call_status', type: 'text', field: 'codec_1_call_status' });
    assert.equal(status.component, 'sensor');
    assert.deepEqual(status.config, { name: 'Codec 1 call status', unique_id: uniqueId('test_device_1', 'codec_1_call_status'), state_topic: 'test/state', value_template: "{{ value_json.get('codec_1_call_status') }}" });
    assert.equal(renderTemplate(status.config.value_template!, { codec_1_call_status: 'connected' }), 'connected');
  });

  it('leaves out a class Home Assistant does not know rather than send a config it rejects', () => {
    const entity = only({ key: 'alarm', type: 'alarm', class: 'fire', field: 'alarm', name: 'Alarm' });
    assert.equal(entity.component, 'binary_sensor');
    assert.equal('device_class' in entity.config, false);
    assert.equal(entity.config.name, 'Alarm');
  });

  it('makes a reading a measurement sensor with the unit its device class expects', () => {
    const cases: [Capability, string, string][] = [
      [{ key: 'temperature', type: 'measurement', class: 'temperature', unit: 'C', field: 'readings.temperature.value' }, 'temperature', '°C'],
      [{ key: 'humidity', type: 'measurement', class: 'humidity', unit: '%', field: 'readings.humidity.value' }, 'humidity', '%'],
      [{ key: 'carbon_dioxide', type: 'measurement', class: 'carbon_dioxide', unit: 'ppm', field: 'readings.carbon_dioxide.value' }, 'carbon_dioxide', 'ppm'],
    ];
    for (const [capability, cls, unit] of cases) {
      const entity = only(capability);
      assert.equal(entity.component, 'sensor');
      if (entity.component !== 'sensor') continue;
      assert.equal(entity.config.device_class, cls);
      assert.equal(entity.config.unit_of_measurement, unit);
      assert.equal(entity.config.state_class, 'measurement');
      assert.equal(renderTemplate(entity.config.value_template!, { readings: { [cls]: { value: 21.5 } } }), '21.5');
      assert.equal(renderTemplate(entity.config.value_template!, { readings: {} }), 'None', 'a reading not there yet is unknown, not an error');
    }
  });

  it('keeps a reading without a unit but drops its numeric device class', () => {
    for (const unit of [undefined, '']) {
      const entity = only({ key: 'co2', type: 'measurement', class: 'carbon_dioxide', field: 'co2', ...(unit === undefined ? {} : { unit }) });
      assert.equal(entity.component, 'sensor');
      assert.equal('device_class' in entity.config, false);
      assert.equal('unit_of_measurement' in entity.config, false);
      assert.equal(entity.config.name, 'Co2');
    }
  });

  it('makes last-tested and replace-by dates diagnostic timestamp sensors', () => {
    const entity = only({ key: 'replace_by', type: 'timestamp', field: 'replaceByDate' });
    assert.equal(entity.component, 'sensor');
    if (entity.component !== 'sensor') return;
    assert.equal(entity.config.device_class, 'timestamp');
    assert.equal(entity.config.entity_category, 'diagnostic');
    assert.equal(entity.config.name, 'Replace by');
    assert.equal(renderTemplate(entity.config.value_template!, { replaceByDate: '2035-01-01T00:00:00Z' }), '2035-01-01T00:00:00Z');
  });

  it('makes the events capability an event entity on its topic, with every event type once', () => {
    const entity = only({ key: 'events', type: 'events', eventTypes: ['homelink_alert', 'homelink_event', 'homelink_alert'], topic: 'test/event' });
    assert.equal(entity.component, 'event');
    if (entity.component !== 'event') return;
    assert.equal(entity.config.state_topic, 'test/event');
    assert.deepEqual(entity.config.event_types, ['homelink_alert', 'homelink_event']);
  });

  it('skips, with the reason, capabilities it cannot show', () => {
    const { entities, skipped } = entitiesOf(
      device([
        { key: 'alarm', type: 'alarm', class: 'smoke' },
        { key: 'events', type: 'events', eventTypes: ['a'] },
        { key: 'more', type: 'events', topic: 'test/event' },
        { key: 'ok', type: 'alarm', field: 'ok' },
      ]),
    );
    assert.deepEqual(entities.map((e) => e.key), ['ok']);
    assert.equal(skipped.length, 3);
    assert.match(skipped[0]!, /^alarm: .*field/);
    assert.match(skipped[1]!, /^events: .*topic/);
    assert.match(skipped[2]!, /^more: .*event types/);
  });

  it('reads fields whose names are dict methods or need quoting', () => {
    const entity = only({ key: 'x', type: 'measurement', field: "items.it's" });
    assert.equal(renderTemplate(entity.config.value_template!, { items: { "it's": 3 } }), '3');
  });

  it('gives every entity of the sample property a distinct unique_id', () => {
    const ids = sampleDevices().flatMap((d) => entitiesOf(d).entities.map((e) => e.config.unique_id));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.length > 20);
  });

  it('derives ids that are valid in topics and never collide, whatever the device ids and keys', () => {
    const deviceId = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    const key = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
    fc.assert(
      fc.property(deviceId, key, deviceId, key, (d1, k1, d2, k2) => {
        assert.ok(HA_TOPIC.test(`sensor/switchboard/${objectId(d1, k1)}/config`));
        if (d1 !== d2 || k1 !== k2) assert.notEqual(uniqueId(d1, k1), uniqueId(d2, k2));
      }),
    );
    // The pairs a plain "_" join would confuse.
    assert.notEqual(uniqueId('a_b', 'c'), uniqueId('a', 'b_c'));
    assert.notEqual(objectId('dev-1', 'alarm'), objectId('dev', '1_alarm'));
  });
});
