import { topicMatches } from './mosquitto-topics.js';
import type { BridgeTopic, QoS } from './topic-line.js';

export type Way = 'out' | 'in';

/** Where a message goes on the other side, and at which QoS; null: no line of that direction subscribes to it. */
export interface Route {
  topic: string;
  qos: QoS;
}

/**
 * mosquitto's topic remapping (send__publish for out, bridge__remap_topic_in for in), first matching line in
 * config order, prefixes stripped and added as plain text. `parentLevelQuirk` (mosquitto's behaviour): a
 * topic matched by `#` at its parent level (`pm-r` by `pm-r/#`) keeps its text and gets the other prefix
 * (`pm-l/pm-r`). Without it the parent level maps to the other prefix's parent level (`pm-l`), and to nothing
 * (null) when there is no other prefix.
 */
export function remap(topics: readonly BridgeTopic[], way: Way, topic: string, parentLevelQuirk: boolean): string | null {
  for (const t of topics) {
    if (!carries(t, way) || (t.localPrefix === null && t.remotePrefix === null)) continue;
    const [from, to] = way === 'out' ? [t.localPrefix, t.remotePrefix] : [t.remotePrefix, t.localPrefix];
    if (!topicMatches(way === 'out' ? t.localTopic : t.remoteTopic, topic)) continue;
    let s = topic;
    if (from !== null) {
      if (s.startsWith(from)) {
        s = s.slice(from.length);
      } else if (!parentLevelQuirk && from.endsWith('/') && s === from.slice(0, -1)) {
        if (to === null) return null;
        return to.endsWith('/') && to.length > 1 ? to.slice(0, -1) : to;
      }
    }
    return to === null ? s : to + s;
  }
  return topic;
}

/** The highest QoS of the lines of this direction whose subscription matches the topic (null: none does). */
export function lineQos(topics: readonly BridgeTopic[], way: Way, topic: string): QoS | null {
  let qos: QoS | null = null;
  for (const t of topics) {
    if (!carries(t, way)) continue;
    if (topicMatches(way === 'out' ? t.localTopic : t.remoteTopic, topic) && (qos === null || t.qos > qos)) qos = t.qos;
  }
  return qos;
}

/** Where a message received on the source side goes, at min(its QoS, the line's QoS). */
export function route(topics: readonly BridgeTopic[], way: Way, topic: string, qos: QoS, parentLevelQuirk: boolean): Route | null {
  const cap = lineQos(topics, way, topic);
  if (cap === null) return null;
  const target = remap(topics, way, topic, parentLevelQuirk);
  if (target === null || target.length === 0) return null;
  return { topic: target, qos: Math.min(qos, cap) as QoS };
}

export function carries(t: BridgeTopic, way: Way): boolean {
  return t.direction === 'both' || t.direction === way;
}
