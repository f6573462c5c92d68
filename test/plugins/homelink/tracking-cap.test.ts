import assert from 'node:assert/strict';
import { admit, type QuietItems } from '../../../plugins/homelink/tracking-cap.js';

const limits = { perProperty: 3, total: 5 };
const none: QuietItems = { oldestInProperty: () => undefined, oldestAnywhere: () => undefined };
const quiet = (inProperty: string | undefined, anywhere: string | undefined): QuietItems => ({ oldestInProperty: () => inProperty, oldestAnywhere: () => anywhere });

describe('homelink: tracking limits', () => {
  it('tracks what fits under both limits, evicting nothing', () => {
    assert.deepEqual(admit(limits, { property: 2, total: 4 }, false, quiet('a', 'a')), { track: true, evict: [], overLimit: false });
  });

  it('evicts the property\'s oldest quiet item when the property is full (exactly at its limit)', () => {
    assert.deepEqual(admit(limits, { property: 3, total: 3 }, false, quiet('p-old', 'x-old')), { track: true, evict: ['p-old'], overLimit: false });
  });

  it('evicts the oldest quiet item anywhere when the total is reached, and not twice when it is the property\'s own', () => {
    assert.deepEqual(admit(limits, { property: 1, total: 5 }, false, quiet('p-old', 'x-old')), { track: true, evict: ['x-old'], overLimit: false });
    assert.deepEqual(admit(limits, { property: 3, total: 6 }, false, quiet('p-old', 'x-old')), { track: true, evict: ['p-old', 'x-old'], overLimit: false });
    assert.deepEqual(admit(limits, { property: 3, total: 5 }, false, quiet('p-old', 'x-old')), { track: true, evict: ['p-old'], overLimit: false }, 'the property\'s eviction makes room in the total');
    assert.deepEqual(admit(limits, { property: 3, total: 6 }, false, quiet('same', 'same')).track, false, 'one eviction cannot make room twice');
  });

  it('never drops an active alarm: tracked over the limit when only active alarms could make room', () => {
    assert.deepEqual(admit(limits, { property: 3, total: 3 }, true, none), { track: true, evict: [], overLimit: true });
    assert.deepEqual(admit(limits, { property: 0, total: 5 }, true, none), { track: true, evict: [], overLimit: true });
  });

  it('refuses anything else when only active alarms could make room, and says why', () => {
    assert.deepEqual(admit(limits, { property: 3, total: 3 }, false, none), { track: false, reason: 'the property tracks 3 items already (limit 3), all of them active alarms' });
    assert.deepEqual(admit(limits, { property: 0, total: 5 }, false, none), { track: false, reason: '5 items are tracked already (limit 5), all of them active alarms' });
  });
});
