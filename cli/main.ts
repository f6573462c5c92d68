import { commandHelp, EXIT, parseCommandArgs, UsageError, write, type Command } from './command.js';
import { printConfigCommand, validateCommand } from './config-commands.js';
import { replayCommand } from './replay.js';
import { schemaCommand } from './schema.js';
import { startCommand } from './start.js';
import type { CommandIO, PluginDefinition } from '../core/index.js';
import { builtinPlugins, closest, ConfigError, createAjv, loadConfig, loadPlugin, VERSION } from '../core/host.js';

const COMMANDS: Command[] = [startCommand, validateCommand, printConfigCommand, schemaCommand, replayCommand];

async function plugins(): Promise<PluginDefinition[]> {
  const all: PluginDefinition[] = [];
  for (const name of await builtinPlugins()) all.push(await loadPlugin(name, undefined, process.cwd()));
  return all;
}

function help(pluginList: PluginDefinition[]): string {
  const rows: [string, string][] = COMMANDS.map((c) => [c.name, c.summary]);
  for (const p of pluginList) for (const [name, c] of Object.entries(p.commands ?? {})) rows.push([`${p.name} ${name}`, c.summary]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    `Switchboard ${VERSION}: a plugin-based automation runtime for MQTT.`,
    '',
    'Usage: switchboard <command> [options]',
    '',
    'Commands:',
    ...rows.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    'Options:',
    '  -c, --config FILE  configuration file (default: runtime.config.json)',
    '  -h, --help         help; `switchboard <command> --help` for a command\'s options, `switchboard <plugin> --help` for a plugin\'s commands',
    '  -v, --version      print the version',
    '',
    'Exit status: 0 ok, 1 failure, 2 bad usage or configuration.',
  ].join('\n');
}

/** `switchboard <plugin> --help`: what the plugin is and its commands. */
function pluginHelp(plugin: PluginDefinition): string {
  const commands = Object.entries(plugin.commands ?? {});
  const width = Math.max(0, ...commands.map(([name]) => name.length));
  return [
    `Usage: switchboard ${plugin.name} <command> [options]`,
    '',
    `${plugin.name} ${plugin.version}: ${plugin.description}`,
    '',
    ...(commands.length
      ? ['Commands:', ...commands.map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`), '', `\`switchboard ${plugin.name} <command> --help\` for a command's options.`]
      : ['It has no commands of its own.']),
    `Its options: plugins.${plugin.name} in the configuration (schemas/plugins/${plugin.name}.schema.json, or its README).`,
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], io: Omit<CommandIO, 'pluginOptions'>): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' ? rest[0] : undefined;
    const command = COMMANDS.find((c) => c.name === target);
    if (command) {
      write(io.stdout, commandHelp(command));
      return EXIT.ok;
    }
    const pluginList = await plugins();
    const plugin = pluginList.find((p) => p.name === target);
    if (plugin) return main([plugin.name, ...rest.slice(1), '--help'], io);
    write(io.stdout, help(pluginList));
    return EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    write(io.stdout, VERSION);
    return EXIT.ok;
  }
  try {
    const command = COMMANDS.find((c) => c.name === first);
    if (command) {
      const args = parseCommandArgs(command, rest);
      if (args.values.help) {
        write(io.stdout, commandHelp(command));
        return EXIT.ok;
      }
      return await command.run(args, withPluginOptions(io, undefined));
    }
    const pluginList = await plugins();
    const plugin = pluginList.find((p) => p.name === first);
    if (plugin) return await runPluginCommand(plugin, rest, io);
    const near = closest(first, [...COMMANDS.map((c) => c.name), ...pluginList.map((p) => p.name)]);
    throw new UsageError(`switchboard: unknown command "${first}".${near ? ` Did you mean "${near}"?` : ''} Run switchboard --help for the commands.`);
  } catch (err) {
    if (err instanceof UsageError) {
      write(io.stderr, err.message);
      return EXIT.usage;
    }
    throw err;
  }
}

async function runPluginCommand(plugin: PluginDefinition, argv: string[], io: Omit<CommandIO, 'pluginOptions'>): Promise<number> {
  const [name, ...rest] = argv;
  const commands = plugin.commands ?? {};
  if (name === '--help' || name === '-h' || name === 'help') {
    write(io.stdout, pluginHelp(plugin));
    return EXIT.ok;
  }
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    const list = Object.entries(commands).map(([n, c]) => `  ${plugin.name} ${n}  ${c.summary}`).join('\n');
    const near = name && closest(name, Object.keys(commands));
    const what = name === undefined ? 'which command?' : `unknown command "${name}"${near ? ` (did you mean "${near}"?)` : ''}`;
    throw new UsageError(`switchboard ${plugin.name}: ${what}${list ? `\nCommands:\n${list}` : ''}`);
  }
  const full = { name: `${plugin.name} ${name}`, options: command.options ?? {}, positionals: 8 };
  const args = parseCommandArgs(full, rest);
  if (args.values.help) {
    write(io.stdout, commandHelp(command));
    return EXIT.ok;
  }
  return command.run(args, withPluginOptions(io, plugin));
}

function withPluginOptions(io: Omit<CommandIO, 'pluginOptions'>, plugin: PluginDefinition | undefined): CommandIO {
  return {
    ...io,
    async pluginOptions(file) {
      if (!plugin) return undefined;
      try {
        const config = await loadConfig({ file });
        const configured = config.plugins.find((p) => p.name === plugin.name);
        if (configured) return configured.options;
      } catch (err) {
        if (!(err instanceof ConfigError) || file !== undefined) throw err;
      }
      // Not configured (or no configuration file given nor found): the plugin's defaults.
      const options = {};
      createAjv().compile(plugin.schema as object)(options);
      return options;
    },
  };
}
