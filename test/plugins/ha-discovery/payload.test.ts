import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { entitiesOf } from '../../../plugins/ha-discovery/entities.js';
import { configMessages, type PayloadOptions } from '../../../plugins/ha-discovery/payload.js';
import { discoveryPayloadSchema } from '../../../plugins/ha-discovery/payload-schema.js';
import { PUBLISHED_SCHEMA, assertValidPayload, expandLikeHomeAssistant, parseTopic, sampleDevices } from './support.js';

const base: PayloadOptions = {
  prefix: 'homeassistant',
  origin: { name: 'Switchboard', sw_version: '1.2.3', support_url: 'https://example.org/switchboard' },
  qos: 1,
  availabilityTopic: 'switchboard/status',
  abbreviate: false,
  deviceDiscovery: false,
};

function allMessages(options: PayloadOptions): Map<string, Record<string, unknown>> {
  const messages = new Map<string, Record<string, unknown>>();
  for (const device of sampleDevices()) {
    for (const [topic, payload] of configMessages(device, entitiesOf(device).entities, new Map(), options)) messages.set(topic, payload);
  }
  return messages;
}

describe('ha-discovery: payloads', () => {
  for (const abbreviate of [false, true]) {
    for (const deviceDiscovery of [false, true]) {
      it(`are valid against the payload schema (${abbreviate ? 'abbreviated' : 'full'} keys, ${deviceDiscovery ? 'device' : 'single-component'} form)`, () => {
        const messages = allMessages({ ...base, abbreviate, deviceDiscovery });
        const devices = sampleDevices();
        assert.equal(messages.size, deviceDiscovery ? devices.length : devices.reduce((n, d) => n + d.capabilities.length, 0));
        for (const [topic, payload] of messages) {
          const { component, node } = parseTopic('homeassistant', topic);
          assert.equal(node, 'switchboard');
          assert.equal(component === 'device', deviceDiscovery);
          assertValidPayload('homeassistant', topic, payload, abbreviate);
        }
      });
    }
  }

  it('with abbreviated keys, say what the full payloads say once Home Assistant expands them', () => {
    for (const deviceDiscovery of [false, true]) {
      const full = allMessages({ ...base, deviceDiscovery });
      const short = allMessages({ ...base, deviceDiscovery, abbreviate: true });
      assert.deepEqual([...short.keys()], [...full.keys()]);
      let saved = 0;
      for (const [topic, payload] of short) {
        assert.deepEqual(expandLikeHomeAssistant(payload), full.get(topic), topic);
        saved += JSON.stringify(full.get(topic)).length - JSON.stringify(payload).length;
        assert.ok(JSON.stringify(payload).length < JSON.stringify(full.get(topic)).length, `${topic} is not smaller`);
      }
      assert.ok(saved > 0);
    }
  });

  it('link every device to its property through via_device, and carry origin and availability', () => {
    const messages = allMessages(base);
    const identifiers = new Set<string>();
    for (const payload of messages.values()) for (const id of (payload.device as { identifiers: string[] }).identifiers) identifiers.add(id);
    for (const [topic, payload] of messages) {
      const device = payload.device as { identifiers: string[]; via_device?: string; name: string };
      if (device.identifiers[0] === 'switchboard_homelink_property_SAMPLE_Home') assert.equal(device.via_device, undefined);
      else assert.equal(device.via_device, 'switchboard_homelink_property_SAMPLE_Home', topic);
      assert.ok(identifiers.has(device.via_device ?? device.identifiers[0]!));
      assert.deepEqual(payload.origin, base.origin);
      assert.equal(payload.availability_topic, 'switchboard/status');
      assert.equal(payload.qos, 1);
    }
  });

  it('leave availability out when the status topic is on another broker', () => {
    for (const payload of allMessages({ ...base, availabilityTopic: undefined }).values()) assert.equal('availability_topic' in payload, false);
  });

  it('send a removed entity of a device config reduced to its platform', () => {
    const [hub] = sampleDevices();
    const messages = configMessages(hub!, entitiesOf(hub!).entities, new Map([['old_reading', 'sensor' as const]]), { ...base, deviceDiscovery: true });
    const [[topic, payload]] = [...messages];
    assertValidPayload('homeassistant', topic, payload, false);
    assert.deepEqual((payload.components as Record<string, unknown>).old_reading, { platform: 'sensor' });
  });

  it('are described by the schema in schemas/, as the plugin generates it', () => {
    assert.deepEqual(PUBLISHED_SCHEMA, JSON.parse(JSON.stringify(discoveryPayloadSchema)), 'schemas/ha-discovery-payload.schema.json is out of date: run npm run schemas');
  });

  it('are checked by a schema that refuses keys Home Assistant does not know, and missing required ones', () => {
    const ajv = new Ajv({ allErrors: true });
    ajv.addSchema(PUBLISHED_SCHEMA, 'ha');
    const validate = ajv.getSchema('ha#/definitions/binary_sensor')!;
    const [[, payload]] = [...allMessages(base)].filter(([topic]) => topic.includes('/binary_sensor/'));
    assert.equal(validate(payload), true);
    assert.equal(validate({ ...payload, stat_t: 'x' }), false, 'an abbreviated key among full ones');
    assert.equal(validate({ ...payload, colour: 'red' }), false, 'an unknown key');
    assert.equal(validate({ ...payload, device_class: 'fire' }), false, 'an unknown device class');
    const { unique_id: _, ...noId } = payload;
    assert.equal(validate(noId), false, 'no unique_id');
    const device = ajv.getSchema('ha#/definitions/device')!;
    assert.equal(device({ device: payload.device, origin: payload.origin, components: { a: { platform: 'sensor', unique_id: 'x', state_topic: 't', colour: 1 } } }), false);
  });
});
