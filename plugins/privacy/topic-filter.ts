/** An MQTT topic filter (`+` one level, `#` this level and all below), matched as a broker would. */
export class TopicFilter {
  readonly filter: string;
  readonly #levels: readonly string[];

  constructor(filter: string) {
    this.filter = filter;
    this.#levels = filter.split('/');
  }

  matches(topic: string): boolean {
    const levels = this.#levels;
    // A wildcard at the first level does not match the broker's own `$` topics.
    if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
    const parts = topic.split('/');
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return true;
      if (i >= parts.length || (level !== '+' && level !== parts[i])) return false;
    }
    return levels.length === parts.length;
  }
}
