// mosquitto 2.0.11's topic rules (lib/util_topic.c), which a bridge's remapping depends on to the byte.
import { filterMatches } from '../../core/index.js';

/** mosquitto's limit on topic levels (TOPIC_HIERARCHY_LIMIT). */
const MAX_LEVELS = 200;
const MAX_BYTES = 65535;

/** `mosquitto_pub_topic_check`: a topic one may publish to (no wildcards, at most 200 levels and 65535 bytes). */
export function isValidPublishTopic(topic: string): boolean {
  if (topic.length === 0 || Buffer.byteLength(topic) > MAX_BYTES) return false;
  if (topic.includes('+') || topic.includes('#')) return false;
  return topic.split('/').length <= MAX_LEVELS;
}

/** `mosquitto_sub_topic_check`: `+` a whole level, `#` a whole last level, at most 200 levels and 65535 bytes. */
export function isValidSubscription(filter: string): boolean {
  if (filter.length === 0 || Buffer.byteLength(filter) > MAX_BYTES) return false;
  const levels = filter.split('/');
  if (levels.length > MAX_LEVELS) return false;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

/**
 * `mosquitto_topic_matches_sub`: `#` also matches the parent level (`a/#` matches `a`), `+` matches one
 * level, even an empty one, and a filter matches a `$` topic only if it starts with `$` too. A topic with
 * a wildcard in it is an error (mosquitto drops the bridge connection that delivered it).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.includes('+') || topic.includes('#')) throw new Error(`"${topic}": a received topic must not contain wildcards`);
  if ((filter.charCodeAt(0) === 36) !== (topic.charCodeAt(0) === 36)) return false;
  return filterMatches(filter, topic);
}
