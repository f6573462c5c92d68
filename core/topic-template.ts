import { topicLevel, topicProblem } from './topics.js';

// `{data.path}`: a dot path of names (letters, digits, "_", "-", "$") from the root of what the template is filled from.
const PLACEHOLDER = /\{([^{}]*)\}/g;
const PATH = /^[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*$/;

/**
 * A topic with `{path}` placeholders filled from an object, typically a bus event:
 * `placeos/acme/state/{data.sub_type}/{data.device_info.identifiers.0}/power`.
 *
 * Each value is escaped as topicLevel does (`/`, `+`, `#`, `%` and control characters percent-encoded), so a
 * value can never add a level, become a wildcard or reach another topic: `a/#` fills one level as `a%2F%23`.
 * Strings, numbers and booleans fill a placeholder; a missing value, null, an object or an array is an error.
 */
export class TopicTemplate {
  readonly template: string;
  /** The placeholders' paths, in order. */
  readonly paths: readonly string[];
  readonly #parts: readonly (string | readonly string[])[];

  /** Throws an error saying what is wrong when `template` is not a valid topic template. */
  constructor(template: string) {
    const parts: (string | readonly string[])[] = [];
    const paths: string[] = [];
    let last = 0;
    for (const match of template.matchAll(PLACEHOLDER)) {
      const path = match[1]!.trim();
      if (!PATH.test(path)) throw new Error(`topic template "${template}": "{${match[1]}}" is not a placeholder; write a dot path such as {data.id}`);
      parts.push(template.slice(last, match.index), path.split('.'));
      paths.push(path);
      last = match.index + match[0].length;
    }
    parts.push(template.slice(last));
    const literal = parts.filter((p): p is string => typeof p === 'string').join('x');
    if (/[{}]/.test(literal)) throw new Error(`topic template "${template}": unbalanced "{" or "}"`);
    const problem = topicProblem(literal);
    if (problem) throw new Error(`topic template "${template}": ${problem}`);
    this.template = template;
    this.paths = paths;
    this.#parts = parts;
  }

  /** The topic for `source`; throws an error naming the placeholder when a value is missing or not a scalar. */
  fill(source: unknown): string {
    let topic = '';
    for (const part of this.#parts) {
      if (typeof part === 'string') {
        topic += part;
        continue;
      }
      const value = valueAt(source, part);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        const what = value === undefined ? 'is missing' : `is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'}`;
        throw new Error(`topic template "${this.template}": {${part.join('.')}} ${what}`);
      }
      topic += topicLevel(String(value));
    }
    return topic;
  }
}

/** The value at a dot path (`data.items.0.name`, as an array or a dotted string) in `source`, or undefined; own properties only. */
export function valueAt(source: unknown, path: string | readonly string[]): unknown {
  let value = source;
  for (const key of typeof path === 'string' ? path.split('.') : path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
