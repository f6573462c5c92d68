import type { Schema } from 'convict';
import { eachOption, type SchemaNode } from './schema-walk.js';

/**
 * The convict schema for a JSON Schema: nested objects stay nested, every other property becomes a
 * leaf with its default, doc, environment variable (`x-env`), flag (`x-arg`) and `sensitive` mark.
 * Formats are chosen for how convict coerces environment and command-line strings; the JSON Schema
 * itself (ajv) does the validating.
 */
export function toConvictSchema(schema: SchemaNode): Schema<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  eachOption(schema, (path, prop) => {
    const keys = path.split('.');
    let group = out;
    for (const key of keys.slice(0, -1)) group = (group[key] ??= {}) as Record<string, unknown>;
    const leaf: Record<string, unknown> = { doc: prop.description ?? keys.at(-1), default: prop.default ?? null, format: format(prop) };
    if (prop['x-env']) leaf.env = prop['x-env'];
    if (prop['x-arg']) leaf.arg = prop['x-arg'];
    if (prop['x-sensitive']) leaf.sensitive = true;
    group[keys.at(-1)!] = leaf;
  });
  return out as Schema<Record<string, unknown>>;
}

function format(prop: SchemaNode): unknown {
  if (prop.enum) return prop.enum.every((v) => typeof v === 'number') ? 'int' : '*';
  switch (prop.type) {
    case 'boolean':
      return Boolean;
    case 'integer':
      return 'int';
    case 'number':
      return Number;
    case 'array':
      return Array;
    case 'object':
      return Object;
    default:
      return '*';
  }
}
