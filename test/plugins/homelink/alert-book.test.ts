import assert from 'node:assert/strict';
import { createLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { StateMap } from '../../../core/state-map.js';
import { StateStore } from '../../../core/state-store.js';
import { AlertBook, type AlertDetails, type ListedAlert } from '../../../plugins/homelink/alert-book.js';
import { CANCEL } from '../../../plugins/homelink/alert-status.js';
import { RecentIds } from '../../../plugins/homelink/recent-ids.js';
import { tempDir } from '../../helpers/paths.js';

const T0 = Date.parse('2026-01-15T08:10:00Z');
const HALL = { device: 'A7E2C410-5B1D0E22', property: 'BRIGHT_HOMES_Flat_3' };
const KITCHEN = { device: 'A7E2C410-00C0FFEE', property: 'BRIGHT_HOMES_Flat_3' };
const DETAILS: AlertDetails = { eventType: 'FIRE_ALARM', severity: 'HIGH', raisedDate: '2026-01-15T08:10:00Z', description: 'Fire Alarm Activated' };
const BOUNDS = { limit: 1000, maxAgeMs: 86_400_000 };

function memoryMap<V>(): StateMap<V> {
  return new StateMap<V>('test', new Map(), () => undefined);
}

function book(): AlertBook {
  return new AlertBook(memoryMap<ListedAlert>(), new RecentIds(memoryMap(), BOUNDS));
}

describe('homelink: the alert book', () => {
  it("lists a device's alerts oldest first however many come and go, and knows which kinds it has", () => {
    const alerts = book();
    const ids = (): string[] => alerts.ofDevice(HALL.device).map((a) => a.eventId);
    alerts.apply('e1', { kind: 'raise', alertType: 'LOW_BATTERY_HEAD', at: T0 }, HALL, { ...DETAILS, eventType: 'LOW_BATTERY_HEAD' });
    assert.deepEqual(ids(), ['e1']);
    assert.equal(alerts.deviceHas(HALL.device, 'problem'), true);
    assert.equal(alerts.deviceHas(HALL.device, 'alarm'), false);
    alerts.apply('e2', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 + 1 }, HALL, DETAILS);
    alerts.apply('e3', { kind: 'raise', alertType: 'CO_ALARM', at: T0 + 2 }, HALL, { ...DETAILS, eventType: 'CO_ALARM' });
    assert.deepEqual(ids(), ['e1', 'e2', 'e3']);
    assert.equal(alerts.deviceHas(HALL.device, 'alarm'), true);
    alerts.apply('e1', { kind: 'resolve', at: T0 + 3 });
    alerts.apply('e3', { kind: 'resolve', at: T0 + 4 });
    assert.deepEqual(ids(), ['e2']);
    assert.equal(alerts.deviceHas(HALL.device, 'problem'), false);
    alerts.apply('e4', { kind: 'raise', alertType: 'LOW_BATTERY_HEAD', at: T0 + 5 }, HALL, { ...DETAILS, eventType: 'LOW_BATTERY_HEAD' });
    assert.deepEqual(ids(), ['e2', 'e4']);
    alerts.clearDevice(HALL.device, T0 + 6);
    assert.deepEqual(ids(), []);
    assert.equal(alerts.deviceHas(HALL.device, 'alarm'), false);
    assert.equal(alerts.countOfProperty(HALL.property, 'alarm') + alerts.countOfProperty(HALL.property, 'problem'), 0);
  });

  it('lists a raised alert against its device and counts it for the property', () => {
    const alerts = book();
    const change = alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    assert.equal(change.step.stale, false);
    assert.deepEqual(change.owner, HALL);
    assert.deepEqual([...alerts.ofDevice(HALL.device)], [{ eventId: 'e1', ...HALL, status: 'FIRE_ALARM', at: T0, ...DETAILS }]);
    assert.equal(alerts.countOfProperty(HALL.property, 'alarm'), 1);
    assert.equal(alerts.ofDevice(KITCHEN.device).length, 0);
  });

  it('keeps silenced alarms listed and counts alarms and problems apart', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    alerts.apply('e2', { kind: 'raise', alertType: 'LOW_BATTERY_HEAD', at: T0 + 1 }, HALL, { ...DETAILS, eventType: 'LOW_BATTERY_HEAD' });
    alerts.apply('e3', { kind: 'raise', alertType: 'CO_ALARM', at: T0 + 1 }, KITCHEN, { ...DETAILS, eventType: 'CO_ALARM' });
    const silenced = alerts.apply('e1', { kind: 'event', eventType: 'HUSH', at: T0 + 2 });
    assert.equal(silenced.changed, true);
    assert.equal(alerts.apply('e2', { kind: 'event', eventType: 'HUSH', at: T0 + 2 }).changed, false, 'a maintenance alert is not silenced');
    assert.equal(alerts.ofDevice(HALL.device).find((a) => a.eventId === 'e1')!.status, CANCEL);
    assert.equal(alerts.countOfProperty(HALL.property, 'alarm'), 2);
    assert.equal(alerts.countOfProperty(HALL.property, 'problem'), 1);
    assert.equal(alerts.deviceHas(HALL.device, 'alarm'), true);
    assert.equal(alerts.deviceHas(HALL.device, 'problem'), true);
    assert.equal(alerts.deviceHas(KITCHEN.device, 'problem'), false);
  });

  it('counts an alert of an unknown type as a problem, never an alarm', () => {
    const alerts = book();
    alerts.apply('u1', { kind: 'raise', alertType: 'SOMETHING_NEW', at: T0 }, HALL, { ...DETAILS, eventType: 'SOMETHING_NEW' });
    assert.equal(alerts.ofDevice(HALL.device).length, 1);
    assert.equal(alerts.countOfProperty(HALL.property, 'alarm'), 0);
    assert.equal(alerts.countOfProperty(HALL.property, 'problem'), 1);
  });

  it('clears a resolved alert and refuses an older message about it', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    const resolved = alerts.apply('e1', { kind: 'resolve', at: T0 + 300_000 });
    assert.deepEqual(resolved.owner?.device, HALL.device);
    assert.equal(alerts.ofDevice(HALL.device).length, 0);
    assert.equal(alerts.countOfProperty(HALL.property, 'alarm'), 0);
    assert.equal(alerts.size, 0);
    assert.equal(alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS).step.stale, 'older');
    assert.equal(alerts.ofDevice(HALL.device).length, 0);
  });

  it('remembers an alert with no device to list it against, so that its repeat is recognised', () => {
    const alerts = book();
    assert.equal(alerts.apply('p1', { kind: 'raise', alertType: 'DAMP_AND_MOULD_RISK_HIGH', at: T0 }, undefined, DETAILS).step.stale, false);
    assert.equal(alerts.size, 0);
    assert.equal(alerts.apply('p1', { kind: 'raise', alertType: 'DAMP_AND_MOULD_RISK_HIGH', at: T0 }, undefined, DETAILS).step.stale, 'duplicate');
  });

  it('clears every alert of a removed device, each with a tombstone', () => {
    const alerts = book();
    alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
    alerts.apply('e2', { kind: 'raise', alertType: 'CO_ALARM', at: T0 }, HALL, DETAILS);
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
      before.alerts.apply('e1', { kind: 'raise', alertType: 'FIRE_ALARM', at: T0 }, HALL, DETAILS);
      before.alerts.apply('e1', { kind: 'event', eventType: 'HUSH', at: T0 + 1 });
      before.alerts.apply('e2', { kind: 'raise', alertType: 'CO_ALARM', at: T0 }, KITCHEN, DETAILS);
      before.alerts.apply('e2', { kind: 'resolve', at: T0 + 2 });
      await before.store.close();

      const after = await open();
      assert.deepEqual(after.alerts.state('e1'), { phase: 'listed', type: 'FIRE_ALARM', status: CANCEL, at: T0 + 1 });
      assert.deepEqual(after.alerts.ofDevice(HALL.device).map((a) => a.eventId), ['e1']);
      assert.equal(after.alerts.countOfProperty(HALL.property, 'alarm'), 1);
      assert.deepEqual(after.alerts.state('e2'), { phase: 'cleared', at: T0 + 2 });
      await after.store.close();
    } finally {
      await dir.remove();
    }
  });
});
