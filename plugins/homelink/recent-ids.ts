import type { StateMap } from '../../core/index.js';

/** The last actionTimestamp seen for an id, and when it was recorded (both ms since the epoch). */
type Entry = [at: number, recordedAt: number];

export interface RecentIdsBounds {
  /** At most this many ids; the oldest recorded go first. */
  limit: number;
  /** Ids recorded longer ago than this are forgotten. */
  maxAgeMs: number;
}

/**
 * Ids (of cleared alerts, of processed events) with the last actionTimestamp seen for each, persisted,
 * so that a message repeated or replayed later is recognised as not newer. Bounded by count and age:
 * the map keeps insertion order, re-recording an id moves it to the end, so the oldest is always first
 * and trimming costs O(1) per change.
 */
export class RecentIds {
  readonly #map: StateMap<Entry>;
  readonly #bounds: RecentIdsBounds;
  readonly #now: () => number;

  constructor(map: StateMap<Entry>, bounds: RecentIdsBounds, now: () => number = Date.now) {
    this.#map = map;
    this.#bounds = bounds;
    this.#now = now;
    // After a restart the order is only roughly by age (the log keeps each key's first position), so look at all once.
    const oldest = now() - bounds.maxAgeMs;
    for (const [id, [, recordedAt]] of [...map]) if (recordedAt < oldest) map.delete(id);
    this.#trim();
  }

  get size(): number {
    return this.#map.size;
  }

  /** The last actionTimestamp recorded for `id`. */
  get(id: string): number | undefined {
    return this.#map.get(id)?.[0];
  }

  set(id: string, at: number): void {
    this.#map.delete(id);
    this.#map.set(id, [at, this.#now()]);
    this.#trim();
  }

  delete(id: string): void {
    this.#map.delete(id);
  }

  #trim(): void {
    const oldest = this.#now() - this.#bounds.maxAgeMs;
    for (const [id, [, recordedAt]] of this.#map) {
      if (this.#map.size <= this.#bounds.limit && recordedAt >= oldest) return;
      this.#map.delete(id);
    }
  }
}
