// MQTT topic and filter rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7), shared by the matcher, the publish path and plugins.

const SHARE_PREFIX = '$share/';
const MAX_TOPIC_BYTES = 65535;
const REFUSED_IN_TOPICS = /[\p{Cc}\p{Noncharacter_Code_Point}]/u;

/** Why `filter` is not a valid subscription filter, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter must not be empty';
  if (filter.includes('\u0000')) return 'a topic filter must not contain a NUL character';
  if (Buffer.byteLength(filter) > MAX_TOPIC_BYTES) return `a topic filter must not exceed ${MAX_TOPIC_BYTES} bytes`;
  let levels = filter.split('/');
  if (filter.startsWith(SHARE_PREFIX)) {
    const group = levels[1];
    if (!group || group.includes('+') || group.includes('#')) return `"${filter}": a shared subscription needs a group name without wildcards`;
    levels = levels.slice(2);
    if (levels.length === 0 || (levels.length === 1 && levels[0] === '')) return `"${filter}": a shared subscription needs a filter after the group`;
  }
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `"${filter}": '#' must be a whole level and the last one`;
    }
    if (level.includes('+') && level !== '+') return `"${filter}": '+' must be a whole level`;
  }
  return undefined;
}

/** Why `topic` cannot be published to, or undefined when it can. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'a topic must not be empty';
  if (topic.includes('+') || topic.includes('#')) return `"${topic}": a topic to publish to must not contain wildcards`;
  if (topic.includes('\u0000')) return `a topic must not contain a NUL character`;
  if (REFUSED_IN_TOPICS.test(topic)) return `${JSON.stringify(topic)}: a topic must not contain control characters or Unicode noncharacters (brokers close the connection)`;
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return `a topic must not exceed ${MAX_TOPIC_BYTES} bytes`;
  return undefined;
}

/** The filter a shared subscription (`$share/<group>/<filter>`) delivers, which is what incoming topics are matched against. */
export function matchableFilter(filter: string): string {
  if (!filter.startsWith(SHARE_PREFIX)) return filter;
  return filter.slice(filter.indexOf('/', SHARE_PREFIX.length) + 1);
}

// Wildcards and the level separator would change a topic's meaning; '%' is escaped so the mapping stays reversible; control
// characters (C0 and C1) and noncharacters are refused by brokers (mosquitto closes the connection of the client that sends them).
const UNSAFE_LEVEL = /[+#/%\p{Cc}\p{Noncharacter_Code_Point}]/gu;

/**
 * An id made safe to use as one topic level: `+`, `#`, `/`, `%`, control characters and Unicode noncharacters are
 * percent-encoded as their UTF-8 bytes (`AB+/#CD` -> `AB%2B%2F%23CD`, U+0085 -> `%C2%85`). Returns the id unchanged
 * when nothing needed escaping.
 */
export function topicLevel(id: string): string {
  UNSAFE_LEVEL.lastIndex = 0;
  if (!UNSAFE_LEVEL.test(id)) return id.length === 0 ? '%' : id; // a lone '%' is never produced by escaping, so it cannot collide
  return id.replace(UNSAFE_LEVEL, (c) => [...Buffer.from(c)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}

/**
 * Whether `filter` (with `+` and `#`) matches `topic`, by MQTT's rules for one pair: `#` also matches the
 * parent level (`a/#` matches `a`) and `+` one level, even an empty one; a leading wildcard does not match a
 * `$` topic (`#` does not match `$SYS/uptime`). For many filters at once use the
 * runtime's indexed matcher instead.
 */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.charCodeAt(0) === 36 /* $ */ && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
