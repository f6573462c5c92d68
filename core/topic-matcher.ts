import qlobber from 'qlobber';
import { filterProblem, matchableFilter } from './topics.js';

const MQTT_WILDCARDS = { separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true };

/**
 * Matches MQTT topics against subscription filters with full `+`/`#` semantics. Filters live in a trie
 * (qlobber, the matcher aedes uses), so the cost of a match grows with the topic's depth, not with the
 * number of filters.
 *
 * MQTT says a filter starting with a wildcard must not match a topic starting with `$` (`$SYS/...`), so
 * such topics are matched against a second trie that holds only the filters with a literal first level.
 */
export class TopicMatcher<V> {
  readonly #all = new qlobber.QlobberDedup<V>(MQTT_WILDCARDS);
  readonly #dollar = new qlobber.QlobberDedup<V>(MQTT_WILDCARDS);
  static readonly #none: ReadonlySet<never> = new Set();
  // What was added, so that removing something never added cannot unbalance the count `match` relies on.
  readonly #added = new Map<string, Set<V>>();
  #size = 0;

  /** Adds `value` under `filter`; throws a descriptive error when the filter is not valid MQTT. */
  add(filter: string, value: V): void {
    const problem = filterProblem(filter);
    if (problem) throw new Error(problem);
    const f = matchableFilter(filter);
    let values = this.#added.get(f);
    if (!values) this.#added.set(f, (values = new Set()));
    if (values.has(value)) return;
    values.add(value);
    this.#all.add(f, value);
    if (!startsWithWildcard(f)) this.#dollar.add(f, value);
    this.#size++;
  }

  remove(filter: string, value: V): void {
    const f = matchableFilter(filter);
    const values = this.#added.get(f);
    if (!values?.delete(value)) return;
    if (values.size === 0) this.#added.delete(f);
    this.#all.remove(f, value);
    this.#dollar.remove(f, value);
    this.#size--;
  }

  /** The values whose filters match `topic`, each once. */
  match(topic: string): ReadonlySet<V> {
    if (this.#size === 0) return TopicMatcher.#none;
    return topic.charCodeAt(0) === 36 /* $ */ ? this.#dollar.match(topic) : this.#all.match(topic);
  }
}

function startsWithWildcard(filter: string): boolean {
  const c = filter.charCodeAt(0);
  return c === 43 /* + */ || c === 35; /* # */
}
