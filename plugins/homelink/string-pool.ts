/**
 * One copy of each text that many records repeat (rooms, models, dates, event types, property references):
 * JSON.parse makes a new string for every message and every record read back at start, which at 100 000
 * devices was tens of megabytes of copies. Bounded: once `limit` texts are pooled, new ones are kept as
 * they are, so a flood of distinct values cannot grow it.
 */
export class StringPool {
  readonly #texts = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = 20_000) {
    this.#limit = limit;
  }

  /** The pooled copy of `text` (itself the first time). */
  get<T>(text: T): T {
    if (typeof text !== 'string') return text;
    const pooled = this.#texts.get(text);
    if (pooled !== undefined) return pooled as T;
    if (this.#texts.size < this.#limit) this.#texts.set(text, text);
    return text;
  }

  /** Replaces each of `fields` of `record` that is a text with its pooled copy. */
  fields<R extends object>(record: R, fields: readonly (keyof R)[]): void {
    for (const field of fields) {
      const value = record[field];
      if (typeof value === 'string') record[field] = this.get(value);
    }
  }
}

/** The pool the registry and the alert book share. */
export const texts = new StringPool(50_000);
