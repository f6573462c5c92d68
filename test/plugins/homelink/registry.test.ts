import assert from 'node:assert/strict';
import { StateMap } from '../../../core/state-map.js';
import { readingKind, readingUnit } from '../../../plugins/homelink/readings.js';
import { Registry, type DeviceRecord, type PropertyRecord } from '../../../plugins/homelink/registry.js';

const ADD = { propertyReference: 'JOE_BLOGGS_Home', location: 'HALLWAY1', room: 'Hallway 1', manufacturerReference: 'EI', sourceModel: 'EI3028', sourceModelType: 'FIRECOALARM', replaceByDate: '2034-06-26T00:00:00.000Z' };

function registry(): { registry: Registry; touched: string[] } {
  const touched: string[] = [];
  const touch = (namespace: string, key: string): void => void touched.push(`${namespace}/${key}`);
  return { registry: new Registry(new StateMap<PropertyRecord>('properties', new Map(), touch), new StateMap<DeviceRecord>('devices', new Map(), touch)), touched };
}

describe('homelink: the registry', () => {
  it('learns a device from any message naming it, and says whether what describes it changed or only a value', () => {
    const { registry: r, touched } = registry();
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', ADD), 'description', 'a new device');
    const device = r.device('D6FCD4F0')!;
    assert.deepEqual([device.model, device.modelType, device.manufacturer, device.room, device.location, device.replaceByDate], ['EI3028', 'FIRECOALARM', 'EI', 'Hallway 1', 'HALLWAY1', '2034-06-26T00:00:00.000Z']);
    touched.length = 0;
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { ...ADD, description: 'Fire' }), 'none', 'nothing it keeps changed');
    assert.deepEqual(touched, [], 'and nothing is written');
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { room: 'Landing' }), 'description');
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { lastTestedDate: '2026-11-01T00:00:00Z' }), 'description', 'a first test date adds a capability');
    touched.length = 0;
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { lastTestedDate: '2026-11-08T00:00:00Z' }), 'value', 'a later one is only a value');
    assert.equal(r.learnDevice('D6FCD4F0', 'JOE_BLOGGS_Home', { replaceDate: '2035-01-01T00:00:00.000Z' }), 'value');
    assert.deepEqual(touched, ['devices/D6FCD4F0', 'devices/D6FCD4F0'], 'a new value is written');
    assert.deepEqual([device.room, device.lastTestedDate, device.replaceByDate], ['Landing', '2026-11-08T00:00:00Z', '2035-01-01T00:00:00.000Z']);
    assert.equal(device.model, 'EI3028', 'a field the message lacks is kept');
  });

  it('says whether a property\'s description changed or only a value', () => {
    const { registry: r } = registry();
    assert.equal(r.learnProperty('A', {}), 'description', 'a new property');
    assert.equal(r.learnProperty('A', { propertyId: 'p-1' }), 'value', 'its id is not part of what the registry is told');
    assert.equal(r.learnProperty('A', { propertyId: 'p-1', propertyDisplayReference: 'Home' }), 'description', 'its display name is');
    assert.equal(r.learnProperty('A', { propertyId: 'p-1', propertyDisplayReference: 'Home' }), 'none');
  });

  it('keeps a device with the property it was first seen in', () => {
    const { registry: r } = registry();
    r.learnDevice('D1', 'A', {});
    r.learnDevice('D1', 'B', {});
    assert.equal(r.device('D1')!.property, 'A');
    assert.deepEqual([...r.devicesOf('A')], ['D1']);
    assert.equal(r.devicesOf('B').size, 0);
  });

  it('keeps the latest reading per kind: a new kind or unit changes the description, a new value does not', () => {
    const { registry: r } = registry();
    r.learnDevice('ENV1', 'A', {});
    const device = r.device('ENV1')!;
    assert.equal(r.setReading(device, 'temperature', { value: 21.4, unit: '°C', at: 1 }), 'description');
    assert.equal(r.setReading(device, 'temperature', { value: 21.9, unit: '°C', at: 2 }), 'value');
    assert.equal(r.setReading(device, 'noise', { value: 40, unit: 'dB', at: 2 }), 'description');
    assert.equal(r.setReading(device, 'noise', { value: 41, unit: 'dBA', at: 3 }), 'description', 'a new unit');
    assert.deepEqual(device.readings, { temperature: { value: 21.9, unit: '°C', at: 2 }, noise: { value: 41, unit: 'dBA', at: 3 } });
  });

  it('removes a property with its devices', () => {
    const { registry: r } = registry();
    r.learnProperty('A', { propertyId: 'p-1' });
    r.learnDevice('D1', 'A', {});
    r.learnDevice('D2', 'A', {});
    r.learnDevice('D3', 'B', {});
    assert.deepEqual(r.removeProperty('A').map((d) => d.serial), ['D1', 'D2']);
    assert.equal(r.property('A'), undefined);
    assert.deepEqual([...r.devices()].map((d) => d.serial), ['D3']);
  });

  it('rebuilds its index of devices by property from what was persisted', () => {
    const devices = new Map<string, DeviceRecord>();
    const first = new Registry(new StateMap('p', new Map(), () => undefined), new StateMap('d', devices, () => undefined));
    first.learnDevice('D1', 'A', {});
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
