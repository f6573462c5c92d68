import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import convict from 'convict';
import type { PluginDefinition } from '../plugin.js';
import { checkContracts } from '../plugin-contract.js';
import { loadPlugin } from '../plugin-loader.js';
import { VERSION } from '../version.js';
import { createAjv } from './ajv.js';
import { ajvProblems, ConfigError, type ConfigProblem } from './config-error.js';
import type { ConnectionConfig } from './connection-schema.js';
import { coreSchema, PLUGIN_SECTION_KEYS, pluginSectionSchema, type CoreConfig } from './core-schema.js';
import { toConvictSchema } from './convict-schema.js';
import { walkWithSchema } from './schema-walk.js';

export const DEFAULT_CONFIG_FILE = 'runtime.config.json';

/** The user name Switchboard's own connection logs in to its embedded broker with. */
export const OWN_USERNAME = 'switchboard-runtime';

export interface LoadOptions {
  /** Path of the configuration file (default: runtime.config.json in `cwd`). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides such as `--broker-port 1884`. */
  args?: string[];
  cwd?: string;
}

export interface PluginConfig {
  readonly name: string;
  readonly definition: PluginDefinition;
  /** The plugin's own options, validated, with defaults filled in. */
  readonly options: Record<string, unknown>;
  readonly optional: boolean;
  readonly module?: string;
}

/** The validated configuration: what the runtime is built from. */
export interface RuntimeConfig {
  readonly file: string;
  readonly baseDir: string;
  /** Core keys with defaults, environment and command line applied; paths made absolute. */
  readonly core: CoreConfig;
  readonly connections: Readonly<Record<string, ConnectionConfig>>;
  /** Enabled plugins, in the order they are configured, except that each comes after the plugins it depends on. */
  readonly plugins: readonly PluginConfig[];
  readonly disabled: readonly string[];
  /** connections.local was not configured and points at the embedded broker (its port is known once it listens). */
  readonly localIsEmbedded: boolean;
}

const ajv = createAjv();
const validateCore = ajv.compile(coreSchema);
const validateSection = ajv.compile(pluginSectionSchema);
const convictSchema = toConvictSchema(coreSchema);

/**
 * Reads, validates and resolves runtime.config.json. Throws a ConfigError listing every problem by its
 * path; nothing is started on the way.
 */
