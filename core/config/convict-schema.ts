import type { Schema } from 'convict';

type JsonSchema = {
  type?: string;
  enum?: readonly unknown[];
  properties?: Record<string, JsonSchema>;
  default?: unknown;
  description?: string;
  'x-env'?: string;
  'x-arg'?: string;
  'x-sensitive'?: boolean;
};

/**
 * The convict schema for a JSON Schema: nested objects stay nested, every other property becomes a
 * leaf with its default, doc, environment variable (`x-env`), flag (`x-arg`) and `sensitive` mark.
 * Formats are chosen for how convict coerces environment and command-line strings; the JSON Schema
 * itself (ajv) does the validating.
 */
export function toConvictSchema(schema: JsonSchema): Schema<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.type === 'object' && prop.properties) {
      out[key] = toConvictSchema(prop);
      continue;
    }
    const leaf: Record<string, unknown> = { doc: prop.description ?? key, default: prop.default ?? null, format: format(prop) };
    if (prop['x-env']) leaf.env = prop['x-env'];
    if (prop['x-arg']) leaf.arg = prop['x-arg'];
    if (prop['x-sensitive']) leaf.sensitive = true;
    out[key] = leaf;
  }
  return out as Schema<Record<string, unknown>>;
}

function format(prop: JsonSchema): unknown {
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

/** The command-line flags (`--broker-port`) convict accepts, for the CLI's own checking. */
export function convictFlags(schema: JsonSchema): string[] {
  const flags: string[] = [];
  for (const prop of Object.values(schema.properties ?? {})) {
    if (prop['x-arg']) flags.push(prop['x-arg']);
    if (prop.type === 'object' && prop.properties) flags.push(...convictFlags(prop));
  }
  return flags;
}
