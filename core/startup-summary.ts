import type { CoreConfig } from './config/core-schema.js';
import type { ConnectionStatus } from './connection.js';
import type { PluginStatus } from './plugin-host.js';

export interface SummaryInput {
  version: string;
  config: string | undefined;
  broker: { url: string; anonymous: boolean } | undefined;
  http: string | undefined;
  /** The plugins' HTTP routes, as `METHOD path`. */
  routes: string[];
  connections: Record<string, ConnectionStatus>;
  plugins: Record<string, PluginStatus>;
  events: CoreConfig['events'];
}

export interface Summary {
  /** Lines for people: what listens where, what is connected, what each plugin subscribes to, what to try next. */
  text: string;
  /** The same, as data, for JSON logs. */
  details: Record<string, unknown>;
}

/** What the runtime says once it is up. */
export function startupSummary(input: SummaryInput): Summary {
  const lines: string[] = [];
  const row = (label: string, text: string): void => void lines.push(`  ${label.padEnd(12)} ${text}`);
  if (input.config) row('config', input.config);
  if (input.broker) row('broker', `${input.broker.url} (embedded; ${input.broker.anonymous ? 'anonymous clients from loopback only' : 'clients log in'})`);
  if (input.http) row('http', `${input.http}  (health ${input.http}/healthz, metrics ${input.http}/metrics${input.routes.length ? `; ${input.routes.join(', ')}` : ''})`);
  for (const [name, c] of Object.entries(input.connections)) {
    row(`connection`, `${name}  ${c.url}  ${c.state}${c.lastError ? ` (${c.lastError})` : ''}`);
  }
  for (const [name, p] of Object.entries(input.plugins)) {
    const state = p.state === 'failed' ? `failed (${p.error ?? 'unknown error'}), disabled` : p.state;
    row('plugin', `${name} ${p.version}  ${state}${p.subscribes.length ? `; subscribes ${p.subscribes.join(', ')}` : ''}`);
  }
  const next: string[] = [];
  if (input.http && input.routes.includes('GET /')) next.push(`open ${input.http}/ in a browser`);
  if (input.events.enabled) {
    const events = input.connections[input.events.connection];
    const where = events ? brokerArgs(events.url) : '';
    next.push(`watch the events with mosquitto_sub${where} -t '${input.events.prefix}/#' -v`);
  }
  next.push('stop with Ctrl-C');
  row('next', next.join('; '));
  return {
    text: lines.join('\n'),
    details: {
      version: input.version,
      config: input.config,
      broker: input.broker?.url,
      http: input.http,
      connections: Object.fromEntries(Object.entries(input.connections).map(([name, c]) => [name, { url: c.url, state: c.state, ...(c.lastError ? { lastError: c.lastError } : {}) }])),
      plugins: Object.fromEntries(Object.entries(input.plugins).map(([name, p]) => [name, { version: p.version, state: p.state, subscribes: p.subscribes }])),
    },
  };
}

/** mosquitto_sub's -h/-p for a plain mqtt:// URL; nothing for others (TLS and websockets need more than that). */
function brokerArgs(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol !== 'mqtt:') return '';
    return ` -h ${u.hostname.replace(/^\[|\]$/g, '')}${u.port && u.port !== '1883' ? ` -p ${u.port}` : ''}`;
  } catch {
    return '';
  }
}
