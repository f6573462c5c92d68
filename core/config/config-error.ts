import type { ErrorObject } from 'ajv';
import { didYouMean } from '../did-you-mean.js';

/** One problem in the configuration, located by its path (`plugins.privacy.rules[2].action`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** The configuration cannot be used; `problems` lists every problem found, not only the first. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    this.problems = problems;
  }
}

/** `/rules/2/action` under `plugins.privacy` -> `plugins.privacy.rules[2].action`. */
export function joinPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) path += `[${part}]`;
    else path += path ? `.${part}` : part;
  }
  return path || '(root)';
}

/** ajv's errors as problems a user can act on: located by path, enums and unknown keys spelt out. */
export function ajvProblems(base: string, errors: ErrorObject[] | null | undefined): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const e of errors ?? []) {
    // `anyOf`/`oneOf` wrap the errors of each branch, which are listed already; so does `propertyNames` its inner error.
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if' || (e as { propertyName?: string }).propertyName !== undefined) continue;
    let path = joinPath(base, e.instancePath);
    let message = e.message ?? 'is not valid';
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'enum':
        message = `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
        break;
      case 'const':
        message = `must be ${JSON.stringify(p.allowedValue)}`;
        break;
      case 'required':
        path = joinPath(path === '(root)' ? '' : path, `/${String(p.missingProperty)}`);
        message = 'is required';
        break;
      case 'additionalProperties':
        path = joinPath(path === '(root)' ? '' : path, `/${String(p.additionalProperty)}`);
        message = 'is not a known option' + knownKeys(e, String(p.additionalProperty));
        break;
      case 'type':
        message = `must be ${article(String(p.type))}`;
        break;
      case 'propertyNames':
        path = joinPath(path === '(root)' ? '' : path, `/${String(p.propertyName)}`);
        message = 'is not a valid name: use letters, digits, "_" and "-"';
        break;
    }
    problems.push({ path, message });
  }
  return dedupe(problems);
}

function knownKeys(e: ErrorObject, key: string): string {
  const parent = e.parentSchema as { properties?: Record<string, unknown>; 'x-moved'?: Record<string, string> } | undefined;
  const moved = parent?.['x-moved']?.[key];
  if (moved) return `; it is ${moved} now`;
  const props = parent?.properties;
  if (!props) return '';
  const near = didYouMean(key, Object.keys(props));
  return near ? `${near}; known: ${Object.keys(props).join(', ')}` : ` (known: ${Object.keys(props).join(', ')})`;
}

function article(type: string): string {
  if (type.includes(',')) return `one of the types ${type.replace(/,/g, ', ')}`;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
