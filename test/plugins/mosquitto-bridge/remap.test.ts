import assert from 'node:assert/strict';
import { route } from '../../../plugins/mosquitto-bridge/remap.js';
import { topicMatches } from '../../../plugins/mosquitto-bridge/mosquitto-topics.js';
import { parseTopicLine } from '../../../plugins/mosquitto-bridge/topic-line.js';
import type { Way } from '../../../plugins/mosquitto-bridge/remap.js';

// Every row of the research note's observed mapping table (mosquitto 2.0.11, S1): the line(s), where a message is
// published (out: on the local broker; in: on the remote), its QoS, and what arrives on the other side (null: nothing).
const TABLE: [string[], Way, string, 0 | 1 | 2, string | null, (0 | 1 | 2)?][] = [
  [['sensors/# in 1 local/ remote/'], 'in', 'remote/sensors/t1', 1, 'local/sensors/t1', 1],
  [['sensors/# in 1 local/ remote/'], 'in', 'sensors/t1', 1, null],
  [['sensors/# in 1 local/ remote/'], 'out', 'local/sensors/t1', 1, null],
  [['cmd/# out 1 edge/ site1/'], 'out', 'edge/cmd/reboot', 2, 'site1/cmd/reboot', 1],
  [['cmd/# out 1 edge/ site1/'], 'in', 'site1/cmd/reboot', 1, null],
  [['cmd/# out 1 edge/ site1/'], 'out', 'cmd/reboot', 1, null],
  [['status/# both 1 edge/ site1/'], 'out', 'edge/status/up', 1, 'site1/status/up', 1],
  [['status/# both 1 edge/ site1/'], 'in', 'site1/status/down', 1, 'edge/status/down', 1],
  [['"" out 0 homelink/joe/status remote/joe/status'], 'out', 'homelink/joe/status', 0, 'remote/joe/status', 0],
  [['"" out 0 homelink/joe/status remote/joe/status'], 'out', 'homelink/joe/status/x', 0, null],
  [['"" in 0 homelink/joe/cmd remote/joe/cmd'], 'in', 'remote/joe/cmd', 0, 'homelink/joe/cmd', 0],
  [['plain/# both 0'], 'out', 'plain/p1', 0, 'plain/p1', 0],
  [['plain/# both 0'], 'in', 'plain/p2', 0, 'plain/p2', 0],
  [['only/# out 0 L/'], 'out', 'L/only/x', 0, 'only/x', 0],
  [['ic/+ in 0 local4/top remote4/tip'], 'in', 'remote4/tipic/x', 0, 'local4/topic/x', 0],
  [['# in 0 pm-l/ pm-r/'], 'in', 'pm-r/x', 0, 'pm-l/x', 0],
  [['# in 0 pm-l/ pm-r/'], 'in', 'pm-r', 0, 'pm-l/pm-r', 0],
  [['# out 0 po-l/ po-r/'], 'out', 'po-l/x', 0, 'po-r/x', 0],
  [['# out 0 po-l/ po-r/'], 'out', 'po-l', 0, 'po-r/po-l', 0],
  [['a/# out 0 x/ y/', 'a/b/# out 0 x/ z/'], 'out', 'x/a/b/c', 0, 'y/a/b/c', 0],
  [['q/# out 1'], 'out', 'q/x', 2, 'q/x', 1],
  [['q/# out 1'], 'out', 'q/y', 0, 'q/y', 0],
  [['clients/total in 0 test/mosquitto/org/ $SYS/broker/'], 'in', '$SYS/broker/clients/total', 1, 'test/mosquitto/org/clients/total', 0],
];

describe('mosquitto-bridge: remapping as mosquitto 2.0.11 does it', () => {
  for (const [lines, way, topic, qos, expected, expectedQos] of TABLE) {
    it(`${lines.join(' + ')}: ${way === 'out' ? 'local' : 'remote'} ${topic} (q${qos}) -> ${expected ?? 'nothing'}`, () => {
      const topics = lines.map(parseTopicLine);
      const r = route(topics, way, topic, qos, true);
      assert.deepEqual(r, expected === null ? null : { topic: expected, qos: expectedQos });
    });
  }

  it('without the parent-level quirk maps a prefix\'s parent level to the other prefix\'s parent level', () => {
    assert.deepEqual(route([parseTopicLine('# in 0 pm-l/ pm-r/')], 'in', 'pm-r', 0, false), { topic: 'pm-l', qos: 0 });
    assert.deepEqual(route([parseTopicLine('# out 0 po-l/ po-r/')], 'out', 'po-l', 0, false), { topic: 'po-r', qos: 0 });
    assert.equal(route([parseTopicLine('# out 0 po-l/')], 'out', 'po-l', 0, false), null);
    assert.deepEqual(route([parseTopicLine('# out 0 po-l/ po-r/')], 'out', 'po-l/x', 0, false), { topic: 'po-r/x', qos: 0 });
  });

  it('matches as mosquitto_topic_matches_sub does', () => {
    assert.equal(topicMatches('a/#', 'a'), true);
    assert.equal(topicMatches('a/+', 'a/'), true);
    assert.equal(topicMatches('a/+/#', 'a'), false);
    assert.equal(topicMatches('#', '$SYS/x'), false);
    assert.equal(topicMatches('+/x', '$SYS/x'), false);
    assert.equal(topicMatches('$SYS/#', '$SYS/x'), true);
    assert.equal(topicMatches('a/b', 'a/b/c'), false);
    assert.throws(() => topicMatches('a/#', 'a/+'), /must not contain wildcards/);
  });
});
