import assert from 'node:assert/strict';
import type { Received } from '../../helpers/mqtt.js';
import { capabilityKey } from '../../../plugins/placeos/system-devices.js';
import { placeosSuite, send } from './support.js';

const DEVICE = 'placeos_system_cs-9445';
const config = (component: string, key: string): string => `homeassistant/${component}/switchboard/${DEVICE}-${key}/config`;

describe('placeos: systems as Home Assistant devices', () => {
  const suite = placeosSuite();

  it('a system is a device named from metadata, its statuses entities (booleans binary sensors); null or removed metadata removes them', async () => {
    const { client } = suite.harness;
    await suite.harness.start({ plugins: { placeos: {}, 'ha-discovery': {} } });
    const latest = (topic: string): Received | undefined => client.on(topic).at(-1);
    const power = config('binary_sensor', capabilityKey("M'Odule", 1, 'power'));
    const inputs = config('sensor', capabilityKey("M'Odule", 1, 'inputs'));

    await send(client, suite.lines[2]!); // power, before the system's name is known
    await client.waitFor(() => latest(power)?.json<{ device: { name: string } }>().device.name === 'PlaceOS system cs-9445', 5000, 'the power entity, the system named by its id');
    await send(client, suite.lines[0]!); // the system's metadata
    await send(client, suite.lines[3]!); // inputs: an object
    await client.waitFor(() => latest(inputs) !== undefined && latest(power)?.json<{ device: { name: string } }>().device.name === 'Level 3 Huddle', 5000, 'both entities, the system named');

    const powerConfig = latest(power)!.json<Record<string, unknown>>();
    assert.deepEqual(powerConfig.device, { identifiers: [`switchboard_${DEVICE}`], name: 'Level 3 Huddle', manufacturer: 'PlaceOS', model: 'System' });
    assert.equal(powerConfig.name, "M'Odule 1 power");
    assert.equal(powerConfig.state_topic, 'switchboard/placeos/cs-9445/state');
    assert.equal(powerConfig.value_template, `{{ value_json.get('${capabilityKey("M'Odule", 1, 'power')}') }}`);
    assert.equal(powerConfig.unique_id, `switchboard_${DEVICE}-${capabilityKey("M'Odule", 1, 'power')}`);
    assert.equal(latest(inputs)!.json<{ state_class?: string }>().state_class, undefined, 'text, not a measurement');
    await client.waitFor(() => Object.keys(latest('switchboard/placeos/cs-9445/state')?.json<object>() ?? {}).length === 2, 5000, 'both statuses in the state topic');
    assert.deepEqual(latest('switchboard/placeos/cs-9445/state')!.json(), {
      [capabilityKey("M'Odule", 1, 'power')]: 'ON',
      [capabilityKey("M'Odule", 1, 'inputs')]: '{"hdmi":true,"usb_c":false}',
    });

    await send(client, suite.lines[4]!); // inputs: null
    await client.waitFor(() => latest(inputs)?.payload.length === 0, 5000, 'the inputs entity removed (empty retained config)');
    assert.ok(latest(power)!.payload.length > 0, 'the power entity stays');

    await client.publish('placeos/org/metadata/cs-9445', JSON.stringify({ time: 1700000300, value: null }), { retain: true });
    await client.waitFor(() => latest(power)?.payload.length === 0, 5000, 'the power entity removed with the system');
    await client.waitFor(() => latest('switchboard/placeos/cs-9445/state')?.payload.length === 0, 5000, 'the system\'s state topic cleared');
  });
});
