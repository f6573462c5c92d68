/**
 * The kinds of reading HomeLINK's environment sensors send, with what they measure and their unit. A Map, since
 * kinds come from payloads: "constructor" must not find Object's.
 */
export const READING_KINDS: ReadonlyMap<string, { name: string; unit: string }> = new Map([
  ['temperature', { name: 'Temperature', unit: '°C' }],
  ['humidity', { name: 'Humidity', unit: '%' }],
  ['carbon_dioxide', { name: 'Carbon dioxide', unit: 'ppm' }],
]);

/**
 * The kind of a readingTypeId: HomeLINK writes both `TEMPERATURE` and `environment.temperature.indoor`.
 * Others keep their own name, made a lower-case word.
 */
export function readingKind(readingTypeId: string): string {
  const id = readingTypeId.toLowerCase();
  if (id.includes('temperature')) return 'temperature';
  if (id.includes('humidity')) return 'humidity';
  if (id.includes('co2')) return 'carbon_dioxide';
  return id.replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'reading';
}

/** The unit a reading is published in: the kind's own, or what the message says. */
export function readingUnit(kind: string, unit: unknown): string {
  return READING_KINDS.get(kind)?.unit ?? (typeof unit === 'string' ? unit : '');
}
