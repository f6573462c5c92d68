/** Markdown tables of options, rendered from their JSON Schemas, so that the README says what the code does. */
import { eachOption, type SchemaNode } from '../core/host.js';

/** One row per leaf option (nested objects flattened to dotted keys); `skip` leaves out keys documented elsewhere. */
export function optionsTable(schema: SchemaNode, skip: readonly string[] = []): string {
  const rows: string[] = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  const row = (path: string, prop: SchemaNode): void => {
    if (skip.includes(path) || path === '$schema') return;
    const notes = [prop['x-env'] ? `env \`${prop['x-env']}\`` : '', prop['x-arg'] ? `flag \`--${prop['x-arg']}\`` : '', prop['x-sensitive'] ? 'secret' : '']
      .filter(Boolean)
      .join(', ');
    const description = `${(prop.description ?? '').replace(/\|/g, '\\|')}${notes ? ` (${notes})` : ''}`;
    rows.push(`| \`${path}\` | ${typeOf(prop)} | ${prop.default === undefined ? '—' : `\`${JSON.stringify(prop.default)}\``} | ${description} |`);
    // A list of objects (e.g. rules): the keys of each entry, as `<key>[].<entry key>`.
    if (prop.type === 'array' && prop.items?.type === 'object' && prop.items.properties) eachOption(prop.items, row, `${path}[].`);
  };
  eachOption(schema, row);
  return rows.join('\n');
}

function typeOf(prop: SchemaNode): string {
  if (prop.enum) return prop.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (prop.type === 'array') return `array of ${prop.items ? typeOf(prop.items) : 'values'}`;
  return prop.type ?? 'any';
}
