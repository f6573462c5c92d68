/**
 * One namespace of the state store: a Map whose changes are persisted. Values must be JSON-serializable;
 * they are serialized at commit time, so a value changed in place needs `touch(key)` (or `set` again).
 */
export class StateMap<V> implements Iterable<[string, V]> {
  readonly namespace: string;
  readonly #map: Map<string, V>;
  readonly #touch: (namespace: string, key: string) => void;

  constructor(namespace: string, map: Map<string, V>, touch: (namespace: string, key: string) => void) {
    this.namespace = namespace;
    this.#map = map;
    this.#touch = touch;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  set(key: string, value: V): void {
    this.#map.set(key, value);
    this.#touch(this.namespace, key);
  }

  delete(key: string): boolean {
    const had = this.#map.delete(key);
    if (had) this.#touch(this.namespace, key);
    return had;
  }

  /** Marks a value that was changed in place as changed. */
  touch(key: string): void {
    if (this.#map.has(key)) this.#touch(this.namespace, key);
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}
