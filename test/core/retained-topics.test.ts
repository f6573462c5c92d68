import assert from 'node:assert/strict';
import { createLogger } from '../../core/logger.js';
import { RetainedTopics } from '../../core/retained.js';
import { StateMap } from '../../core/state-map.js';

interface Sent {
  topic: string;
  body: unknown;
}

/** A run of RetainedTopics on `state` (the namespace as an earlier run left it), publishing into `sent`. */
function run(state: Map<string, number | string>, sent: Sent[]): RetainedTopics {
  return new RetainedTopics(new StateMap('retained', state, () => undefined), (topic, body, _qos, _retain, done) => {
    sent.push({ topic, body });
    done();
  }, 1, true, 0, createLogger('silent'));
}

describe('RetainedTopics: what is published again, and what is remembered', () => {
  it('publishes a value once per run while it is unchanged, remembering a number per topic', () => {
    const state = new Map<string, number | string>();
    const sent: Sent[] = [];
    const topics = run(state, sent);
    topics.set('a', { on: true });
    topics.flush();
    topics.set('a', { on: true });
    topics.flush();
    assert.deepEqual(sent, [{ topic: 'a', body: '{"on":true}' }]);
    topics.set('a', { on: false });
    topics.flush();
    assert.equal(sent.length, 2, 'a changed value is published');
    assert.equal(typeof state.get('a'), 'number');
    assert.ok(Number.isSafeInteger(state.get('a')) && (state.get('a') as number) >= 0, 'exact in JSON');
  });

  it('after a restart publishes every topic set again (a text digest of earlier versions too), and clearUnset clears only the rest', () => {
    const state = new Map<string, number | string>();
    const first: Sent[] = [];
    const before = run(state, first);
    for (const topic of ['kept', 'gone', 'also-gone']) before.set(topic, topic);
    before.flush();
    // As an earlier version stored it.
    state.set('old-format', 'PhP7kkzGTjuzZgzbNcr/eoMmL5k=');

    const sent: Sent[] = [];
    const after = run(state, sent);
    after.set('kept', 'kept');
    after.set('old-format', 'value');
    after.set('new', 'new');
    after.clearUnset();
    after.flush();
    assert.deepEqual(
      sent.sort((a, b) => a.topic.localeCompare(b.topic)),
      [
        { topic: 'also-gone', body: '' },
        { topic: 'gone', body: '' },
        { topic: 'kept', body: 'kept' },
        { topic: 'new', body: 'new' },
        { topic: 'old-format', body: 'value' },
      ],
    );
    assert.deepEqual([...state.keys()].sort(), ['kept', 'new', 'old-format']);
    assert.deepEqual(after.topics().sort(), ['kept', 'new', 'old-format']);

    // What this run has published is not stale: clearing again clears nothing.
    after.clearUnset();
    after.flush();
    assert.equal(sent.length, 5);
  });
});
