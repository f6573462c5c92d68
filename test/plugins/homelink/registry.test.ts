import assert from 'node:assert/strict';
import { StateMap } from '../../../core/state-store.js';
import { readingKind, readingUnit } from '../../../plugins/homelink/readings.js';
import { Registry, type DeviceRecord, type PropertyRecord } from '../../../plugins/homelink/registry.js';

const ADD = { propertyReference: 'JOE_BLOGGS_Home', location: 'HALLWAY1', room: 'Hallway 1', manufacturerReference: 'EI', sourceModel: 'EI3028', sourceModelType: 'FIRECOALARM', replaceByDate: '2034-06-26T00:00:00.000Z' };

function registry(): { registry: Registry; touched: string[] } {
  const touched: string[] = [];
  const touch = (namespace: string, key: string): void => void touched.push(`${namespace}/${key}`);
  return { registry: new Registry(new StateMap<PropertyRecord>('properties', new Map(), touch), new StateMap<DeviceRecord>('devices', new Map(), touch)), touched };
}

describe('homelink: the registry', () => {
  it('learns a device from any message naming it, and says when what describes it changed', () => {
    const { registry: r, touched } = registry();
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', ADD, 'homelink_device'), true);
    const device = r.device('D6FCD4F0')!;
    assert.deepEqual([device.model, device.modelType, device.manufacturer, device.room, device.location, device.replaceByDate], ['EI3028', 'FIRECOALARM', 'EI', 'Hallway 1', 'HALLWAY1', '2034-06-26T00:00:00.000Z']);
    touched.length = 0;
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { ...ADD, description: 'Fire' }, 'homelink_device'), false, 'nothing that describes it changed');
    assert.deepEqual(touched, [], 'and nothing is written');
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { room: 'Landing' }, 'homelink_device'), true);
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', {}, 'homelink_alert'), true, 'a new kind of event');
    assert.deepEqual(device.eventTypes, ['homelink_device', 'homelink_alert']);
    assert.equal(device.room, 'Landing');
    assert.equal(device.model, 'EI3028', 'a field the message lacks is kept');
  });

  it('keeps a device with the property it was first seen in', () => {
    const { registry: r } = registry();
    r.learnDevice('D1', 'A', {}, 'homelink_device');
    r.learnDevice('D1', 'B', {}, 'homelink_alert');
    assert.equal(r.device('D1')!.property, 'A');
    assert.deepEqual([...r.devicesOf('A')], ['D1']);
    assert.equal(r.devicesOf('B').size, 0);
  });

  it('keeps the latest reading per kind and says when a kind is new', () => {
    const { registry: r } = registry();
    r.learnDevice('ENV1', 'A', {}, 'homelink_reading');
    const device = r.device('ENV1')!;
    assert.equal(r.setReading(device, 'temperature', { value: 21.4, unit: '°C', at: 1 }), true);
    assert.equal(r.setReading(device, 'temperature', { value: 21.9, unit: '°C', at: 2 }), false);
    assert.deepEqual(device.readings, { temperature: { value: 21.9, unit: '°C', at: 2 } });
  });

  it('removes a property with its devices', () => {
    const { registry: r } = registry();
    r.learnProperty('A', { propertyId: 'p-1' });
    r.learnDevice('D1', 'A', {}, 'homelink_device');
    r.learnDevice('D2', 'A', {}, 'homelink_device');
    r.learnDevice('D3', 'B', {}, 'homelink_device');
    assert.deepEqual(r.removeProperty('A').map((d) => d.serial), ['D1', 'D2']);
    assert.equal(r.property('A'), undefined);
    assert.deepEqual([...r.devices()].map((d) => d.serial), ['D3']);
  });

  it('rebuilds its index of devices by property from what was persisted', () => {
    const devices = new Map<string, DeviceRecord>();
    const first = new Registry(new StateMap('p', new Map(), () => undefined), new StateMap('d', devices, () => undefined));
    first.learnDevice('D1', 'A', {}, 'homelink_device');
    const again = new Registry(new StateMap('p', new Map(), () => undefined), new StateMap('d', devices, () => undefined));
    assert.deepEqual([...again.devicesOf('A')], ['D1']);
  });
});

describe('homelink: reading kinds', () => {
  it('knows HomeLINK\'s two ways of naming a reading', () => {
    assert.deepEqual(['TEMPERATURE', 'environment.temperature.indoor', 'environment.humidity.indoor', 'environment.co2.indoor', 'Noise Level'].map(readingKind), [
      'temperature',
      'temperature',
      'humidity',
      'carbon_dioxide',
      'noise_level',
    ]);
  });

  it('publishes known kinds in their unit, others in the message\'s', () => {
    assert.equal(readingUnit('temperature', 'C'), '°C');
    assert.equal(readingUnit('humidity', 'RH'), '%');
    assert.equal(readingUnit('noise_level', 'dB'), 'dB');
  });
});
