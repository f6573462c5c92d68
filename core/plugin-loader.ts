import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { didYouMean } from './did-you-mean.js';
import type { PluginDefinition } from './plugin.js';
import { declarationProblem } from './plugin-contract.js';

/** Where the built-in plugins are: `plugins/<name>/index.js` beside the core, found by name, never imported by the core's code. */
const BUILTIN_DIR = fileURLToPath(new URL('../plugins/', import.meta.url));

export class PluginLoadError extends Error {
  override name = 'PluginLoadError';
}

/** Names of the built-in plugins. */
export async function builtinPlugins(): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(BUILTIN_DIR, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory() && (await isFile(join(BUILTIN_DIR, entry.name, 'index.js')))) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Loads a plugin's definition: a built-in one by name, or a third-party one from `module` (a path,
 * relative to `baseDir`, or the name of a package installed there).
 */
export async function loadPlugin(name: string, module: string | undefined, baseDir: string): Promise<PluginDefinition> {
  let file: string;
  if (module === undefined) {
    file = join(BUILTIN_DIR, name, 'index.js');
    if (!(await isFile(file))) {
      const known = await builtinPlugins();
      throw new PluginLoadError(`no built-in plugin named "${name}"${didYouMean(name, known)} (built-in: ${known.join(', ') || 'none'}); a third-party plugin needs "module": a path or a package name`);
    }
  } else {
    file = await resolveModule(module, baseDir);
  }
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new PluginLoadError(`cannot load plugin "${name}" from ${file}: ${(err as Error).message}`);
  }
  const definition = (exports.default ?? exports.plugin) as PluginDefinition | undefined;
  const problem = definitionProblem(definition, name);
  if (problem) throw new PluginLoadError(`${file} is not a Switchboard plugin: ${problem}`);
  return definition!;
}

function definitionProblem(d: PluginDefinition | undefined, name: string): string | undefined {
  if (!d || typeof d !== 'object') return 'it must export a plugin (definePlugin) as its default export';
  for (const key of ['name', 'version', 'description'] as const) if (typeof d[key] !== 'string') return `its "${key}" must be a string`;
  if (d.name !== name) return `it is named "${d.name}", but is configured as plugins.${name}; use the plugin's name as its key`;
  if (!d.schema || typeof d.schema !== 'object') return 'its "schema" must be a JSON Schema object';
  if (typeof d.setup !== 'function') return 'its "setup" must be a function';
  return declarationProblem(d);
}

/** Node's resolution of a path or package name from `baseDir`, honouring package.json "exports" (import) and "main". */
async function resolveModule(spec: string, baseDir: string): Promise<string> {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(baseDir, spec);
    if (await isFile(path)) return path;
    if (await isDirectory(path)) return packageEntry(path);
    throw new PluginLoadError(`module ${spec}: no such file or directory (${path})`);
  }
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', spec);
    if (await isDirectory(candidate)) return packageEntry(candidate);
    if (dirname(dir) === dir) break;
  }
  throw new PluginLoadError(`module ${spec}: package not found from ${baseDir} (install it there with npm install ${spec})`);
}

async function packageEntry(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8').catch(() => '{}')) as {
    exports?: unknown;
    main?: string;
  };
  const entry = exportEntry(manifest.exports) ?? manifest.main ?? 'index.js';
  const file = resolve(dir, entry);
  if (!(await isFile(file))) throw new PluginLoadError(`${dir}: its entry point ${entry} does not exist (was it built?)`);
  return file;
}

function exportEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const root = '.' in map ? map['.'] : map;
  if (typeof root === 'string') return root;
  if (!root || typeof root !== 'object') return undefined;
  const conditions = root as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default']) {
    const target = conditions[condition];
    if (typeof target === 'string') return target;
    if (target && typeof target === 'object') {
      const nested = exportEntry({ '.': target });
      if (nested) return nested;
    }
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}
