import assert from 'node:assert/strict';
import { formatTopicLine, parseTopicLine } from '../../../plugins/mosquitto-bridge/topic-line.js';

describe('mosquitto-bridge: topic lines as mosquitto 2.0.11 reads them', () => {
  const accepted: [string, Partial<ReturnType<typeof parseTopicLine>>][] = [
    ['sensors/# in 1 local/ remote/', { pattern: 'sensors/#', direction: 'in', qos: 1, localPrefix: 'local/', remotePrefix: 'remote/', localTopic: 'local/sensors/#', remoteTopic: 'remote/sensors/#' }],
    ['cmd/# out 1 edge/ site1/', { direction: 'out', qos: 1, localTopic: 'edge/cmd/#', remoteTopic: 'site1/cmd/#' }],
    ['status/# both 1 edge/ site1/', { direction: 'both', localTopic: 'edge/status/#', remoteTopic: 'site1/status/#' }],
    ['"" out 0 homelink/joe/status remote/joe/status', { pattern: null, localTopic: 'homelink/joe/status', remoteTopic: 'remote/joe/status' }],
    ['"" in 0 homelink/joe/cmd remote/joe/cmd', { pattern: null, direction: 'in', localTopic: 'homelink/joe/cmd', remoteTopic: 'remote/joe/cmd' }],
    ['plain/# both 0', { localPrefix: null, remotePrefix: null, localTopic: 'plain/#', remoteTopic: 'plain/#' }],
    ['only/# out 0 L/', { localPrefix: 'L/', remotePrefix: null, localTopic: 'L/only/#', remoteTopic: 'only/#' }],
    ['x in 0 "" R/', { localPrefix: null, remotePrefix: 'R/', localTopic: 'x', remoteTopic: 'R/x' }],
    ['ic/+ in 0 local4/top remote4/tip', { localTopic: 'local4/topic/+', remoteTopic: 'remote4/tipic/+' }],
    ['clients/total in 0 test/mosquitto/org $SYS/broker/', { localTopic: 'test/mosquitto/orgclients/total', remoteTopic: '$SYS/broker/clients/total' }],
    ['# in 0 pm-l/ pm-r/', { localTopic: 'pm-l/#', remoteTopic: 'pm-r/#' }],
    ['q/# out 1', { direction: 'out', qos: 1, localPrefix: null }],
    ['a/b', { direction: 'out', qos: 0 }],
    ['a/b IN', { direction: 'in' }],
    ['a/b Both 2', { direction: 'both', qos: 2 }],
    ['a/b in foo', { qos: 0 }],
    ['a/b in 1 #comment L/', { qos: 1, localPrefix: null }],
    ['a/b in #1 L/ R/', { qos: 0, localPrefix: null, remotePrefix: null }],
    ['a/b in 1 L/ R/ extra tokens', { localPrefix: 'L/', remotePrefix: 'R/' }],
    ['   a/b    in   1   ', { direction: 'in', qos: 1 }],
    ['a/b in 1\r', { qos: 1 }],
  ];
  for (const [line, expected] of accepted) {
    it(`accepts ${JSON.stringify(line)}`, () => {
      const t = parseTopicLine(line);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(t[key as keyof typeof t], value, key);
    });
  }

  const rejected: [string, string][] = [
    ['"" out 0 homelink/joe/# homelink/joe/#', "Error: Invalid bridge topic local prefix 'homelink/joe/#'."],
    ['x out 0 L/ R/+', "Error: Invalid bridge topic remote prefix 'R/+'."],
    ['"" out 0 L/', 'Error: Invalid bridge remapping.'],
    ['"" in 0 "" R/', 'Error: Invalid bridge remapping.'],
    ['""', 'Error: Invalid bridge remapping.'],
    ['# in 0 L', "Error: Invalid bridge topic local prefix and pattern combination 'L#'."],
    ['# in 0 L/ R', "Error: Invalid bridge topic remote prefix and pattern combination 'R#'."],
    ['a/b in 3', "Error: Invalid bridge QoS level '3'."],
    ['a/b in -1', "Error: Invalid bridge QoS level '-1'."],
    ['a/b sideways', "Error: Invalid bridge topic direction 'sideways'."],
    ['', 'Error: Empty topic value in configuration.'],
    ['a/#/b out 0', "Error: Invalid bridge topic 'a/#/b': not a valid subscription."],
  ];
  for (const [line, message] of rejected) {
    it(`rejects ${JSON.stringify(line)} with mosquitto's words`, () => {
      assert.throws(() => parseTopicLine(line), { name: 'TopicLineError', message });
    });
  }

  it('writes lines mosquitto reads back the same', () => {
    for (const line of ['a/b', 'a/b in', 'a/b out 1', 'x in 0 "" R/', '"" out 0 homelink/joe/status remote/joe/status', 'only/# out 0 L/', 'sensors/# in 1 local/ remote/']) {
      assert.equal(formatTopicLine(parseTopicLine(line)), line);
    }
    const t = parseTopicLine('a/b IN 0 #x');
    assert.equal(formatTopicLine(t), 'a/b in');
    assert.deepEqual({ ...parseTopicLine(formatTopicLine(t)), line: '' }, { ...t, line: '' });
  });
});
