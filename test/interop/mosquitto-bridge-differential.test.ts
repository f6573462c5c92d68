import assert from 'node:assert/strict';
import { both, type Probe } from '../helpers/bridge-pair.js';

// The research note's mapping table (mosquitto 2.0.11, S1): all its lines in one bridge, as they were observed.
const LINES = [
  'sensors/# in 1 local/ remote/',
  'cmd/# out 1 edge/ site1/',
  'status/# both 1 edge/ site1/',
  '"" out 0 homelink/joe/status remote/joe/status',
  '"" in 0 homelink/joe/cmd remote/joe/cmd',
  'plain/# both 0',
  'only/# out 0 L/',
  'ic/+ in 0 local4/top remote4/tip',
  '# in 0 pm-l/ pm-r/',
  '# out 0 po-l/ po-r/',
  'a/# out 0 x/ y/',
  'a/b/# out 0 x/ z/',
  'q/# out 1',
];

const PROBES: Probe[] = [
  { side: 'R', topic: 'remote/sensors/t1', qos: 1 },
  { side: 'R', topic: 'sensors/t1', qos: 1 },
  { side: 'L', topic: 'local/sensors/t1', qos: 1 },
  { side: 'L', topic: 'edge/cmd/reboot', qos: 2 },
  { side: 'R', topic: 'site1/cmd/reboot', qos: 1 },
  { side: 'L', topic: 'cmd/reboot', qos: 1 },
  { side: 'L', topic: 'edge/status/up', qos: 1 },
  { side: 'R', topic: 'site1/status/down', qos: 1 },
  { side: 'L', topic: 'homelink/joe/status', qos: 0 },
  { side: 'L', topic: 'homelink/joe/status/x', qos: 0 },
  { side: 'R', topic: 'remote/joe/cmd', qos: 0 },
  { side: 'L', topic: 'plain/p1', qos: 0 },
  { side: 'R', topic: 'plain/p2', qos: 0 },
  { side: 'L', topic: 'L/only/x', qos: 0 },
  { side: 'R', topic: 'remote4/tipic/x', qos: 0 },
  { side: 'R', topic: 'pm-r/x', qos: 0 },
  { side: 'R', topic: 'pm-r', qos: 0 },
  { side: 'L', topic: 'po-l/x', qos: 0 },
  { side: 'L', topic: 'po-l', qos: 0 },
  { side: 'L', topic: 'x/a/b/c', qos: 0 },
  { side: 'L', topic: 'q/x', qos: 2 },
  { side: 'L', topic: 'q/y', qos: 0 },
  { side: 'L', topic: 'edge/status/kept', qos: 1, retain: true },
  { side: 'R', topic: 'site1/status/kept', qos: 1, retain: true },
];

describe('mosquitto-bridge: the same lines as a mosquitto bridge and as a Switchboard bridge (differential)', function () {
  this.timeout(120000);

  for (const protocol of ['3.1.1', '5'] as const) {
    it(`every row of the mapping table, overlapping lines and retain flags arrive alike (MQTT ${protocol})`, async () => {
      const seen = await both({ lines: LINES, protocol }, PROBES);
      assert.ok(seen.mosquitto.length > PROBES.length, `mosquitto forwarded: ${seen.mosquitto.join(', ')}`);
      assert.deepEqual(seen.switchboard, seen.mosquitto);
    });
  }

  it('an out line unsubscribing what an earlier both line subscribed on the remote, as mosquitto does (found by the property test)', async () => {
    const lines = ['"" both 0 x/ r/', '"" out 0 l r/'];
    const probes: Probe[] = [
      { side: 'R', topic: 'r/', qos: 1 },
      { side: 'L', topic: 'x/', qos: 1 },
      { side: 'L', topic: 'l', qos: 1 },
    ];
    const seen = await both({ lines, protocol: '3.1.1' }, probes);
    assert.deepEqual(seen.switchboard, seen.mosquitto);
    assert.ok(!seen.mosquitto.some((o) => o.startsWith('L|x/|') && o.endsWith('|p0')), 'mosquitto forwards nothing in through the unsubscribed topic');
  });
});
