import { readFile } from 'node:fs/promises';
import type { CommandIO, PluginCommand } from '../../core/index.js';

/** The parts of an MQTTX connection export that HomeLINK's dashboard fills in. */
interface MqttxConnection {
  name?: unknown;
  clientId?: unknown;
  username?: unknown;
  password?: unknown;
  host?: unknown;
  port?: unknown;
  protocol?: unknown;
  keepalive?: unknown;
  path?: unknown;
  subscriptions?: unknown;
}

/** A connection of the export with what the configuration needs. */
type ExportedConnection = MqttxConnection & { host: string; clientId: string; username: string; password: string };

const PROTOCOLS = new Set(['mqtt', 'mqtts', 'ws', 'wss']);

const PASSWORD_VARIABLE = 'HOMELINK_PASSWORD';

/** A problem with the export file: printed as is, exit status 2. */
class ExportError extends Error {}

export const importMqttxCommand: PluginCommand = {
  summary: 'turn the MQTTX export from HomeLINK\'s dashboard (Access Keys) into the configuration of a connection and of this plugin',
  usage:
    'switchboard homelink import-mqttx FILE [--connection homelink] [--name NAME] [--inline-password]\n\n' +
    'Prints JSON to merge into runtime.config.json. The password is written as "${HOMELINK_PASSWORD}" (set that\n' +
    'variable where Switchboard runs) unless --inline-password puts it in the file. --name picks one connection\n' +
    'when the export holds several.',
  options: {
    connection: { type: 'string', default: 'homelink', value: 'NAME', description: 'name of the connection to write' },
    name: { type: 'string', value: 'NAME', description: 'which of the export\'s connections, when it holds several' },
    'inline-password': { type: 'boolean', default: false, description: 'write the password into the configuration instead of "${HOMELINK_PASSWORD}"' },
  },
  async run(args, io) {
    const [file] = args.positionals;
    if (file === undefined) return fail(io, 'which file? (the MQTTX export downloaded from HomeLINK\'s dashboard)');
    try {
      const exported = pick(parseExport(await readFile(file, 'utf8').catch((err: Error) => Promise.reject(new ExportError(err.message))), file), args.values.name as string | undefined);
      const inline = args.values['inline-password'] === true;
      const snippet = configSnippet(exported, String(args.values.connection), inline);
      io.stdout.write(`${JSON.stringify(snippet, null, 2)}\n`);
      if (!inline) io.stderr.write(`Set ${PASSWORD_VARIABLE} to the password from the export where Switchboard runs (or rerun with --inline-password).\n`);
      io.stderr.write(
        'The connection asks for a persistent session (clean: false) with the export\'s client id, so that the broker keeps messages while Switchboard restarts; ' +
          'no other client (such as another integration) may use that client id at the same time.\n',
      );
      return 0;
    } catch (err) {
      if (err instanceof ExportError) return fail(io, err.message);
      throw err;
    }
  },
};

/** The configuration to merge: the connection, and the plugin subscribing on it. */
export function configSnippet(c: ExportedConnection, connection: string, inlinePassword: boolean): object {
  const protocol = typeof c.protocol === 'string' && PROTOCOLS.has(c.protocol) ? c.protocol : 'mqtts';
  const port = typeof c.port === 'number' ? c.port : 8883;
  const path = protocol.startsWith('ws') && typeof c.path === 'string' ? c.path : '';
  return {
    connections: {
      [connection]: {
        url: `${protocol}://${c.host}:${port}${path}`,
        protocolVersion: '3.1.1',
        clientId: c.clientId,
        username: c.username,
        password: inlinePassword ? c.password : `\${${PASSWORD_VARIABLE}}`,
        clean: false,
        ...(typeof c.keepalive === 'number' ? { keepalive: c.keepalive } : {}),
      },
    },
    plugins: {
      homelink: { connection, topicRoot: topicRoot(c.subscriptions) },
    },
  };
}

/** The landlord reference: the first level of every subscription, which must agree. */
export function topicRoot(subscriptions: unknown): string {
  if (!Array.isArray(subscriptions) || subscriptions.length === 0) throw new ExportError('the export lists no subscriptions, so the topic root (the landlord reference) is unknown');
  const roots = new Set<string>();
  for (const s of subscriptions) {
    const topic = (s as { topic?: unknown } | null)?.topic;
    if (typeof topic !== 'string' || topic === '') throw new ExportError(`a subscription has no topic: ${JSON.stringify(s)}`);
    const root = topic.split('/')[0]!;
    if (root === '' || root === '+' || root === '#') throw new ExportError(`subscription "${topic}" does not start with the landlord reference`);
    roots.add(root);
  }
  if (roots.size > 1) throw new ExportError(`the subscriptions disagree on the topic root: ${[...roots].join(', ')}; set plugins.homelink.topicRoot yourself`);
  return [...roots][0]!;
}

function parseExport(text: string, file: string): ExportedConnection[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ExportError(`${file} is not JSON (${(err as Error).message}); expected the MQTTX export from HomeLINK's dashboard`);
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(isConnection)) {
    throw new ExportError(`${file} is not an MQTTX connection export: each connection needs host, clientId, username, password and subscriptions`);
  }
  return list;
}

function isConnection(value: unknown): value is ExportedConnection {
  if (!value || typeof value !== 'object') return false;
  const c = value as MqttxConnection;
  return typeof c.host === 'string' && typeof c.clientId === 'string' && typeof c.username === 'string' && typeof c.password === 'string' && Array.isArray(c.subscriptions);
}

function pick(list: ExportedConnection[], name: string | undefined): ExportedConnection {
  const names = list.map((c) => String(c.name));
  const chosen = name === undefined ? (list.length === 1 ? list[0] : undefined) : list.find((c) => c.name === name);
  if (!chosen) {
    throw new ExportError(name === undefined ? `the export holds ${list.length} connections (${names.join(', ')}); choose one with --name` : `no connection named "${name}" in the export (${names.join(', ')})`);
  }
  return chosen;
}

function fail(io: CommandIO, message: string): number {
  io.stderr.write(`switchboard homelink import-mqttx: ${message}\n`);
  return 2;
}
