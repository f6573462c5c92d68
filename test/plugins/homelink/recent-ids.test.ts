import assert from 'node:assert/strict';
import { StateMap } from '../../../core/state-map.js';
import { RecentIds } from '../../../plugins/homelink/recent-ids.js';

const DAY = 86_400_000;

function entries(): Map<string, [number, number]> {
  return new Map();
}

describe('homelink: recent ids (tombstones)', () => {
  it('keeps the last actionTimestamp of each id', () => {
    const ids = new RecentIds(new StateMap('t', entries(), () => undefined), { limit: 10, maxAgeMs: DAY });
    ids.set('a', 5);
    ids.set('a', 7);
    assert.equal(ids.get('a'), 7);
    assert.equal(ids.get('b'), undefined);
    ids.delete('a');
    assert.equal(ids.get('a'), undefined);
  });

  it('forgets the oldest recorded beyond the limit; recording an id again makes it the newest', () => {
    const ids = new RecentIds(new StateMap('t', entries(), () => undefined), { limit: 3, maxAgeMs: DAY });
    for (const id of ['a', 'b', 'c']) ids.set(id, 1);
    ids.set('a', 2);
    ids.set('d', 1);
    assert.equal(ids.size, 3);
    assert.equal(ids.get('b'), undefined);
    assert.deepEqual(['a', 'c', 'd'].map((id) => ids.get(id)), [2, 1, 1]);
  });

  it('forgets ids recorded longer ago than the maximum age', () => {
    let now = 10 * DAY;
    const ids = new RecentIds(new StateMap('t', entries(), () => undefined), { limit: 100, maxAgeMs: DAY }, () => now);
    ids.set('old', 1);
    now += DAY / 2;
    ids.set('newer', 1);
    now += DAY * 0.75;
    ids.set('newest', 1);
    assert.equal(ids.get('old'), undefined);
    assert.equal(ids.get('newer'), 1);
  });

  it('keeps an id recorded exactly the maximum age ago, and forgets it a millisecond later', () => {
    let now = 10 * DAY;
    const ids = new RecentIds(new StateMap('t', entries(), () => undefined), { limit: 100, maxAgeMs: DAY }, () => now);
    ids.set('edge', 1);
    now += DAY;
    ids.set('trigger', 1);
    assert.equal(ids.get('edge'), 1, 'exactly at the maximum age');
    now += 1;
    ids.set('trigger', 2);
    assert.equal(ids.get('edge'), undefined);
    const persisted = new Map<string, [number, number]>([['edge', [1, 5 * DAY]]]);
    assert.equal(new RecentIds(new StateMap('t', persisted, () => undefined), { limit: 100, maxAgeMs: DAY }, () => 6 * DAY).get('edge'), 1, 'at a restart too');
  });

  it('prunes what a restart finds too old, wherever it is in the map', () => {
    const now = 10 * DAY;
    const persisted = new Map<string, [number, number]>([
      ['fresh', [1, now - 1000]],
      ['stale', [1, now - 2 * DAY]],
    ]);
    const ids = new RecentIds(new StateMap('t', persisted, () => undefined), { limit: 100, maxAgeMs: DAY }, () => now);
    assert.equal(ids.size, 1);
    assert.equal(ids.get('fresh'), 1);
  });
});
