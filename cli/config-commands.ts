import type { CommandArgs, CommandIO, CommandOption } from '../core/index.js';
import { ConfigError, coreSchema, eachOption, loadConfig, PLUGIN_SECTION_KEYS, redact, redactUrl, type RuntimeConfig, type SchemaNode } from '../core/host.js';
import { EXIT, write, type Command } from './command.js';

export const CONFIG_OPTION = { config: { type: 'string', short: 'c', value: 'FILE', description: 'configuration file (default: runtime.config.json)' } } satisfies Record<string, CommandOption>;

/** Flags that override core keys (`--broker-port 1884`), from the core schema's `x-arg`, described as the key is. */
export const OVERRIDE_FLAGS: Record<string, CommandOption> = overrideFlags(coreSchema as SchemaNode);

function overrideFlags(schema: SchemaNode): Record<string, CommandOption> {
  const flags: Record<string, CommandOption> = {};
  eachOption(schema, (path, option) => {
    const flag = option['x-arg'];
    if (!flag) return;
    const value = option.type === 'boolean' ? 'true|false' : path.slice(path.lastIndexOf('.') + 1).toUpperCase();
    const oneOf = option.enum ? ` One of ${option.enum.join(', ')}.` : '';
    flags[flag] = { type: 'string', value, description: `${path}: ${option.description ?? ''}${oneOf}` };
  });
  return flags;
}

/** Loads the configuration named by --config (and flag overrides), or prints every problem and returns null. */
export async function loadOrReport(args: CommandArgs, io: CommandIO): Promise<RuntimeConfig | null> {
  const overrides = Object.keys(OVERRIDE_FLAGS).flatMap((flag) => (args.values[flag] === undefined ? [] : [`--${flag}`, String(args.values[flag])]));
  try {
    return await loadConfig({ file: args.values.config as string | undefined, args: overrides });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const n = err.problems.length;
    write(io.stderr, `switchboard: the configuration has ${n} problem${n === 1 ? '' : 's'}; nothing was started:`);
    for (const p of err.problems) write(io.stderr, `  ${p.path}: ${p.message}`);
    return null;
  }
}

/**
 * A command that works on the configuration: it takes --config (and the override flags, unless `overrides` is
 * false) and no positionals, and runs only once the configuration loaded; one with problems exits 2.
 */
export function configCommand(spec: Pick<Command, 'name' | 'summary' | 'usage'> & { overrides?: boolean; run(config: RuntimeConfig, io: CommandIO): Promise<number> }): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    options: spec.overrides === false ? CONFIG_OPTION : { ...CONFIG_OPTION, ...OVERRIDE_FLAGS },
    positionals: 0,
    async run(args, io) {
      const config = await loadOrReport(args, io);
      return config ? spec.run(config, io) : EXIT.usage;
    },
  };
}

export const validateCommand = configCommand({
  name: 'validate',
  summary: 'check a configuration file and list every problem in it',
  usage: 'switchboard validate [--config FILE]',
  overrides: false,
  async run(config, io) {
    const connections = Object.keys(config.connections).join(', ');
    const plugins = config.plugins.map((p) => `${p.name} ${p.definition.version}`).join(', ') || 'none';
    write(io.stdout, `${config.file} is valid.\n  connections: ${connections}\n  plugins: ${plugins}${config.disabled.length ? `\n  disabled: ${config.disabled.join(', ')}` : ''}`);
    return EXIT.ok;
  },
});

export const printConfigCommand = configCommand({
  name: 'print-config',
  summary: 'print the resolved configuration (defaults, environment and flags applied; secrets [redacted])',
  usage: 'switchboard print-config [--config FILE]',
  async run(config, io) {
    const core = redact(coreSchema, config.core) as Record<string, unknown> & { connections: Record<string, { url: string }> };
    // Credentials written into a URL (mqtt://user:password@host) are secrets too.
    for (const connection of Object.values(core.connections)) connection.url = redactUrl(connection.url);
    const plugins: Record<string, unknown> = {};
    for (const p of config.plugins) {
      const section = Object.fromEntries(Object.entries(config.core.plugins[p.name] ?? {}).filter(([k]) => PLUGIN_SECTION_KEYS.includes(k)));
      plugins[p.name] = { ...section, ...(redact(p.definition.schema, p.options) as object) };
    }
    for (const name of config.disabled) plugins[name] = { enabled: false };
    // An empty $schema is only the schema's default, not something the file said.
    const { $schema, ...rest } = core;
    write(io.stdout, JSON.stringify({ ...($schema ? { $schema } : {}), ...rest, plugins }, null, 2));
    return EXIT.ok;
  },
});
