import { hostname } from 'node:os';
import { atoi, parseTopicLine, TopicLineError } from './topic-line.js';

/** A `connection` block of mosquitto.conf as mosquitto 2.0.11 reads it (the options that matter here). */
export interface ConfBridge {
  name: string;
  /** Line of the `connection` keyword. */
  line: number;
  addresses: { host: string; port: number }[];
  /** `topic` lines without the keyword, verbatim (trimmed). */
  topics: string[];
  strings: Map<string, string>;
  booleans: Map<string, boolean>;
  integers: Map<string, number[]>;
  /** Options read and not carried over, with their line, for the notes. */
  ignored: { option: string; line: number }[];
}

export class ConfError extends Error {
  override name = 'ConfError';
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const STRING_OPTIONS: Record<string, string> = {
  remote_clientid: 'remote_clientid',
  clientid: 'remote_clientid',
  remote_username: 'remote_username',
  username: 'remote_username',
  remote_password: 'remote_password',
  password: 'remote_password',
  local_clientid: 'local_clientid',
  local_username: 'local_username',
  local_password: 'local_password',
  notification_topic: 'notification_topic',
  bridge_cafile: 'bridge_cafile',
  bridge_capath: 'bridge_capath',
  bridge_certfile: 'bridge_certfile',
  bridge_keyfile: 'bridge_keyfile',
  bridge_alpn: 'bridge_alpn',
  bridge_identity: 'bridge_identity',
  bridge_psk: 'bridge_psk',
  bridge_tls_version: 'bridge_tls_version',
  bridge_bind_address: 'bridge_bind_address',
};
/** How mosquitto names a string option in its Empty/Duplicate messages (sic: "local clientd"). */
const MESSAGE_NAMES: Record<string, string> = {
  remote_clientid: 'bridge remote clientid',
  remote_username: 'bridge remote_username',
  remote_password: 'bridge remote_password',
  local_clientid: 'bridge local clientd',
  local_username: 'bridge local_username',
  local_password: 'bridge local_password',
};
const CERTIFICATE_OPTIONS = ['bridge_cafile', 'bridge_capath', 'bridge_certfile', 'bridge_keyfile'];
const PSK_OPTIONS = ['bridge_identity', 'bridge_psk'];
const BOOLEAN_OPTIONS = new Set([
  'cleansession', 'local_cleansession', 'try_private', 'notifications', 'notifications_local_only', 'round_robin',
  'bridge_insecure', 'bridge_require_ocsp', 'bridge_outgoing_retain', 'bridge_attempt_unsubscribe',
]);
const INTEGER_OPTIONS = new Set(['keepalive_interval', 'idle_timeout', 'threshold', 'restart_timeout', 'bridge_max_packet_size']);
const OTHER_OPTIONS = new Set(['address', 'addresses', 'topic', 'start_type', 'bridge_protocol_version']);

/**
 * Reads the bridges of a mosquitto.conf with mosquitto 2.0.11's lexing (a comment only when the first byte is
 * `#`, tokens split on spaces only, string options taking the rest of the line) and its checks on bridge
 * options; throws a ConfError naming the line of the first problem, as mosquitto refuses the file there.
 * Options that are not the bridges' (listeners, persistence, ...) are skipped. `host` is the hostname in the
 * default client ids (`<host>.<connection>`), which mosquitto checks for clashes.
 */
export function readMosquittoConf(text: string, host = hostname()): ConfBridge[] {
  const bridges: ConfBridge[] = [];
  let current: ConfBridge | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!.replace(/[\r\n]+$/, '');
    if (raw.length === 0 || raw.startsWith('#')) continue;
    const tokens = raw.split(' ').filter((t) => t.length > 0);
    const keyword = tokens[0];
    if (keyword === undefined) continue;
    const rest = raw.slice(raw.indexOf(keyword) + keyword.length).trim();
    if (keyword.startsWith('#') || keyword.includes('\t')) throw new ConfError(n, `Error: Unknown configuration variable "${keyword}".`);
    if (keyword === 'connection') {
      const name = tokens[1];
      if (name === undefined) throw new ConfError(n, 'Error: Empty connection value in configuration.');
      if (bridges.some((b) => b.name === name)) throw new ConfError(n, `Error: Duplicate bridge name "${name}".`);
      current = { name, line: n, addresses: [], topics: [], strings: new Map(), booleans: new Map(), integers: new Map(), ignored: [] };
      bridges.push(current);
      continue;
    }
    const option = STRING_OPTIONS[keyword] ?? keyword;
    const isBridgeOption = keyword in STRING_OPTIONS || BOOLEAN_OPTIONS.has(keyword) || INTEGER_OPTIONS.has(keyword) || OTHER_OPTIONS.has(keyword);
    if (!isBridgeOption) continue;
    if (!current) throw new ConfError(n, 'Error: Invalid bridge configuration.');
    const b: ConfBridge = current;
    if (keyword === 'topic') {
      try {
        parseTopicLine(rest);
      } catch (err) {
        if (err instanceof TopicLineError) throw new ConfError(n, err.message);
        throw err;
      }
      b.topics.push(rest);
    } else if (keyword === 'address' || keyword === 'addresses') {
      if (b.addresses.length > 0) throw new ConfError(n, 'Error: Invalid bridge configuration.');
      for (const token of tokens.slice(1)) {
        if (token.startsWith('#')) break;
        const colon = token.lastIndexOf(':');
        const host = colon >= 0 ? token.slice(0, colon) : token;
        const port = colon >= 0 ? atoi(token.slice(colon + 1)) : 1883;
        if (port < 1 || port > 65535) throw new ConfError(n, `Error: Invalid port value (${port}).`);
        b.addresses.push({ host, port });
      }
      if (b.addresses.length === 0) throw new ConfError(n, 'Error: Empty address value in configuration.');
    } else if (keyword in STRING_OPTIONS) {
      const name = MESSAGE_NAMES[option] ?? option;
      if (rest.length === 0) throw new ConfError(n, `Error: Empty ${name} value in configuration.`);
      if (b.strings.has(option)) throw new ConfError(n, `Error: Duplicate ${name} value in configuration.`);
      // mosquitto checks the other kind when it reads each TLS option, and names the clash after the option read.
      const clash = CERTIFICATE_OPTIONS.includes(option) ? PSK_OPTIONS : PSK_OPTIONS.includes(option) ? CERTIFICATE_OPTIONS : [];
      if (clash.some((o) => b.strings.has(o))) {
        throw new ConfError(n, `Error: Cannot use both certificate and ${option === 'bridge_identity' ? 'identity' : 'psk'} encryption in a single bridge.`);
      }
      b.strings.set(option, rest);
      if (option.startsWith('local_') || option === 'bridge_bind_address' || option === 'bridge_capath' || option === 'bridge_alpn' || option === 'bridge_identity' || option === 'bridge_psk' || option === 'bridge_tls_version') b.ignored.push({ option: keyword, line: n });
    } else if (BOOLEAN_OPTIONS.has(keyword)) {
      const v = tokens[1];
      if (v === undefined) throw new ConfError(n, `Error: Empty ${keyword} value in configuration.`);
      if (v !== 'true' && v !== 'false' && v !== '1' && v !== '0') throw new ConfError(n, `Error: Invalid ${keyword} value (${v}).`);
      b.booleans.set(keyword, v === 'true' || v === '1');
      if (['local_cleansession', 'round_robin', 'bridge_require_ocsp'].includes(keyword)) b.ignored.push({ option: keyword, line: n });
    } else if (INTEGER_OPTIONS.has(keyword)) {
      const values = tokens.slice(1).map(atoi);
      if (values.length === 0) throw new ConfError(n, `Error: Empty ${keyword} value in configuration.`);
      if (keyword === 'keepalive_interval' && values[0]! > 65535) throw new ConfError(n, 'Error: Bridge keepalive value too high.');
      if (keyword === 'restart_timeout' && values.length > 1 && values[1]! < values[0]!) throw new ConfError(n, 'Error: backoff cap is lower than the base in restart_timeout.');
      b.integers.set(keyword, values);
      if (keyword !== 'keepalive_interval' && keyword !== 'restart_timeout') b.ignored.push({ option: keyword, line: n });
    } else if (keyword === 'start_type' || keyword === 'bridge_protocol_version') {
      if (tokens[1] === undefined) throw new ConfError(n, `Error: Empty ${keyword} value in configuration.`);
    }
    if (keyword === 'start_type') {
      const v = tokens[1];
      if (v === 'manual') throw new ConfError(n, 'Error: Manual start_type not supported.');
      if (v !== 'automatic' && v !== 'lazy' && v !== 'once') throw new ConfError(n, `Error: Invalid start_type value in configuration (${v}).`);
      if (v !== 'automatic') b.ignored.push({ option: `start_type ${v}`, line: n });
    } else if (keyword === 'bridge_protocol_version') {
      const v = tokens[1];
      if (v !== 'mqttv31' && v !== 'mqttv311' && v !== 'mqttv50') throw new ConfError(n, `Error: Invalid bridge_protocol_version value (${v}).`);
      b.strings.set('bridge_protocol_version', v);
    }
  }
  // mosquitto says these without a line; the bridge's `connection` line is given here.
  const localIds = new Set<string>();
  for (const b of bridges) {
    if (b.addresses.length === 0) throw new ConfError(b.line, 'Error: Invalid bridge configuration: no remote addresses defined.');
    if (b.topics.length === 0) throw new ConfError(b.line, 'Error: Invalid bridge configuration: no topics defined.');
    const localId = b.strings.get('local_clientid') ?? `local.${b.strings.get('remote_clientid') ?? `${host}.${b.name}`}`;
    if (localIds.has(localId)) throw new ConfError(b.line, `Error: Bridge local_clientid '${localId}' is not unique. Try changing or setting the local_clientid value for one of the bridges.`);
    localIds.add(localId);
  }
  return bridges;
}
