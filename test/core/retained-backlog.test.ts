import assert from 'node:assert/strict';
import { createLogger } from '../../core/logger.js';
import { RetainedTopics } from '../../core/retained.js';
import { StateMap } from '../../core/state-map.js';

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('RetainedTopics: a burst of topics against the connection backlog', () => {
  it('publishes no more than the backlog has room for, and the rest once the broker has taken some', async () => {
    const published: string[] = [];
    let backlog = 400;
    const topics = new RetainedTopics(new StateMap<string>('t', new Map(), () => undefined), (topic) => published.push(topic), 1, true, 0, createLogger('silent'), () => backlog);
    for (let i = 0; i < 3000; i++) topics.set(`state/${i}`, { i });
    await turn();
    assert.equal(published.length, 600, 'room for 600 next to the 400 waiting');
    assert.deepEqual(published.slice(0, 3), ['state/0', 'state/1', 'state/2'], 'the longest pending first');
    assert.equal(topics.has('state/2999'), true, 'a topic not yet published is still known');

    backlog = 1000;
    await turn();
    assert.equal(published.length, 600, 'nothing while the backlog is full');

    topics.set('state/0', { i: 'changed' });
    backlog = 0;
    for (let i = 0; i < 20 && published.length < 3001; i++) await turn();
    assert.equal(published.length, 3001, 'everything, once there is room, the changed topic again');
    assert.equal(new Set(published).size, 3000);
  });

  it('publishes everything at once when asked to flush (at stop)', () => {
    const published: string[] = [];
    const topics = new RetainedTopics(new StateMap<string>('t', new Map(), () => undefined), (topic) => published.push(topic), 1, true, 0, createLogger('silent'), () => 5000);
    for (let i = 0; i < 3000; i++) topics.set(`state/${i}`, { i });
    topics.flush();
    assert.equal(published.length, 3000);
  });
});
