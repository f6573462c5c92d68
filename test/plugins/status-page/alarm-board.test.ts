import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEVICE_REMOVED, DEVICE_UPDATED, type BusEvent, type Device } from '../../../core/index.js';
import { AlarmBoard } from '../../../plugins/status-page/alarm-board.js';

function announce(board: AlarmBoard, device: Omit<Device, 'connection' | 'stateTopic' | 'capabilities'>): void {
  const full: Device = { ...device, connection: 'local', stateTopic: `state/${device.id}`, capabilities: [{ key: 'alarm', type: 'alarm', field: 'alarm', attributesField: 'alerts' }] };
  board.event(event(DEVICE_UPDATED, full));
}

function event(type: string, data: unknown): BusEvent {
  return { type, data, time: new Date().toISOString(), source: 'test' };
}

function state(board: AlarmBoard, id: string, value: object | ''): boolean {
  return board.published('local', `state/${id}`, value === '' ? '' : JSON.stringify(value));
}

describe('Status page: the alarm board', () => {
  it('groups devices under their hub and reads the alarm and its alerts from the published state', () => {
    const board = new AlarmBoard();
    announce(board, { id: 'home', kind: 'hub', name: 'Home' });
    announce(board, { id: 'hall', kind: 'device', name: 'Hall', via: 'home', area: 'Hallway' });
    assert.equal(state(board, 'hall', { alarm: 'ON', alerts: [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }] }), true);
    assert.equal(board.published('local', 'state/other', '{}'), false, 'a topic of no known device');
    const { hubs, unattached } = board.snapshot();
    assert.deepEqual(unattached, []);
    assert.equal(hubs.length, 1);
    assert.deepEqual(hubs[0]!.devices.map((d) => [d.id, d.alarm, d.area, d.alerts]), [['hall', true, 'Hallway', [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }]]]);
  });

  it('reads the alarm from the first alarm capability, not from a later one such as a problem', () => {
    const board = new AlarmBoard();
    const capabilities: Device['capabilities'] = [
      { key: 'alarm', type: 'alarm', field: 'alarm', attributesField: 'alerts' },
      { key: 'problem', type: 'alarm', field: 'problem', attributesField: 'problems' },
    ];
    board.event(event(DEVICE_UPDATED, { id: 'hall', kind: 'device', name: 'Hall', connection: 'local', stateTopic: 'state/hall', capabilities }));
    state(board, 'hall', { alarm: 'ON', alerts: [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }], problem: 'OFF', problems: [] });
    const [hall] = board.snapshot().unattached;
    assert.deepEqual([hall!.alarm, hall!.condition, hall!.alerts], [true, 'alarm', [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }]]);
  });

  it('puts what is in alarm first: sounding, then silenced, then quiet; hubs likewise', () => {
    const board = new AlarmBoard();
    for (const name of ['A quiet home', 'B silenced home', 'C alarm home']) announce(board, { id: name[0]!, kind: 'hub', name });
    announce(board, { id: 'a1', kind: 'device', name: 'a1', via: 'A' });
    announce(board, { id: 'b1', kind: 'device', name: 'b1', via: 'B' });
    announce(board, { id: 'c1', kind: 'device', name: 'c1 quiet', via: 'C' });
    announce(board, { id: 'c2', kind: 'device', name: 'c2 silenced', via: 'C' });
    announce(board, { id: 'c3', kind: 'device', name: 'c3 sounding', via: 'C' });
    state(board, 'b1', { alarm: 'ON', alerts: [{ alertid: 'x', alertstatus: 'CANCEL' }] });
    state(board, 'c2', { alarm: 'ON', alerts: [{ alertid: 'y', alertstatus: 'CANCEL' }] });
    state(board, 'c3', { alarm: 'ON', alerts: [{ alertid: 'z', alertstatus: 'CO_ALARM' }] });
    const { hubs } = board.snapshot();
    assert.deepEqual(hubs.map((h) => h.name), ['C alarm home', 'B silenced home', 'A quiet home']);
    assert.deepEqual(hubs[0]!.devices.map((d) => d.name), ['c3 sounding', 'c2 silenced', 'c1 quiet']);
  });

  it('forgets a removed device, and a cleared state (empty retained message) shows no alarm', () => {
    const board = new AlarmBoard();
    announce(board, { id: 'home', kind: 'hub', name: 'Home' });
    announce(board, { id: 'hall', kind: 'device', name: 'Hall', via: 'home' });
    announce(board, { id: 'loft', kind: 'device', name: 'Loft', via: 'home' });
    state(board, 'hall', { alarm: 'ON', alerts: [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }] });
    state(board, 'hall', '');
    assert.equal(board.event(event(DEVICE_REMOVED, { id: 'loft' })), true);
    assert.equal(board.event(event(DEVICE_REMOVED, { id: 'nobody' })), false);
    const devices = board.snapshot().hubs[0]!.devices;
    assert.deepEqual(devices.map((d) => [d.id, d.alarm, d.alerts.length]), [['hall', false, 0]]);
  });

  it('lists devices whose hub is unknown apart', () => {
    const board = new AlarmBoard();
    announce(board, { id: 'lone', kind: 'device', name: 'Lone', via: 'nowhere' });
    assert.deepEqual(board.snapshot().unattached.map((d) => d.id), ['lone']);
  });

  it('keeps only what it shows of an announcement, not the announcement itself (its capabilities list every event type, per device)', async () => {
    const board = new AlarmBoard();
    let device: Device | undefined = {
      id: 'hall',
      kind: 'device',
      name: 'Hall',
      connection: 'local',
      stateTopic: 'state/hall',
      capabilities: [
        { key: 'alarm', type: 'alarm', field: 'alarm', attributesField: 'alerts' },
        { key: 'events', type: 'events', eventTypes: ['FIRE_ALARM', 'CO_ALARM', 'HUSH'], topic: 'state/hall/event' },
      ],
    };
    const announced = new WeakRef(device);
    board.event(event(DEVICE_UPDATED, device));
    device = undefined;
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // WeakRefs are cleared only after the turn that created them ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(announced.deref(), undefined, 'the announced object is not held');
    state(board, 'hall', { alarm: 'ON', alerts: [{ alertid: 'a1', alertstatus: 'FIRE_ALARM' }] });
    assert.deepEqual(board.snapshot().unattached.map((d) => [d.id, d.name, d.alarm, d.condition]), [['hall', 'Hall', true, 'alarm']]);
  });
});

