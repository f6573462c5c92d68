import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CommandIO, PluginCommand } from '../../core/index.js';
import { ConfError, readMosquittoConf, type ConfBridge } from './mosquitto-conf.js';
import { defaultNotificationTopic } from './notifications.js';
import type { BridgeOptions } from './schema.js';

const USAGE = 2;

/** The runtime configuration (connections and the plugin's section) that a mosquitto.conf's bridges become. */
export interface ImportedConfig {
  connections: Record<string, Record<string, unknown>>;
  plugins: { 'mosquitto-bridge': { bridges: Record<string, unknown>[] } };
}

/** Converts what readMosquittoConf read; `notes` gets what does not carry over or needs doing. */
export function importBridges(bridges: ConfBridge[], notes: string[], host = hostname()): ImportedConfig {
  const connections: ImportedConfig['connections'] = {};
  const out: Record<string, unknown>[] = [];
  for (const b of bridges) {
    const connection = connectionName(b.name, connections);
    const env = `SWITCHBOARD_${connection.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const s = (k: string): string | undefined => b.strings.get(k);
    const bool = (k: string, d: boolean): boolean => b.booleans.get(k) ?? d;
    const tls: Record<string, unknown> = {};
    if (s('bridge_cafile')) tls.ca = s('bridge_cafile');
    if (s('bridge_certfile')) tls.cert = s('bridge_certfile');
    if (s('bridge_keyfile')) tls.key = s('bridge_keyfile');
    if (bool('bridge_insecure', false)) tls.verifyHostname = false;
    const secure = s('bridge_cafile') !== undefined || s('bridge_capath') !== undefined;
    const [first, ...others] = b.addresses;
    const address = first!.host.includes(':') ? `[${first!.host}]` : first!.host;
    const conn: Record<string, unknown> = {
      url: `${secure ? 'mqtts' : 'mqtt'}://${address}:${first!.port}`,
      clientId: s('remote_clientid') ?? `${host}.${b.name}`,
      clean: bool('cleansession', false),
      protocolVersion: s('bridge_protocol_version') === 'mqttv50' ? '5' : '3.1.1',
      bridgeMode: bool('try_private', true),
      keepalive: Math.max(5, b.integers.get('keepalive_interval')?.[0] ?? 60),
    };
    if (s('remote_username') !== undefined) conn.username = `\${${env}_USERNAME}`;
    if (s('remote_password') !== undefined) conn.password = `\${${env}_PASSWORD}`;
    const restart = b.integers.get('restart_timeout');
    if (restart) conn.reconnect = { minDelay: Math.max(1, restart[0]!), maxDelay: Math.max(1, restart[1] ?? 30, restart[0]!) };
    if (Object.keys(tls).length > 0) conn.tls = tls;
    connections[connection] = conn;

    const bridge: Record<string, unknown> = { name: b.name, local: 'local', remote: connection, topics: b.topics };
    if (!bool('notifications', true)) bridge.notifications = false;
    if (bool('notifications_local_only', false)) bridge.notificationsLocalOnly = true;
    if (s('notification_topic') !== undefined) bridge.notificationTopic = s('notification_topic');
    else bridge.notificationTopic = defaultNotificationTopic(conn.clientId as string);
    if (!bool('bridge_outgoing_retain', true)) bridge.outgoingRetain = false;
    if (!bool('bridge_attempt_unsubscribe', true)) bridge.attemptUnsubscribe = false;
    out.push(bridge);

    const at = `connection ${b.name} (line ${b.line})`;
    if (s('remote_username') !== undefined || s('remote_password') !== undefined) {
      notes.push(`${at}: set ${[s('remote_username') !== undefined ? `${env}_USERNAME` : '', s('remote_password') !== undefined ? `${env}_PASSWORD` : ''].filter(Boolean).join(' and ')} to its remote_username / remote_password`);
    }
    if (others.length > 0) notes.push(`${at}: only the first address is used (${first!.host}:${first!.port}); a connection has one URL`);
    if (s('bridge_protocol_version') === 'mqttv31') notes.push(`${at}: mqttv31 becomes MQTT 3.1.1`);
    if (s('bridge_capath')) notes.push(`${at}: bridge_capath is not supported; name a CA file in tls.ca (the system's CAs are used meanwhile)`);
    for (const { option, line } of b.ignored) {
      if (option === 'bridge_capath') continue;
      notes.push(`${at}: ${option} (line ${line}) does not carry over (${why(option)})`);
    }
  }
  return { connections, plugins: { 'mosquitto-bridge': { bridges: out } } };
}

