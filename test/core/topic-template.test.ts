import assert from 'node:assert/strict';
import { TopicTemplate, valueAt } from '../../core/index.js';

describe('TopicTemplate', () => {
  const event = { type: 'homelink_alert', data: { id: 'a/#', n: 4, ok: true, nested: { list: ['x+y', 'z'] }, empty: '', nil: null, obj: {} } };

  it('fills placeholders from the event, each value escaped into one level', () => {
    const t = new TopicTemplate('placeos/{type}/state/{data.id}/{data.n}-{data.ok}/{data.nested.list.0}/{ data.nested.list.1 }');
    assert.deepEqual(t.paths, ['type', 'data.id', 'data.n', 'data.ok', 'data.nested.list.0', 'data.nested.list.1']);
    assert.equal(t.fill(event), 'placeos/homelink_alert/state/a%2F%23/4-true/x%2By/z');
    assert.equal(t.fill(event).split('/').length, 'placeos/{type}/state/{data.id}/{data.n}-{data.ok}/{data.nested.list.0}/{data.nested.list.1}'.split('/').length);
  });

  it('never lets a value add a level, widen to a wildcard or collide with another value', () => {
    const t = new TopicTemplate('a/{data.v}/b');
    for (const v of ['/', '#', '+', '/#', '../x', '%2F', '%', '', 'x\u0000y', 'line\nbreak']) {
      const topic = t.fill({ data: { v } });
      assert.equal(topic.split('/').length, 3, topic);
      assert.doesNotMatch(topic, /[+#\u0000\n]/);
    }
    assert.notEqual(t.fill({ data: { v: '/' } }), t.fill({ data: { v: '%2F' } }));
  });

  it('says which placeholder has no usable value', () => {
    const t = new TopicTemplate('x/{data.missing}');
    assert.throws(() => t.fill(event), /\{data\.missing\} is missing/);
    assert.throws(() => new TopicTemplate('x/{data.nil}').fill(event), /\{data\.nil\} is null/);
    assert.throws(() => new TopicTemplate('x/{data.obj}').fill(event), /\{data\.obj\} is an object/);
    assert.throws(() => new TopicTemplate('x/{data.nested.list}').fill(event), /is an array/);
  });

  it('refuses a template that is not a topic', () => {
    assert.throws(() => new TopicTemplate('x/#/{data.id}'), /must not contain wildcards/);
    assert.throws(() => new TopicTemplate('x/{data id}'), /"\{data id\}" is not a placeholder/);
    assert.throws(() => new TopicTemplate('x/{data.id'), /unbalanced/);
    assert.throws(() => new TopicTemplate(''), /must not be empty/);
  });

  it('valueAt reads own properties only', () => {
    assert.equal(valueAt(event, 'data.nested.list.1'), 'z');
    assert.equal(valueAt(event, 'data.constructor'), undefined);
    assert.equal(valueAt(event, ['data', 'n']), 4);
  });
});
