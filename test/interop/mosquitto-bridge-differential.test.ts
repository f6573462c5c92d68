import assert from 'node:assert/strict';
import { MAPPING_TABLE } from '../helpers/bridge-conf.js';
import { both, BridgePair, retained, type Implementation, type Probe } from '../helpers/bridge-pair.js';

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
      const seen = await both({ lines: MAPPING_TABLE, protocol }, PROBES);
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

  for (const protocol of ['3.1.1', '5'] as const) {
    it(`$SYS topics: mapped through a $SYS prefix both ways, never matched by a leading wildcard (MQTT ${protocol})`, async () => {
      const lines = [
        // The mapping table's $SYS row, on a topic whose value does not change while the test runs.
        'version in 0 test/mosquitto/org/ $SYS/broker/',
        // The one $SYS topic a mosquitto client may publish to (a bridge's state), both ways.
        'connection/probe-r/state in 1 sys-r/ $SYS/broker/',
        '"" out 1 $SYS/broker/connection/probe-l/state sys-l/state',
        '+/broker/connection/+/state both 1',
      ];
      const probes: Probe[] = [
        { side: 'R', topic: '$SYS/broker/connection/probe-r/state', qos: 1 },
        { side: 'R', topic: '$SYS/broker/connection/probe-r/state', qos: 1, retain: true },
        { side: 'L', topic: '$SYS/broker/connection/probe-l/state', qos: 1, retain: true },
        { side: 'L', topic: '$SYS/broker/connection/probe-x/state', qos: 1 },
        { side: 'R', topic: '$SYS/broker/connection/probe-x/state', qos: 1 },
        { side: 'R', topic: 'x/broker/connection/y/state', qos: 1 },
        { side: 'L', topic: 'x/broker/connection/z/state', qos: 0 },
      ];
      const seen = {} as Record<Implementation, { live: string[]; version: string[] }>;
      for (const implementation of ['mosquitto', 'switchboard'] as const) {
        const pair = await BridgePair.start(implementation, { lines, protocol });
        try {
          // mosquitto's own retained $SYS/broker/version, sent to the bridge when it subscribes on the remote.
          const version = await retained(pair.L.url, 'test/mosquitto/org/#', 1);
          seen[implementation] = { live: await pair.run(probes), version };
        } finally {
          await pair.close();
        }
      }
      assert.deepEqual(seen.mosquitto.version, [`test/mosquitto/org/version=mosquitto version ${seen.mosquitto.version[0]!.split(' ').at(-1)}`]);
      // The recorders subscribe to # and so see no $ topic: each $SYS probe shows only through the bridge.
      for (const expected of ['L|sys-r/connection/probe-r/state|q1|r0|p0', 'L|sys-r/connection/probe-r/state|q1|r1|p1', 'R|sys-l/state|q1|r1|p2', 'L|x/broker/connection/y/state|q1|r0|p5', 'R|x/broker/connection/z/state|q0|r0|p6']) {
        assert.ok(seen.mosquitto.live.includes(expected), `mosquitto forwarded ${expected}: ${seen.mosquitto.live.join(', ')}`);
      }
      assert.ok(!seen.mosquitto.live.some((o) => /\|p[34]$/.test(o) && !o.includes('x/broker/')), `no $SYS probe-x forwarded by the leading wildcard: ${seen.mosquitto.live.join(', ')}`);
      assert.deepEqual(seen.switchboard, seen.mosquitto);
    });
  }
});
