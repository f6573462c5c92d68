// qlobber ships no type declarations; this covers the part of its API the topic matcher uses.
declare module 'qlobber' {
  interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
  }
  class QlobberDedup<V> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): Set<V>;
    clear(): this;
  }
  const qlobber: { QlobberDedup: typeof QlobberDedup };
  export default qlobber;
}
