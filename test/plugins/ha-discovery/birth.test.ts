import assert from 'node:assert/strict';
import { DelayedOnce } from '../../../plugins/ha-discovery/birth.js';

describe('ha-discovery: answering births', () => {
  it('runs once for a burst of requests, and again for a later one', async () => {
    let runs = 0;
    let ran: () => void = () => undefined;
    const once = new DelayedOnce(30, () => {
      runs++;
      ran();
    });
    const first = new Promise<void>((resolve) => (ran = resolve));
    assert.equal(once.request(), true);
    assert.equal(once.request(), false);
    assert.equal(once.request(), false);
    await first;
    assert.equal(runs, 1);
    const second = new Promise<void>((resolve) => (ran = resolve));
    assert.equal(once.request(), true);
    await second;
    assert.equal(runs, 2);
  });

  it('does not run once cancelled', async () => {
    let runs = 0;
    const once = new DelayedOnce(0, () => runs++);
    once.request();
    once.cancel();
    // A timer set after the cancelled one fires after it would have.
    await new Promise<void>((resolve) => {
      new DelayedOnce(0, resolve).request();
    });
    assert.equal(runs, 0);
    assert.equal(once.request(), true, 'a cancelled request leaves nothing pending');
    once.cancel();
  });
});