export async function loadConfig(opts: LoadOptions = {}): Promise<RuntimeConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const file = resolve(cwd, opts.file ?? DEFAULT_CONFIG_FILE);
  const baseDir = dirname(file);
  const raw = await readJson(file);
  const problems: ConfigProblem[] = [];
  const expanded = expandEnv(raw, '', env, problems) as Record<string, unknown>;

  // The file as written, so that each problem is reported as the user wrote it...
  validateCore(structuredClone(expanded));
  problems.push(...ajvProblems('', validateCore.errors));
  // ...then environment and flags applied over it by convict, and the result validated once more.
  const merged = mergeWithConvict(expanded, env, opts.args ?? [], problems);
  validateCore(merged);
  addNew(problems, ajvProblems('', validateCore.errors).map((p) => fromEnvironment(p, env)));
  const core = merged as unknown as CoreConfig;

  const connections = core.connections as Record<string, ConnectionConfig>;
  const localIsEmbedded = connections.local === undefined;
  if (localIsEmbedded) connections.local = defaultLocal(core);
  // TLS files: paths made absolute and each checked now rather than at connection time.
  const tlsFiles: [string, { ca?: string; cert?: string; key?: string; passphrase?: string } | undefined][] = [];
  for (const [name, conn] of Object.entries(connections)) {
    if (conn.clean === false && !conn.clientId) problems.push({ path: `connections.${name}.clientId`, message: 'is required for a persistent session (clean: false): the broker finds the session by it' });
    tlsFiles.push([`connections.${name}.tls`, conn.tls]);
  }
  const brokerTls = core.broker.tls;
  if (core.broker.embedded && brokerTls.enabled) {
    tlsFiles.push(['broker.tls', brokerTls]);
    for (const key of ['cert', 'key'] as const) {
      if (!brokerTls[key]) problems.push({ path: `broker.tls.${key}`, message: 'is required for the TLS listener (broker.tls.enabled)' });
    }
  }
  for (const [at, tls] of tlsFiles) {
    for (const key of ['ca', 'cert', 'key'] as const) {
      if (!tls?.[key]) continue;
      tls[key] = resolve(baseDir, tls[key]);
      const problem = await pemProblem(tls[key], key, tls.passphrase || undefined);
      if (problem) problems.push({ path: `${at}.${key}`, message: problem });
    }
  }
  const names = new Set(Object.keys(connections));
  problems.push(...connectionRefs(coreSchema, core, '', names));
  core.state.dir = resolve(baseDir, core.state.dir);

  const plugins: PluginConfig[] = [];
  const disabled: string[] = [];
  for (const [name, section] of Object.entries(core.plugins as Record<string, Record<string, unknown>>)) {
    const path = `plugins.${name}`;
    const keys = structuredClone(section);
    if (!validateSection(keys)) {
      problems.push(...ajvProblems(path, validateSection.errors));
      continue;
    }
    if (keys.enabled === false) {
      disabled.push(name);
      continue;
    }
    const module = keys.module as string | undefined;
    let definition: PluginDefinition;
    try {
      definition = await loadPlugin(name, module, baseDir);
    } catch (err) {
      problems.push({ path, message: (err as Error).message });
      continue;
    }
    const options = Object.fromEntries(Object.entries(structuredClone(section)).filter(([k]) => !PLUGIN_SECTION_KEYS.includes(k)));
    const validate = ajv.compile(definition.schema as object);
    if (!validate(options)) {
      problems.push(...ajvProblems(path, validate.errors));
      continue;
    }
    problems.push(...connectionRefs(definition.schema, options, path, names));
    for (const p of definition.validate?.(options) ?? []) problems.push({ path: p.path ? `${path}.${p.path}` : path, message: p.message });
    plugins.push({ name, definition, options, optional: keys.optional === true, ...(module ? { module } : {}) });
  }

  const { ordered, problems: contract } = checkContracts(plugins, VERSION, disabled);
  problems.push(...contract);
  if (problems.length > 0) throw new ConfigError(problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  // Frozen, so that no plugin changes what another sees; plugin definitions are the plugins' own objects and stay as they are.
  for (const plugin of plugins) deepFreeze(plugin.options);
  return Object.freeze({ file, baseDir, core: deepFreeze(core), connections, plugins: Object.freeze(ordered.map((p) => Object.freeze(p))), disabled, localIsEmbedded });
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([{ path: file, message: code === 'ENOENT' ? 'no such file (pass --config FILE, or create runtime.config.json)' : (err as Error).message }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? lineAndColumn(text, Number(at[1])) : '';
    throw new ConfigError([{ path: `${file}${where}`, message: `not valid JSON: ${message}` }]);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError([{ path: file, message: 'must hold a JSON object' }]);
  return value as Record<string, unknown>;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return `:${before.length}:${before[before.length - 1]!.length + 1}`;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${NAME}` in every string with the environment variable, so that secrets stay out of the file. */
function expandEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (ref, name: string) => {
      const found = env[name];
      if (found === undefined) {
        problems.push({ path: path || '(root)', message: `refers to the environment variable ${name}, which is not set` });
        return ref;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${path}[${i}]`, env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, path ? `${path}.${k}` : k, env, problems)]));
  }
  return value;
}

