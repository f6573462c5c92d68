import semver from 'semver';
import type { ConfigProblem } from './config/config-error.js';
import { eventConflicts } from './event-types.js';
import type { PluginDefinition } from './plugin.js';

/** What the contract needs of a configured plugin. */
interface Declared {
  readonly name: string;
  readonly definition: Pick<PluginDefinition, 'core' | 'dependencies' | 'events'>;
}

/** A problem with the shape of `core` / `dependencies` themselves (checked when the plugin is loaded). */
export function declarationProblem(d: Pick<PluginDefinition, 'core' | 'dependencies'>): string | undefined {
  if (typeof d.core !== 'string' || semver.validRange(d.core) === null) {
    return `its "core" must be a semver range of the Switchboard versions it works with, such as "^0.1.0" (it is ${JSON.stringify(d.core)})`;
  }
  const deps = d.dependencies;
  if (deps !== undefined && (!Array.isArray(deps) || deps.some((n) => typeof n !== 'string' || n === ''))) {
    return 'its "dependencies" must be a list of plugin names';
  }
  return undefined;
}

/**
 * Checks every enabled plugin against the running core (`version` must satisfy its `core` range, as
 * Fastify checks `fastify: '4.x'`) and against the others (each of its `dependencies` enabled, no event
 * type declared twice), and
 * returns the plugins ordered so that each is set up after what it needs; otherwise in configured order.
 */
export function checkContracts<P extends Declared>(plugins: readonly P[], version: string, disabled: readonly string[]): { ordered: P[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const byName = new Map(plugins.map((p) => [p.name, p]));
  for (const { name, definition } of plugins) {
    const path = `plugins.${name}`;
    if (!semver.satisfies(version, definition.core, { includePrerelease: true })) {
      problems.push({ path, message: `supports Switchboard ${definition.core}, but this is Switchboard ${version}: install a version of the plugin made for it` });
    }
    for (const dep of definition.dependencies ?? []) {
      if (byName.has(dep)) continue;
      const why = disabled.includes(dep) ? `plugins.${dep} is disabled (enabled: false)` : `plugins.${dep} is not configured`;
      problems.push({ path, message: `needs the plugin "${dep}", but ${why}` });
    }
  }
  problems.push(...eventConflicts(plugins));
  const ordered: P[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: P, chain: string[]): void => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(p.name)), p.name];
      problems.push({ path: `plugins.${p.name}`, message: `its dependencies go round in a circle: ${cycle.join(' → ')}` });
      return;
    }
    state.set(p.name, 'visiting');
    for (const dep of p.definition.dependencies ?? []) {
      const needed = byName.get(dep);
      if (needed) visit(needed, [...chain, p.name]);
    }
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return { ordered, problems };
}
