import assert from 'node:assert/strict';
import { createLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { StateMap, StateStore } from '../../../core/state-store.js';
import { AlertBook, type AlertDetails, type ListedAlert } from '../../../plugins/homelink/alert-book.js';
import { CANCEL } from '../../../plugins/homelink/alert-status.js';
import { RecentIds } from '../../../plugins/homelink/recent-ids.js';
import { tempDir } from '../../helpers/paths.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const HALL = { device: 'D6FCD4F0', property: 'JOE_BLOGGS_Home' };
const KITCHEN = { device: 'C3CEC7FB-D6FCD4F1', property: 'JOE_BLOGGS_Home' };
const DETAILS: AlertDetails = { eventType: 'FIRE_ALARM', severity: 'HIGH', raisedDate: '2026-11-20T10:00:00Z', description: 'Fire Alarm Activated' };
const BOUNDS = { limit: 1000, maxAgeMs: 86_400_000 };

function memoryMap<V>(): StateMap<V> {
  return new StateMap<V>('test', new Map(), () => undefined);
}

function book(): AlertBook {
  return new AlertBook(memoryMap<ListedAlert>(), new RecentIds(memoryMap(), BOUNDS));
}

describe('homelink: the alert book', () => {
  it('lists a raised alert against its device and counts it for the property', () => {
    const alerts = book();
    const change = alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    assert.equal(change.step.stale, false);
    assert.deepEqual(change.owner, HALL);
    assert.deepEqual([...alerts.ofDevice(HALL.device).values()], [{ eventId: 'e1', ...HALL, status: 'FIRE_ALARM', at: T0, ...DETAILS }]);
    assert.equal(alerts.countOfProperty(HALL.property), 1);
    assert.equal(alerts.ofDevice(KITCHEN.device).size, 0);
  });

  it('silences only what is in alarm, and keeps silenced alerts listed', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    alerts.apply('e2', { kind: 'raise', alarmType: 'CO_ALARM', at: T0 + 1 }, HALL, DETAILS);
    alerts.apply('e3', { kind: 'raise', alarmType: 'CO_ALARM', at: T0 + 1 }, KITCHEN, DETAILS);
    assert.deepEqual(alerts.alarming(HALL.device), ['e1', 'e2']);
    alerts.apply('e1', { kind: 'silence', at: T0 + 2 });
    assert.deepEqual(alerts.alarming(HALL.device), ['e2']);
    assert.equal(alerts.ofDevice(HALL.device).get('e1')!.status, CANCEL);
    assert.equal(alerts.countOfProperty(HALL.property), 3);
  });

  it('clears a resolved alert and refuses an older message about it', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    const resolved = alerts.apply('e1', { kind: 'resolve', at: T0 + 300_000 });
    assert.deepEqual(resolved.owner?.device, HALL.device);
    assert.equal(alerts.ofDevice(HALL.device).size, 0);
    assert.equal(alerts.countOfProperty(HALL.property), 0);
    assert.equal(alerts.size, 0);
    assert.equal(alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS).step.stale, 'older');
    assert.equal(alerts.ofDevice(HALL.device).size, 0);
  });

  it('remembers an alert with no device to list it against, so that its repeat is recognised', () => {
    const alerts = book();
    assert.equal(alerts.apply('p1', { kind: 'raise', alarmType: 'DAMP', at: T0 }, undefined, DETAILS).step.stale, false);
    assert.equal(alerts.size, 0);
    assert.equal(alerts.apply('p1', { kind: 'raise', alarmType: 'DAMP', at: T0 }, undefined, DETAILS).step.stale, 'duplicate');
  });

  it('clears every alert of a deleted device, each with a tombstone', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    alerts.apply('e2', { kind: 'raise', alarmType: 'HEAT_ALARM', at: T0 }, HALL, DETAILS);
    alerts.clearDevice(HALL.device, T0 + 10);
    assert.equal(alerts.size, 0);
    assert.deepEqual(alerts.state('e2'), { phase: 'cleared', at: T0 + 10 });
  });

  it('comes back after a restart with the same alerts, indexes and tombstones', async () => {
    const dir = await tempDir();
    const open = async (): Promise<{ store: StateStore; alerts: AlertBook }> => {
      const store = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
      await store.open();
      return { store, alerts: new AlertBook(store.namespace('alerts'), new RecentIds(store.namespace('cleared'), BOUNDS)) };
    };
    try {
      const before = await open();
      before.alerts.apply('e1', { kind: 'raise', alarmType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
      before.alerts.apply('e1', { kind: 'silence', at: T0 + 1 });
      before.alerts.apply('e2', { kind: 'raise', alarmType: 'CO_ALARM', at: T0 }, KITCHEN, DETAILS);
      before.alerts.apply('e2', { kind: 'resolve', at: T0 + 2 });
      await before.store.close();

      const after = await open();
      assert.deepEqual(after.alerts.state('e1'), { phase: 'listed', status: CANCEL, at: T0 + 1 });
      assert.deepEqual([...after.alerts.ofDevice(HALL.device).keys()], ['e1']);
      assert.equal(after.alerts.countOfProperty(HALL.property), 1);
      assert.deepEqual(after.alerts.state('e2'), { phase: 'cleared', at: T0 + 2 });
      await after.store.close();
    } finally {
      await dir.remove();
    }
  });
});