describe('Status page: devices without an alarm', () => {
  it('lists a device with no alarm and no hub apart from the alarm board, with its values read from its state', () => {
    const board = new AlarmBoard();
    const system: Device = {
      id: 'room',
      kind: 'device',
      name: 'Room',
      model: 'System',
      connection: 'local',
      stateTopic: 'state/room',
      capabilities: [
        { key: 'power', type: 'binary', name: 'Display power', field: 'power' },
        { key: 'temp', type: 'measurement', name: 'Temperature', unit: '°C', field: 'env.temp' },
        { key: 'calls', type: 'events', topic: 'events/room' },
      ],
    };
    board.event(event(DEVICE_UPDATED, system));
    let { unattached, others } = board.snapshot();
    assert.deepEqual(unattached, []);
    assert.deepEqual(others.map((d) => d.values), [[{ key: 'power', name: 'Display power', type: 'binary' }, { key: 'temp', name: 'Temperature', type: 'measurement', unit: '°C' }]]);
    assert.equal(state(board, 'room', { power: 'ON', env: { temp: 21.5 } }), true);
    ({ others } = board.snapshot());
    assert.deepEqual(others[0]!.values.map((v) => [v.key, v.value]), [['power', 'ON'], ['temp', 21.5]]);
    assert.equal(board.snapshot().hubs.length, 0);
  });
});
