import { isValidPublishTopic, isValidSubscription } from './mosquitto-topics.js';

export type Direction = 'out' | 'in' | 'both';
export type QoS = 0 | 1 | 2;

/** One `topic` line of a mosquitto bridge, as mosquitto 2.0.11 reads it (struct mosquitto__bridge_topic). */
export interface BridgeTopic {
  /** The line as written (without the `topic` keyword), trimmed: what export writes back. */
  readonly line: string;
  /** null for `""`. */
  readonly pattern: string | null;
  readonly direction: Direction;
  readonly qos: QoS;
  readonly localPrefix: string | null;
  readonly remotePrefix: string | null;
  /** localPrefix + pattern, glued as text: what the bridge subscribes to locally (out, both). */
  readonly localTopic: string;
  /** remotePrefix + pattern: what it subscribes to on the remote broker (in, both). */
  readonly remoteTopic: string;
}

/** A line mosquitto would refuse; the message is mosquitto's own. */
export class TopicLineError extends Error {
  override name = 'TopicLineError';
}

const EMPTY = '""';

/**
 * Parses `<pattern> [in|out|both [qos [local_prefix [remote_prefix]]]]` as mosquitto 2.0.11's conf.c and
 * bridge__add_topic do: tokens split on spaces only, `""` for none, the direction in any case, the QoS read
 * with atoi, a token starting with `#` ending the line (from the QoS on), extra tokens ignored, prefixes
 * without wildcards, and each prefix glued to the pattern a valid subscription.
 *
 * Stricter than mosquitto in one place: a pattern without prefixes must be a valid subscription too
 * (mosquitto accepts `a/#/b` and then cannot subscribe to it).
 */
export function parseTopicLine(text: string): BridgeTopic {
  const line = text.replace(/[\r\n]+$/, '').trim();
  const tokens = line.split(' ').filter((t) => t.length > 0);
  const [first, dir, qosToken] = tokens;
  if (first === undefined) throw new TopicLineError('Error: Empty topic value in configuration.');
  const pattern = first === EMPTY ? null : first;
  let direction: Direction = 'out';
  let qos: QoS = 0;
  let localPrefix: string | null = null;
  let remotePrefix: string | null = null;
  if (dir !== undefined) {
    const d = dir.toLowerCase();
    if (d !== 'out' && d !== 'in' && d !== 'both') throw new TopicLineError(`Error: Invalid bridge topic direction '${dir}'.`);
    direction = d;
    if (qosToken !== undefined && !qosToken.startsWith('#')) {
      const q = atoi(qosToken);
      if (q < 0 || q > 2) throw new TopicLineError(`Error: Invalid bridge QoS level '${qosToken}'.`);
      qos = q as QoS;
      const local = tokens[3];
      if (local !== undefined && !local.startsWith('#')) {
        localPrefix = prefix(local, 'local');
        const remote = tokens[4];
        if (remote !== undefined && !remote.startsWith('#')) remotePrefix = prefix(remote, 'remote');
      }
    }
  }
  if (pattern === null && (localPrefix === null || remotePrefix === null)) throw new TopicLineError('Error: Invalid bridge remapping.');
  for (const [side, p] of [['local', localPrefix], ['remote', remotePrefix]] as const) {
    if (p === null) continue;
    const combined = p + (pattern ?? '');
    if (!isValidSubscription(combined)) throw new TopicLineError(`Error: Invalid bridge topic ${side} prefix and pattern combination '${combined}'.`);
  }
  if (pattern !== null && localPrefix === null && remotePrefix === null && !isValidSubscription(pattern)) {
    throw new TopicLineError(`Error: Invalid bridge topic '${pattern}': not a valid subscription.`);
  }
  return {
    line,
    pattern,
    direction,
    qos,
    localPrefix,
    remotePrefix,
    localTopic: (localPrefix ?? '') + (pattern ?? ''),
    remoteTopic: (remotePrefix ?? '') + (pattern ?? ''),
  };
}

function prefix(token: string, side: 'local' | 'remote'): string | null {
  if (token === EMPTY) return null;
  if (!isValidPublishTopic(token)) throw new TopicLineError(`Error: Invalid bridge topic ${side} prefix '${token}'.`);
  return token;
}

/** C's atoi: optional leading spaces and sign, then digits; anything else reads as 0. */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/**
 * A line for mosquitto.conf (without the keyword) that mosquitto reads back as `topic`: positional, `""` for a
 * missing pattern or a missing local prefix before a remote one, direction and QoS always written when a
 * prefix follows.
 */
export function formatTopicLine(t: Omit<BridgeTopic, 'line' | 'localTopic' | 'remoteTopic'>): string {
  const parts = [t.pattern ?? EMPTY];
  if (t.localPrefix !== null || t.remotePrefix !== null) {
    parts.push(t.direction, String(t.qos), t.localPrefix ?? EMPTY);
    if (t.remotePrefix !== null) parts.push(t.remotePrefix);
  } else if (t.qos !== 0) {
    parts.push(t.direction, String(t.qos));
  } else if (t.direction !== 'out') {
    parts.push(t.direction);
  }
  for (const p of parts) if (p.includes(' ')) throw new TopicLineError(`"${p}" contains a space, which mosquitto.conf cannot represent`);
  return parts.join(' ');
}
