import assert from 'node:assert/strict';
import { exportBridge, importBridges } from '../../../plugins/mosquitto-bridge/conf-commands.js';
import { readMosquittoConf } from '../../../plugins/mosquitto-bridge/mosquitto-conf.js';
import type { BridgeOptions } from '../../../plugins/mosquitto-bridge/schema.js';
import { MAPPING_TABLE, SUPLA, SYS_ROW } from '../../helpers/bridge-conf.js';

// The research note's accepted lines (its mapping table, S1).
const NOTE_LINES = [...MAPPING_TABLE, SYS_ROW];


function roundTrip(conf: string): { imported: ReturnType<typeof importBridges>; exported: string } {
  const imported = importBridges(readMosquittoConf(conf), [], 'gw');
  const bridge = imported.plugins['mosquitto-bridge'].bridges[0] as unknown as BridgeOptions;
  const exported = exportBridge(bridge, imported.connections[bridge.remote]!, []);
  return { imported, exported };
}

describe('mosquitto-bridge: mosquitto.conf import and export', () => {
  it('imports the SUPLA block: address, credentials as ${ENV} placeholders, TLS CA, the topic lines as written', () => {
    const notes: string[] = [];
    const imported = importBridges(readMosquittoConf(SUPLA), notes, 'gw');
    const connection = imported.connections['bridge-dom-unikalny-identyfilator-bramki_']!;
    assert.deepEqual(connection, {
      url: 'mqtts://host-i-port-od-supla*:1883',
      clientId: 'gw.bridge-dom-unikalny-identyfilator-bramki*',
      clean: false,
      protocolVersion: '3.1.1',
      bridgeMode: true,
      keepalive: 60,
      username: '${SWITCHBOARD_BRIDGE_DOM_UNIKALNY_IDENTYFILATOR_BRAMKI__USERNAME}',
      password: '${SWITCHBOARD_BRIDGE_DOM_UNIKALNY_IDENTYFILATOR_BRAMKI__PASSWORD}',
      tls: { ca: '/data/data/pl.sviete.dom/files/usr/etc/tls/cert.pem' },
    });
    const [bridge] = imported.plugins['mosquitto-bridge'].bridges;
    assert.deepEqual(bridge!.topics, ['supla/# in', 'homeassistant/# in', 'supla/+/devices/+/channels/+/execute_action out', 'supla/+/devices/+/channels/+/set/+ out']);
    assert.equal(bridge!.remote, 'bridge-dom-unikalny-identyfilator-bramki_');
    assert.equal(bridge!.notificationTopic, '$SYS/broker/connection/gw.bridge-dom-unikalny-identyfilator-bramki*/state');
    assert.ok(notes.some((n) => /SWITCHBOARD_BRIDGE_DOM_UNIKALNY_IDENTYFILATOR_BRAMKI__PASSWORD/.test(n)));
    assert.ok(!JSON.stringify(imported).includes('hasło'), 'the password itself is not printed');
  });

  it('round trip: export of the import gives back the same topic lines, and import of the export the same configuration', () => {
    for (const conf of [SUPLA, ['connection note', 'address 127.0.0.1:1884', ...NOTE_LINES.map((l) => `topic ${l}`)].join('\n')]) {
      const { imported, exported } = roundTrip(conf);
      const topicLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('topic '));
      assert.deepEqual(topicLines(exported), topicLines(conf));
      const again = importBridges(readMosquittoConf(exported), [], 'gw');
      assert.deepEqual(again.plugins, imported.plugins);
    }
  });

  it('lexes as mosquitto: comments only at the first byte, spaces only, string options to the end of the line, CRLF', () => {
    const [b] = readMosquittoConf('# comment\r\nlistener 1883\r\nconnection a extra\r\naddress h:1\r\nremote_password a b c \r\ntopic x   in  1\r\n');
    assert.equal(b!.name, 'a');
    assert.equal(b!.strings.get('remote_password'), 'a b c');
    assert.deepEqual(b!.topics, ['x   in  1']);
    assert.deepEqual(b!.addresses, [{ host: 'h', port: 1 }]);
  });

  const refused: [string, RegExp][] = [
    ['topic x out\nconnection a', /^line 1: Error: Invalid bridge configuration\.$/],
    ['connection a\naddress h\ntopic "" out 0 homelink/joe/# homelink/joe/#', /^line 3: Error: Invalid bridge topic local prefix 'homelink\/joe\/#'\.$/],
    ['connection a\naddress h\ntopic # in 0 L', /^line 3: Error: Invalid bridge topic local prefix and pattern combination 'L#'\.$/],
    ['connection a\naddress h\ntopic "" out 0 L/', /^line 3: Error: Invalid bridge remapping\.$/],
    ['connection a\naddress h\ntopic x in 3', /^line 3: Error: Invalid bridge QoS level '3'\.$/],
    ['connection a\naddress h\ntopic x sideways', /^line 3: Error: Invalid bridge topic direction 'sideways'\.$/],
    ['connection a\naddress h\n  # indented\ntopic x', /^line 3: Error: Unknown configuration variable "#"\.$/],
    ['connection a\naddress h\ntopic\tx', /^line 3: Error: Unknown configuration variable "topic\tx"\.$/],
    ['connection a\naddress h\ntopic x\nconnection a', /^line 4: Error: Duplicate bridge name "a"\.$/],
    ['connection a\naddress h\naddress g\ntopic x', /^line 3: Error: Invalid bridge configuration\.$/],
    ['connection a\naddress h:0\ntopic x', /^line 2: Error: Invalid port value \(0\)\.$/],
    ['connection a\naddress h\ntopic x\ntry_private maybe', /^line 4: Error: Invalid try_private value \(maybe\)\.$/],
    ['connection a\naddress h\ntopic x\nbridge_protocol_version mqttv5', /^line 4: Error: Invalid bridge_protocol_version value \(mqttv5\)\.$/],
    ['connection a\naddress h\ntopic x\nstart_type manual', /^line 4: Error: Manual start_type not supported\.$/],
    ['connection a\naddress h\ntopic x\nremote_clientid a\nremote_clientid b', /^line 5: Error: Duplicate bridge remote clientid value in configuration\.$/],
    ['connection a\ntopic x', /^line 1: Error: Invalid bridge configuration: no remote addresses defined\.$/],
    ['connection a\naddress h', /^line 1: Error: Invalid bridge configuration: no topics defined\.$/],
    ['connection a\naddress h\ntopic x\nbridge_cafile /ca\nbridge_identity id', /^line 5: Error: Cannot use both certificate and identity encryption in a single bridge\.$/],
  ];
  for (const [conf, message] of refused) {
    it(`refuses, with the line, what mosquitto refuses: ${JSON.stringify(conf.split('\n').at(-1))}`, () => {
      assert.throws(() => readMosquittoConf(conf), (err: Error) => {
        assert.equal(err.name, 'ConfError');
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
