import assert from 'node:assert/strict';
import { createLogger } from '../../../core/logger.js';
import { RetainedTopics } from '../../../core/retained.js';
import { StateMap } from '../../../core/state-map.js';
import { AlertBook, type ListedAlert } from '../../../plugins/homelink/alert-book.js';
import { RecentIds } from '../../../plugins/homelink/recent-ids.js';
import { Registry, type DeviceRecord, type PropertyRecord } from '../../../plugins/homelink/registry.js';
import { StateTopics } from '../../../plugins/homelink/state-topics.js';

const memoryMap = <V>(entries: [string, V][] = []): StateMap<V> => new StateMap<V>('ns', new Map(entries), () => undefined);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A registry of `devices` devices, ten per property, and state topics over retained topics whose publishes the broker acknowledges only when told. */
function setUp(devices: number, earlierRun: string[]) {
  const registry = new Registry(memoryMap<PropertyRecord>(), memoryMap<DeviceRecord>());
  for (let d = 0; d < devices; d++) {
    const property = `P${Math.floor(d / 10)}`;
    registry.learnProperty(property, {});
    registry.learnDevice(`D${d}`, property, { room: 'Hall' });
  }
  const unacknowledged: (() => void)[] = [];
  const sent: { topic: string; body: unknown }[] = [];
  const retained = new RetainedTopics(
    memoryMap<number | string>(earlierRun.map((topic) => [topic, 1])),
    (topic, body, _qos, _retain, done) => {
      sent.push({ topic, body });
      unacknowledged.push(done);
    },
    1,
    true,
    0,
    createLogger('silent'),
  );
  const alerts = new AlertBook(memoryMap<ListedAlert>(), new RecentIds(memoryMap(), { limit: 100, maxAgeMs: 86_400_000 }));
  const topics = new StateTopics({ retained, prefix: 'sb', registry, alerts, log: createLogger('silent'), unsafeIds: { inc: () => undefined } });
  return { topics, retained, sent, unacknowledged };
}

describe('homelink: state topics published again at start', () => {
  it('sets them a batch at a time as the broker takes them, then clears only the earlier run\'s topics that are gone', async () => {
    const { topics, retained, sent, unacknowledged } = setUp(3000, ['sb/P0/D0/state', 'sb/GONE/state']);
    let done = false;
    const all = topics.publishAll(() => false).then(() => (done = true));
    let mostPending = 0;
    while (!done) {
      await nextTurn();
      mostPending = Math.max(mostPending, retained.pending);
      // The broker takes what was sent so far only now and then.
      if (unacknowledged.length >= 1000) for (const ack of unacknowledged.splice(0)) ack();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await all;
    while (retained.pending > 0) {
      for (const ack of unacknowledged.splice(0)) ack();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    assert.ok(mostPending < 2000, `at most about two batches wait at once (${mostPending} did), not all ${300 * 3 + 3000 * 2} topics`);
    const published = new Set(sent.map((s) => s.topic));
    assert.equal(published.size, 300 * 3 + 3000 * 2 + 1, 'every property\'s and device\'s topic, and the clear');
    assert.deepEqual(sent.filter((s) => s.body === ''), [{ topic: 'sb/GONE/state', body: '' }], 'only the topic no property or device has is cleared');
    assert.equal(sent.at(-1)!.topic, 'sb/GONE/state', 'and only once every other topic was set');
  });

  it('given up at stop, clears nothing an earlier run published', async () => {
    const { topics, retained, sent, unacknowledged } = setUp(3000, ['sb/GONE/state']);
    let stop = false;
    const all = topics.publishAll(() => stop);
    await nextTurn();
    stop = true;
    await all;
    while (retained.pending > 0) {
      for (const ack of unacknowledged.splice(0)) ack();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    assert.ok(sent.length > 0 && sent.length < 300 * 3 + 3000 * 2, `a part was published (${sent.length})`);
    assert.ok(!sent.some((s) => s.body === ''), 'no topic is cleared');
  });
});
