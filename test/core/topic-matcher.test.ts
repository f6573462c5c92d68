import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicMatcher } from '../../core/topic-matcher.js';

/** MQTT 3.1.1 §4.7 written out plainly, to check the trie against. */
function specMatches(filter: string, topic: string): boolean {
  const f = filter.startsWith('$share/') ? filter.split('/').slice(2) : filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function matches(filter: string, topic: string): boolean {
  const matcher = new TopicMatcher<string>();
  matcher.add(filter, filter);
  return matcher.match(topic).has(filter);
}

describe('TopicMatcher', () => {
  const cases: [filter: string, topic: string, expected: boolean][] = [
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['a/b', 'a//b', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true], // '#' includes the parent level
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['a/+/c', 'a//c', true], // '+' matches an empty level
    ['a/+/c', 'a/b/c', true],
    ['a/+/#', 'a', false],
    ['a/+/#', 'a/b', true],
    ['+', '/x', false], // a leading '/' makes an empty first level: two levels
    ['+/x', '/x', true],
    ['/+', '/x', true],
    ['/#', '/x', true],
    ['x/+', 'x/', true], // a trailing '/' makes an empty last level
    ['x', 'x/', false],
    ['+/+', 'x/', true],
    ['#', 'x/', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/x', false], // '$' topics are not matched by a leading wildcard
    ['+/x', '$SYS/x', false],
    ['+', '$x', false],
    ['+/#', '$SYS/a', false],
    ['$SYS/#', '$SYS/x', true],
    ['$SYS/#', '$SYS', true],
    ['$SYS/+', '$SYS/x', true],
    ['$SYS/x', '$SYS/x', true],
    ['$share/group/a/+', 'a/b', true], // shared subscriptions match as their filter
    ['$share/group/a/+', 'a/b/c', false],
    ['$share/group/#', '$SYS/a', false],
    ['$share/group/$SYS/#', '$SYS/a', true],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} "${topic}" with "${filter}"`, () => {
      assert.equal(matches(filter, topic), expected);
      assert.equal(specMatches(filter, topic), expected, 'the reference agrees');
    });
  }

  it('rejects invalid filters with a message that names the filter and the rule', () => {
    const matcher = new TopicMatcher<number>();
    assert.throws(() => matcher.add('a/#/b', 1), { message: `"a/#/b": '#' must be a whole level and the last one` });
    assert.throws(() => matcher.add('#x', 1), { message: `"#x": '#' must be a whole level and the last one` });
    assert.throws(() => matcher.add('a+', 1), { message: `"a+": '+' must be a whole level` });
    assert.throws(() => matcher.add('a/b+c/d', 1), { message: `"a/b+c/d": '+' must be a whole level` });
    assert.throws(() => matcher.add('', 1), { message: 'a topic filter must not be empty' });
    assert.throws(() => matcher.add('$share/g', 1), /shared subscription needs a filter after the group/);
    assert.throws(() => matcher.add('$share/+/a', 1), /shared subscription needs a group name without wildcards/);
    assert.equal(matcher.match('a/x/b').size, 0, 'nothing was added');
  });

  it('returns each value once, however many of its filters match', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a/+', 'one');
    matcher.add('a/#', 'one');
    matcher.add('#', 'one');
    matcher.add('a/b', 'two');
    assert.deepEqual([...matcher.match('a/b')].sort(), ['one', 'two']);
    assert.deepEqual([...matcher.match('a/c')], ['one']);
  });

  it('stops matching a value once it is removed, and keeps the others', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a/+', 'plus');
    matcher.add('a/#', 'hash');
    matcher.add('+/b', 'first');
    matcher.remove('a/+', 'plus');
    assert.deepEqual([...matcher.match('a/b')].sort(), ['first', 'hash']);
    matcher.remove('+/b', 'first');
    assert.deepEqual([...matcher.match('a/b')], ['hash']);
    matcher.remove('a/#', 'hash');
    assert.equal(matcher.match('a/b').size, 0);
    matcher.add('a/#', 'again');
    assert.deepEqual([...matcher.match('a/b')], ['again']);
  });

  it('ignores the removal of a filter or value it never had', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a/+', 'kept');
    matcher.remove('a/+', 'never added');
    matcher.remove('x/#', 'kept');
    assert.deepEqual([...matcher.match('a/b')], ['kept']);
  });

  it('removes one value of a filter that several values share', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('$share/g/a/+', 'x');
    matcher.add('a/+', 'y');
    matcher.remove('$share/g/a/+', 'x');
    assert.deepEqual([...matcher.match('a/b')], ['y']);
  });

  it('stops matching once the last of two values on one filter is removed, and matches a value added again', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('a/+', 'one');
    matcher.add('a/+', 'two');
    matcher.remove('a/+', 'one');
    assert.deepEqual([...matcher.match('a/b')], ['two']);
    matcher.remove('a/+', 'two');
    assert.equal(matcher.match('a/b').size, 0);
    matcher.add('b/c', 'other');
    assert.equal(matcher.match('a/b').size, 0, 'nothing left over once the matcher is in use again');
    matcher.add('a/+', 'one');
    assert.deepEqual([...matcher.match('a/b')], ['one']);
  });

  it('stops matching $ topics with a filter once it is removed', () => {
    const matcher = new TopicMatcher<string>();
    matcher.add('$SYS/broker/#', 'sys');
    matcher.add('$SYS/broker/+', 'other');
    assert.deepEqual([...matcher.match('$SYS/broker/uptime')].sort(), ['other', 'sys']);
    matcher.remove('$SYS/broker/#', 'sys');
    assert.deepEqual([...matcher.match('$SYS/broker/uptime')], ['other']);
    matcher.remove('$SYS/broker/+', 'other');
    matcher.add('x/y', 'unrelated');
    assert.equal(matcher.match('$SYS/broker/uptime').size, 0);
  });

  it('matches correctly among 10 000 filters', () => {
    const matcher = new TopicMatcher<string>();
    const n = 10000;
    for (let i = 0; i < n; i++) {
      const filter = i % 4 === 0 ? `site/${i}/+/state` : i % 4 === 1 ? `site/${i}/#` : i % 4 === 2 ? `site/+/${i}` : `+/${i}/x/+`;
      matcher.add(filter, `f${i}`);
    }
    matcher.add('site/#', 'all');
    matcher.add('$SYS/#', 'sys');
    assert.deepEqual([...matcher.match('site/4000/light/state')].sort(), ['all', 'f4000']);
    assert.deepEqual([...matcher.match('site/4001/a/b/c')].sort(), ['all', 'f4001']);
    assert.deepEqual([...matcher.match('site/4001')].sort(), ['all', 'f4001']);
    assert.deepEqual([...matcher.match('site/any/4002')].sort(), ['all', 'f4002']);
    assert.deepEqual([...matcher.match('other/4003/x/y')], ['f4003']);
    assert.deepEqual([...matcher.match('$SYS/4003/x/y')], ['sys']);
    assert.deepEqual([...matcher.match('site/4000/light/state/more')], ['all']);
    assert.equal(matcher.match('elsewhere/1/2').size, 0);

    for (let i = 0; i < n; i += 2) {
      const filter = i % 4 === 0 ? `site/${i}/+/state` : `site/+/${i}`;
      matcher.remove(filter, `f${i}`);
    }
    assert.deepEqual([...matcher.match('site/4000/light/state')], ['all']);
    assert.deepEqual([...matcher.match('site/4001/light/state')].sort(), ['all', 'f4001']);
    assert.deepEqual([...matcher.match('site/any/4002')], ['all']);
    assert.deepEqual([...matcher.match('other/4003/x/y')], ['f4003']);
  });

  it('agrees with the MQTT rules on generated filters and topics', () => {
    const topicLevel = fc.constantFrom('a', 'b', '', '$s');
    const topic = fc.array(topicLevel, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/')).filter((t) => t !== '');
    const filter = fc
      .tuple(fc.array(fc.constantFrom('a', 'b', '', '+', '$s'), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
      .map(([levels, hash, shared]) => ({ shared, body: [...levels, ...(hash ? ['#'] : [])].join('/') }))
      .filter(({ body }) => body !== '')
      .map(({ shared, body }) => `${shared ? '$share/g/' : ''}${body}`);
    fc.assert(
      fc.property(fc.array(filter, { minLength: 1, maxLength: 30 }), fc.array(topic, { minLength: 1, maxLength: 10 }), (filters, topics) => {
        const matcher = new TopicMatcher<number>();
        filters.forEach((f, i) => matcher.add(f, i));
        for (const t of topics) {
          const expected = filters.flatMap((f, i) => (specMatches(f, t) ? [i] : []));
          assert.deepEqual([...matcher.match(t)].sort((a, b) => a - b), expected, `topic "${t}" against ${JSON.stringify(filters)}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
