/** mosquitto bridge configuration the tests share, as the research note and the SUPLA gateway's docs give it. */

/** The research note's mapping table (mosquitto 2.0.11, S1), without its `$SYS` row. */
export const MAPPING_TABLE = [
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

/** The mapping table's `$SYS` row. */
export const SYS_ROW = 'clients/total in 0 test/mosquitto/org/ $SYS/broker/';

/** The topic lines of the bridge block a home-automation gateway (AIS dom) documents for SUPLA. */
export const SUPLA_TOPICS = ['supla/# in', 'homeassistant/# in', 'supla/+/devices/+/channels/+/execute_action out', 'supla/+/devices/+/channels/+/set/+ out'];

/** That whole block, placeholders as its docs write them. */
export const SUPLA = [
  'connection bridge-dom-unikalny-identyfilator-bramki*',
  'address host-i-port-od-supla*',
  ...SUPLA_TOPICS.map((t) => `topic ${t}`),
  'remote_username nazwa-użytkownika-z-supla*',
  'remote_password hasło-z-supla*',
  'bridge_cafile /data/data/pl.sviete.dom/files/usr/etc/tls/cert.pem',
].join('\n');