function why(option: string): string {
  if (option.startsWith('local_')) return 'the local side is the runtime\'s "local" connection';
  if (option.startsWith('start_type') || option === 'threshold' || option === 'idle_timeout') return 'bridges connect at start and reconnect with back-off';
  if (option.startsWith('bridge_identity') || option.startsWith('bridge_psk')) return 'TLS-PSK is not supported by the connection\'s TLS options';
  return 'no equivalent in a Switchboard connection';
}

function connectionName(bridge: string, taken: Record<string, unknown>): string {
  const base = bridge.replace(/[^A-Za-z0-9_-]/g, '_') || 'bridge';
  let name = base === 'local' ? 'local_remote' : base;
  for (let i = 2; name in taken; i++) name = `${base}_${i}`;
  return name;
}

/** The mosquitto.conf block of a configured bridge; `connection` is its remote connection's options as written in the file. */
export function exportBridge(bridge: BridgeOptions, connection: Record<string, unknown>, notes: string[]): string {
  const lines = [`connection ${bridge.name}`];
  const url = new URL(String(connection.url));
  const port = url.port || (url.protocol === 'mqtts:' || url.protocol === 'ssl:' ? '8883' : '1883');
  lines.push(`address ${url.hostname.replace(/^\[(.*)\]$/, '$1')}:${port}`);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') notes.push(`bridge ${bridge.name}: mosquitto bridges speak MQTT over TCP; ${url.protocol}// does not carry over`);
  if (typeof connection.clientId === 'string') lines.push(`remote_clientid ${connection.clientId}`);
  for (const [key, option] of [['username', 'remote_username'], ['password', 'remote_password']] as const) {
    const value = connection[key];
    if (typeof value !== 'string') continue;
    lines.push(`${option} ${value}`);
    if (/\$\{[^}]+\}/.test(value)) notes.push(`bridge ${bridge.name}: mosquitto does not read environment variables; replace ${value} in ${option}`);
  }
  lines.push(`cleansession ${connection.clean === false ? 'false' : 'true'}`);
  if (typeof connection.keepalive === 'number') lines.push(`keepalive_interval ${Math.max(5, connection.keepalive)}`);
  lines.push(`bridge_protocol_version ${connection.protocolVersion === '5' ? 'mqttv50' : 'mqttv311'}`);
  lines.push(`try_private ${connection.bridgeMode === true || connection.bridgeMode === undefined ? 'true' : 'false'}`);
  const reconnect = connection.reconnect as { minDelay?: number; maxDelay?: number } | undefined;
  if (reconnect) lines.push(`restart_timeout ${Math.max(1, Math.round(reconnect.minDelay ?? 1))} ${Math.max(1, Math.round(reconnect.maxDelay ?? 60))}`);
  const tls = (connection.tls ?? {}) as Record<string, unknown>;
  if (typeof tls.ca === 'string') lines.push(`bridge_cafile ${tls.ca}`);
  else if (url.protocol === 'mqtts:' || url.protocol === 'ssl:') notes.push(`bridge ${bridge.name}: TLS with the system's CAs; mosquitto needs bridge_cafile or bridge_capath`);
  if (typeof tls.cert === 'string') lines.push(`bridge_certfile ${tls.cert}`);
  if (typeof tls.key === 'string') lines.push(`bridge_keyfile ${tls.key}`);
  if (tls.verifyHostname === false || tls.trustAll === true) lines.push('bridge_insecure true');
  if (bridge.notifications === false) lines.push('notifications false');
  if (bridge.notificationsLocalOnly === true) lines.push('notifications_local_only true');
  if (bridge.notificationTopic !== undefined) lines.push(`notification_topic ${bridge.notificationTopic}`);
  if (bridge.outgoingRetain === false) lines.push('bridge_outgoing_retain false');
  if (bridge.attemptUnsubscribe === false) lines.push('bridge_attempt_unsubscribe false');
  if (bridge.parentLevelQuirk === false) notes.push(`bridge ${bridge.name}: mosquitto always remaps a prefix's parent level its own way (parentLevelQuirk: false does not carry over)`);
  for (const line of bridge.topics) lines.push(`topic ${line.trim()}`);
  return `${lines.join('\n')}\n`;
}

