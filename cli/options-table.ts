/** Markdown tables of options, rendered from their JSON Schemas, so that the README says what the code does. */

interface Property {
  type?: string;
  enum?: readonly unknown[];
  items?: Property;
  properties?: Record<string, Property>;
  additionalProperties?: unknown;
  default?: unknown;
  description?: string;
  'x-env'?: string;
  'x-arg'?: string;
  'x-sensitive'?: boolean;
}

/** One row per leaf option (nested objects flattened to dotted keys); `skip` leaves out keys documented elsewhere. */
export function optionsTable(schema: { properties?: Record<string, unknown> }, skip: readonly string[] = []): string {
  const rows: string[] = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  const walk = (properties: Record<string, Property>, prefix: string): void => {
    for (const [key, prop] of Object.entries(properties)) {
      const path = `${prefix}${key}`;
      if (skip.includes(path) || key === '$schema') continue;
      if (prop.type === 'object' && prop.properties && !prop.additionalProperties) {
        walk(prop.properties, `${path}.`);
        continue;
      }
      const notes = [prop['x-env'] ? `env \`${prop['x-env']}\`` : '', prop['x-arg'] ? `flag \`--${prop['x-arg']}\`` : '', prop['x-sensitive'] ? 'secret' : '']
        .filter(Boolean)
        .join(', ');
      const description = `${(prop.description ?? '').replace(/\|/g, '\\|')}${notes ? ` (${notes})` : ''}`;
      rows.push(`| \`${path}\` | ${typeOf(prop)} | ${prop.default === undefined ? '—' : `\`${JSON.stringify(prop.default)}\``} | ${description} |`);
      // A list of objects (e.g. rules): the keys of each entry, as `<key>[].<entry key>`.
      if (prop.type === 'array' && prop.items?.type === 'object' && prop.items.properties) walk(prop.items.properties, `${path}[].`);
    }
  };
  walk((schema.properties ?? {}) as Record<string, Property>, '');
  return rows.join('\n');
}

function typeOf(prop: Property): string {
  if (prop.enum) return prop.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (prop.type === 'array') return `array of ${prop.items ? typeOf(prop.items) : 'values'}`;
  return prop.type ?? 'any';
}
