import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginDefinition } from '../core/index.js';
import { builtinPlugins, connectionSchema, coreSchema, DEFAULT_CONFIG_FILE, loadPlugin, type SchemaNode } from '../core/host.js';
import { connectionConfigSchema, pluginConfigSchema, runtimeConfigSchema } from './editor-schema.js';
import { optionsTable } from './options-table.js';
import { EXIT, UsageError, write, type Command } from './command.js';
import { CONFIG_OPTION } from './config-commands.js';

/**
 * The generated JSON Schema files, by their path under schemas/: the built-in plugins' and those of
 * `thirdParty` (the plugins a configuration loads from a module).
 */
export async function generatedSchemas(thirdParty: readonly PluginDefinition[] = []): Promise<Map<string, string>> {
  const plugins: PluginDefinition[] = [];
  for (const name of await builtinPlugins()) plugins.push(await loadPlugin(name, undefined, process.cwd()));
  plugins.push(...thirdParty);
  const files = new Map<string, string>();
  const add = (path: string, schema: unknown): void => void files.set(path, `${JSON.stringify(schema, null, 2)}\n`);
  add('runtime.config.schema.json', runtimeConfigSchema(plugins));
  add('connection.schema.json', connectionConfigSchema());
  for (const plugin of plugins) add(`plugins/${plugin.name}.schema.json`, pluginConfigSchema(plugin));
  for (const plugin of plugins) {
    for (const [name, schema] of Object.entries(plugin.schemas ?? {})) add(`${name}.schema.json`, schema);
  }
  return files;
}

const PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));
const OPTIONS_SECTION = /(<!-- options:begin -->\n)[\s\S]*?(<!-- options:end -->)/;

/** A plugin's options as a Markdown table: what its README has between `<!-- options:begin -->` and `<!-- options:end -->`. */
export function pluginOptionsMarkdown(plugin: PluginDefinition): string {
  return `${optionsTable(plugin.schema as SchemaNode)}\n`;
}

/** Rewrites the options section of each built-in plugin's README that has one; returns the READMEs changed. */
async function writePluginReadmes(plugins: readonly PluginDefinition[]): Promise<string[]> {
  const changed: string[] = [];
  for (const plugin of plugins) {
    const file = join(PLUGINS_DIR, plugin.name, 'README.md');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined || !OPTIONS_SECTION.test(text)) continue;
    const next = text.replace(OPTIONS_SECTION, (_, begin: string, end: string) => `${begin}${pluginOptionsMarkdown(plugin)}${end}`);
    if (next === text) continue;
    await writeFile(file, next);
    changed.push(`plugins/${plugin.name}/README.md`);
  }
  return changed;
}

/** The options of the core and of a connection as Markdown tables (the README's). */
export function optionsMarkdown(): string {
  return `## Core keys\n\n${optionsTable(coreSchema, ['connections', 'plugins'])}\n\n## connections.<name>\n\n${optionsTable(connectionSchema)}\n`;
}

/**
 * The third-party plugins a configuration file loads (`module`), for their options to be in the editor
 * schema. The file need not be valid otherwise (it may be half-written); no file: none.
 */
async function configuredPlugins(file: string): Promise<PluginDefinition[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (text === undefined) return [];
  let config: { plugins?: Record<string, { module?: unknown; enabled?: unknown }> };
  try {
    config = JSON.parse(text) as typeof config;
  } catch (err) {
    throw new UsageError(`switchboard schema: ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const plugins: PluginDefinition[] = [];
  for (const [name, section] of Object.entries(config.plugins ?? {})) {
    if (typeof section?.module !== 'string' || section.enabled === false) continue;
    try {
      plugins.push(await loadPlugin(name, section.module, dirname(file)));
    } catch (err) {
      throw new UsageError(`switchboard schema: plugins.${name}: ${(err as Error).message}`);
    }
  }
  return plugins;
}

export const schemaCommand: Command = {
  name: 'schema',
  summary:
    'print the JSON Schema of runtime.config.json, with the options of the built-in plugins and of those the configuration loads from a module ' +
    '(--write: write it and the others to schemas/ beside the configuration; --markdown: the core options as tables)',
  usage: 'switchboard schema [--config FILE] [--write | --markdown]',
  options: {
    ...CONFIG_OPTION,
    write: { type: 'boolean', description: 'write the files to schemas/ beside the configuration file instead of printing' },
    markdown: { type: 'boolean', description: 'print the core and connection options as Markdown tables (the README\'s)' },
  },
  positionals: 0,
  async run(args, io) {
    if (args.values.markdown) {
      write(io.stdout, optionsMarkdown());
      return EXIT.ok;
    }
    const configFile = resolve((args.values.config as string | undefined) ?? DEFAULT_CONFIG_FILE);
    const files = await generatedSchemas(await configuredPlugins(configFile));
    if (!args.values.write) {
      write(io.stdout, files.get('runtime.config.schema.json')!);
      return EXIT.ok;
    }
    const dir = join(dirname(configFile), 'schemas');
    for (const [path, text] of files) {
      const target = join(dir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text);
      write(io.stdout, `wrote ${relative(process.cwd(), target) || target}`);
    }
    const plugins = await Promise.all((await builtinPlugins()).map((name) => loadPlugin(name, undefined, process.cwd())));
    for (const readme of await writePluginReadmes(plugins)) write(io.stdout, `wrote the options of ${readme}`);
    return EXIT.ok;
  },
};
