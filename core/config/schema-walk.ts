type Schema = Record<string, unknown>;

/** A JSON Schema as the configuration's schemas write it: the keywords the loader, the command line and the docs read. */
export interface SchemaNode {
  type?: string;
  enum?: readonly unknown[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  default?: unknown;
  description?: string;
  'x-env'?: string;
  'x-arg'?: string;
  'x-sensitive'?: boolean;
}

/**
 * Visits every option a schema declares, in the schema's order, with its dotted path (`broker.port`): an object
 * with `properties` is a group, walked into; anything else is an option, a map of named entries (an object whose
 * `additionalProperties` is a schema, such as `connections`) included.
 */
export function eachOption(schema: SchemaNode, visit: (path: string, option: SchemaNode) => void, prefix = ''): void {
  for (const [key, option] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${key}`;
    const group = option.type === 'object' && option.properties !== undefined && (option.additionalProperties === undefined || option.additionalProperties === false);
    if (group) eachOption(option, visit, `${path}.`);
    else visit(path, option);
  }
}

/**
 * Visits every value of `value` together with the schema that describes it (following `properties`,
 * `additionalProperties` and `items`), so that schema annotations such as `x-sensitive` can act on values.
 * `visit` may return a replacement for the value.
 */
export function walkWithSchema(
  schema: unknown,
  value: unknown,
  path: string,
  visit: (schema: Schema, value: unknown, path: string) => unknown,
): unknown {
  if (!schema || typeof schema !== 'object') return value;
  const s = schema as Schema;
  const replaced = visit(s, value, path);
  if (replaced !== value) return replaced;
  if (Array.isArray(value) && s.items && typeof s.items === 'object') {
    return value.map((item, i) => walkWithSchema(s.items, item, `${path}[${i}]`, visit));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const child = props[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      out[key] = walkWithSchema(child, v, path ? `${path}.${key}` : key, visit);
    }
    return out;
  }
  return value;
}

/** A copy of `value` with every value its schema marks `x-sensitive` replaced by `[redacted]`. */
export function redact(schema: unknown, value: unknown): unknown {
  return walkWithSchema(schema, value, '', (s, v) => (s['x-sensitive'] && typeof v === 'string' && v !== '' ? '[redacted]' : v));
}
