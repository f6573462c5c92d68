import fc from 'fast-check';

/**
 * A seeded source of random choices for generated test data, drawn through fast-check: the same seed
 * gives the same sequence on every run and machine, so a failure can be replayed by its seed.
 */
export class SeededRandom {
  readonly seed: number;
  readonly #draw: fc.GeneratorValue;

  constructor(seed: number) {
    this.seed = seed;
    [this.#draw] = fc.sample(fc.gen(), { seed, numRuns: 1 }) as [fc.GeneratorValue];
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return this.#draw(fc.integer, { min, max });
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let roll = this.int(0, entries.reduce((sum, [, w]) => sum + w, 0) - 1);
    for (const [key, weight] of entries) {
      if (roll < weight) return key;
      roll -= weight;
    }
    return entries[entries.length - 1]![0];
  }

  /** A value of any fast-check arbitrary, from this sequence. */
  of<T>(arbitrary: fc.Arbitrary<T>): T {
    return this.#draw(() => arbitrary);
  }

  /** A hex string of `length` digits (upper case). */
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += this.int(0, 15).toString(16);
    return out.toUpperCase();
  }

  /** A UUID-shaped id (lower case), as HomeLINK's eventIds are. */
  uuid(): string {
    const h = this.hex(32).toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}
