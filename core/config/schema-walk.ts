type Schema = Record<string, unknown>;

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