export const importCommand: PluginCommand = {
  summary: 'print the configuration of every bridge (connection block) of a mosquitto.conf',
  usage: [
    'switchboard mosquitto-bridge import <mosquitto.conf>',
    '',
    'stdout: JSON with "connections" (one per bridge: address, client id, session, TLS, credentials as ${ENV} placeholders)',
    'and "plugins": {"mosquitto-bridge": {"bridges": [...]}} with the topic lines as written; merge it into runtime.config.json.',
    'stderr: what does not carry over. Exit 2, with the line, where mosquitto would refuse the file.',
  ].join('\n'),
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) return fail(io, 'switchboard mosquitto-bridge import: name the mosquitto.conf to read');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      return fail(io, `cannot read ${file}: ${(err as Error).message}`);
    }
    let bridges: ConfBridge[];
    try {
      bridges = readMosquittoConf(text);
    } catch (err) {
      if (err instanceof ConfError) return fail(io, `${file}:${err.line}: ${err.message.replace(/^line \d+: /, '')}`);
      throw err;
    }
    if (bridges.length === 0) return fail(io, `${file}: no connection blocks (bridges) in it`);
    const notes: string[] = [];
    io.stdout.write(`${JSON.stringify(importBridges(bridges, notes), null, 2)}\n`);
    for (const note of notes) io.stderr.write(`note: ${note}\n`);
    return 0;
  },
};

export const exportCommand: PluginCommand = {
  summary: 'write the configured bridges as mosquitto.conf connection blocks',
  usage: [
    'switchboard mosquitto-bridge export [--config FILE] [--bridge NAME]',
    '',
    'stdout: a `connection` block per bridge (or only NAME), to append to mosquitto.conf after its other options.',
    'stderr: what does not carry over.',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'the configuration to read the bridges from (default: runtime.config.json)' },
    bridge: { type: 'string', value: 'NAME', description: 'only the bridge of this name' },
  },
  async run(args, io) {
    const configFile = args.values.config as string | undefined;
    const options = (await io.pluginOptions(configFile)) as { bridges: BridgeOptions[] };
    const raw = JSON.parse(await readFile(resolve(configFile ?? 'runtime.config.json'), 'utf8')) as { connections?: Record<string, Record<string, unknown>> };
    const only = args.values.bridge as string | undefined;
    const bridges = options.bridges.filter((b) => only === undefined || b.name === only);
    if (bridges.length === 0) return fail(io, only ? `no bridge named "${only}" (bridges: ${options.bridges.map((b) => b.name).join(', ') || 'none'})` : 'no bridges are configured');
    const notes: string[] = [];
    const blocks = bridges.map((b) => exportBridge(b, raw.connections?.[b.remote] ?? {}, notes));
    io.stdout.write(blocks.join('\n'));
    for (const note of notes) io.stderr.write(`note: ${note}\n`);
    return 0;
  },
};

function fail(io: CommandIO, message: string): number {
  io.stderr.write(`${message}\n`);
  return USAGE;
}