function mergeWithConvict(file: Record<string, unknown>, env: NodeJS.ProcessEnv, args: string[], problems: ConfigProblem[]): Record<string, unknown> {
  const config = convict(convictSchema, { env, args });
  config.load(file);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    for (const line of (err as Error).message.split('\n')) {
      const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
      if (undeclared) addNew(problems, [{ path: undeclared[1]!, message: 'is not a known option' }]);
      else if (line.includes(': ')) addNew(problems, [fromEnvironment({ path: line.slice(0, line.indexOf(': ')), message: line.slice(line.indexOf(': ') + 2) }, env)]);
    }
  }
  return dropUnset(config.getProperties(), coreSchema);
}

/** Convict gives a key without a default (an optional secret, say) the value null: unset means absent. */
function dropUnset(value: Record<string, unknown>, schema: { properties?: Record<string, unknown> }): Record<string, unknown> {
  for (const [key, prop] of Object.entries(schema.properties ?? {}) as [string, { properties?: Record<string, unknown>; default?: unknown }][]) {
    const here = value[key];
    if (prop.properties && here && typeof here === 'object') dropUnset(here as Record<string, unknown>, prop);
    else if (here === null && prop.default === undefined) delete value[key];
  }
  return value;
}

/** Says so when a problem's value came from its environment variable rather than the file. */
function fromEnvironment(problem: ConfigProblem, env: NodeJS.ProcessEnv): ConfigProblem {
  let schema: unknown = coreSchema;
  for (const key of problem.path.split('.')) schema = (schema as { properties?: Record<string, unknown> } | undefined)?.properties?.[key];
  const variable = (schema as { 'x-env'?: string } | undefined)?.['x-env'];
  return variable && env[variable] !== undefined ? { ...problem, message: `${problem.message} (from the environment variable ${variable}=${JSON.stringify(env[variable])})` } : problem;
}

/** Adds problems at paths that have none yet (the same mistake seen again after convict's coercion). */
function addNew(problems: ConfigProblem[], more: ConfigProblem[]): void {
  for (const p of more) {
    if (!problems.some((q) => q.path === p.path || p.path.startsWith(`${q.path}.`) || p.path.startsWith(`${q.path}[`))) problems.push(p);
  }
}

/** The URL a client on this machine reaches a listener on `host` by (a wildcard address: by loopback). */
export function localMqttUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `mqtt://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function defaultLocal(core: CoreConfig): ConnectionConfig {
  const local: Record<string, unknown> = { url: localMqttUrl(core.broker.host, core.broker.port) };
  if (core.broker.embedded) {
    // Switchboard's own login on its embedded broker: made anew at every start, known to no one else.
    local.username = OWN_USERNAME;
    local.password = randomBytes(24).toString('base64url');
  } else if (core.broker.username) {
    local.username = core.broker.username;
    local.password = core.broker.password;
  }
  const validate = ajv.compile((coreSchema.properties.connections as { additionalProperties: object }).additionalProperties);
  validate(local);
  return local as unknown as ConnectionConfig;
}

/** Problems for values marked `x-connection` that name no configured connection. */
function connectionRefs(schema: unknown, value: unknown, base: string, names: Set<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  walkWithSchema(schema, value, base, (s, v, path) => {
    if (s['x-connection'] && typeof v === 'string' && !names.has(v)) {
      problems.push({ path, message: `no connection named "${v}" (connections: ${[...names].join(', ')})` });
    }
    return v;
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Why a TLS file cannot be used (unreadable, not PEM, not a certificate or key), checked now rather than at connection time. */
async function pemProblem(file: string, kind: 'ca' | 'cert' | 'key', passphrase: string | undefined): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) return `${file} is not a PEM file (no "-----BEGIN ...-----" line)`;
  try {
    if (kind === 'key') createPrivateKey(passphrase === undefined ? text : { key: text, passphrase });
    else for (const block of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [null]) new X509Certificate(block ?? '');
  } catch (err) {
    return `${file} does not hold a valid ${kind === 'key' ? 'private key' : 'PEM certificate'}: ${(err as Error).message}`;
  }
  return undefined;
}
