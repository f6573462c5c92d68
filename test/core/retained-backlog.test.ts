import assert from 'node:assert/strict';
import { createLogger } from '../../core/logger.js';
import { RetainedTopics } from '../../core/retained.js';
import { StateMap } from '../../core/state-map.js';

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('RetainedTopics: a burst of topics against what the broker has not acknowledged yet', () => {
  it('has at most 1 000 publishes waiting for the broker, and publishes the rest as the broker takes them', async () => {
    const published: string[] = [];
    const waiting: (() => void)[] = [];
    const topics = new RetainedTopics(
      new StateMap<string>('t', new Map(), () => undefined),
      (topic, _payload, _qos, _retain, done) => {
        published.push(topic);
        waiting.push(done);
      },
      1,
      true,
      0,
      createLogger('silent'),
    );
    const ack = (n: number): void => {
      for (const done of waiting.splice(0, n)) done();
    };
    for (let i = 0; i < 3000; i++) topics.set(`state/${i}`, { i });
    await turn();
    assert.equal(published.length, 1000);
    assert.deepEqual(published.slice(0, 3), ['state/0', 'state/1', 'state/2'], 'the longest pending first');
    assert.equal(topics.has('state/2999'), true, 'a topic not yet published is still known');
    await turn();
    assert.equal(published.length, 1000, 'nothing more until the broker takes some');

    ack(400);
    await turn();
    assert.equal(published.length, 1400);

    topics.set('state/0', { i: 'changed' });
    for (let i = 0; i < 20 && published.length < 3001; i++) {
      ack(waiting.length);
      await turn();
    }
    assert.equal(published.length, 3001, 'everything, once there is room, the changed topic again');
    assert.equal(new Set(published).size, 3000);
  });

  it('publishes everything at once when asked to flush (at stop)', () => {
    const published: string[] = [];
    const topics = new RetainedTopics(new StateMap<string>('t', new Map(), () => undefined), (topic) => published.push(topic), 1, true, 0, createLogger('silent'));
    for (let i = 0; i < 3000; i++) topics.set(`state/${i}`, { i });
    topics.flush();
    assert.equal(published.length, 3000);
  });
});
