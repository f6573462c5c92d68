import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicMatcher } from '../../core/topic-matcher.js';
import { filterMatches, filterProblem, matchableFilter, topicLevel, topicProblem } from '../../core/topics.js';

describe('topics', () => {
  describe('filterProblem', () => {
    it('accepts valid filters', () => {
      for (const filter of ['a', 'a/b', '#', '+', 'a/+/c', 'a/#', '+/+/#', '/', '/a/', 'a//b', '$SYS/#', '$share/g/a/+', '$share/group/#']) {
        assert.equal(filterProblem(filter), undefined, filter);
      }
    });

    it('explains each invalid filter', () => {
      assert.equal(filterProblem(''), 'a topic filter must not be empty');
      assert.equal(filterProblem('a/#/b'), `"a/#/b": '#' must be a whole level and the last one`);
      assert.equal(filterProblem('a/b#'), `"a/b#": '#' must be a whole level and the last one`);
      assert.equal(filterProblem('#x'), `"#x": '#' must be a whole level and the last one`);
      assert.equal(filterProblem('a+'), `"a+": '+' must be a whole level`);
      assert.equal(filterProblem('+a/b'), `"+a/b": '+' must be a whole level`);
      assert.equal(filterProblem('a\u0000b'), 'a topic filter must not contain a NUL character');
      assert.equal(filterProblem('x'.repeat(65536)), 'a topic filter must not exceed 65535 bytes');
      assert.equal(filterProblem('$share//a'), `"$share//a": a shared subscription needs a group name without wildcards`);
      assert.equal(filterProblem('$share/g+/a'), `"$share/g+/a": a shared subscription needs a group name without wildcards`);
      assert.equal(filterProblem('$share/g/'), `"$share/g/": a shared subscription needs a filter after the group`);
      assert.equal(filterProblem('$share/g/a/#/b'), `"$share/g/a/#/b": '#' must be a whole level and the last one`);
    });
  });

  describe('topicProblem', () => {
    it('accepts topics and refuses wildcards, NUL, empty and oversized ones', () => {
      assert.equal(topicProblem('a/b'), undefined);
      assert.equal(topicProblem('/a/'), undefined);
      assert.equal(topicProblem(''), 'a topic must not be empty');
      assert.equal(topicProblem('a/+'), `"a/+": a topic to publish to must not contain wildcards`);
      assert.equal(topicProblem('a/#'), `"a/#": a topic to publish to must not contain wildcards`);
      assert.equal(topicProblem('a\u0000'), 'a topic must not contain a NUL character');
      assert.equal(topicProblem('é'.repeat(40000)), 'a topic must not exceed 65535 bytes'); // 80 000 bytes in UTF-8
    });
  });

  it('matchableFilter strips the share group only', () => {
    assert.equal(matchableFilter('$share/g/a/+'), 'a/+');
    assert.equal(matchableFilter('$share/g/#'), '#');
    assert.equal(matchableFilter('a/+'), 'a/+');
    assert.equal(matchableFilter('$SYS/#'), '$SYS/#');
  });

  describe('filterMatches', () => {
    // MQTT 3.1.1 §4.7 (and MQTT 5 §4.7): '#' matches the parent level and any below, '+' exactly one level
    // (an empty one too), levels compare exactly, and a leading wildcard never matches a '$' topic.
    const cases: [filter: string, topic: string, expected: boolean][] = [
      ['a/b', 'a/b', true],
      ['a/b', 'a/c', false],
      ['a/b', 'a', false],
      ['a', 'a/b', false],
      ['a/b', 'a/b/', false],
      ['A/b', 'a/b', false],
      ['a/+', 'a/b', true],
      ['a/+', 'a/', true],
      ['a/+', 'a', false],
      ['a/+', 'a/b/c', false],
      ['+/+', '/', true],
      ['+', '/x', false],
      ['+/x', '/x', true],
      ['a/+/c', 'a//c', true],
      ['a/+/c', 'a/b/d', false],
      ['#', 'a', true],
      ['#', '/', true],
      ['#', 'a/b/c', true],
      ['a/#', 'a', true],
      ['a/#', 'a/', true],
      ['a/#', 'a/b/c', true],
      ['a/#', 'ab', false],
      ['a/#', 'b/a', false],
      ['a/+/#', 'a', false],
      ['a/+/#', 'a/b', true],
      ['a/b/#', 'a/c/d', false],
      ['#', '$SYS/x', false],
      ['+/x', '$SYS/x', false],
      ['+', '$x', false],
      ['+/#', '$SYS', false],
      ['$SYS/#', '$SYS', true],
      ['$SYS/+', '$SYS/x', true],
      ['$SYS/x', '$SYS/y', false],
      ['a/#', 'a/$x', true], // only the first level is special
    ];
    for (const [filter, topic, expected] of cases) {
      it(`${expected ? 'matches' : 'does not match'} "${topic}" with "${filter}"`, () => {
        assert.equal(filterMatches(filter, topic), expected);
      });
    }

    it('agrees with the indexed matcher on generated filters and topics', () => {
      const topic = fc.array(fc.constantFrom('a', 'b', '', '$s'), { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter((t) => t !== '');
      const filter = fc
        .tuple(fc.array(fc.constantFrom('a', 'b', '', '+', '$s'), { minLength: 1, maxLength: 4 }), fc.boolean())
        .map(([levels, hash]) => [...levels, ...(hash ? ['#'] : [])].join('/'))
        .filter((f) => f !== '');
      fc.assert(
        fc.property(filter, topic, (f, t) => {
          const matcher = new TopicMatcher<string>();
          matcher.add(f, f);
          assert.equal(filterMatches(f, t), matcher.match(t).has(f), `"${t}" with "${f}"`);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('topicLevel', () => {
    it('leaves ordinary ids alone', () => {
      for (const id of ['device-01', 'AB12_cd.3', 'Küche', 'joe bloggs', '猫', 'a:b@c']) assert.equal(topicLevel(id), id);
    });

    it('escapes + # / % and control characters', () => {
      assert.equal(topicLevel('AB+/#CD'), 'AB%2B%2F%23CD');
      assert.equal(topicLevel('100%'), '100%25');
      assert.equal(topicLevel('line\nbreak\ttab'), 'line%0Abreak%09tab');
      assert.equal(topicLevel('nul\u0000del\u007f'), 'nul%00del%7F');
      assert.equal(topicLevel(''), '%');
    });

    it('is reversible, one level, and a valid topic for any id', () => {
      const special = fc.constantFrom('+', '#', '/', '%', '\u0000', '\n', '\u001f', '\u007f', '%25', 'a', 'é');
      const id = fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.array(special, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')));
      fc.assert(
        fc.property(id, (s) => {
          const level = topicLevel(s);
          assert.equal(decodeURIComponent(level), s);
          assert.doesNotMatch(level, /[+#/\u0000-\u001f\u007f]/);
          assert.equal(topicProblem(`x/${level}`), undefined);
        }),
        { numRuns: 500 },
      );
      fc.assert(
        fc.property(id, id, (a, b) => {
          if (a !== b) assert.notEqual(topicLevel(a), topicLevel(b));
        }),
        { numRuns: 500 },
      );
    });
  });
});
