import { MessageRejected } from '../../core/index.js';

// PlaceOS's MQTT messages, in both shapes users meet (see README.md, "Two shapes"):
// documented: time in unix ms, value a serialized JSON string, 3 zone levels, metadata {name};
// deployed (PlaceOS's source): time in unix seconds, value raw JSON, zone levels per PLACE_HIERARCHY, metadata {time, value: model}.

export type Shape = 'documented' | 'deployed';

/** Zone tags after the scope when no hierarchy is configured, by number of zone levels. */
const DEFAULT_ZONE_TAGS: ReadonlyMap<number, readonly string[]> = new Map([
  [3, ['building', 'level', 'area']],
  [4, ['region', 'building', 'level', 'area']],
]);
/** The levels after the zones: system, driver, module, index, status. */
const TAIL_LEVELS = 5;
/** Below this a time is in seconds, from it in milliseconds: 10^11 s is the year 5138, 10^11 ms is 1973. */
const MS_FROM = 1e11;
/** A level PlaceOS writes for a zone the system does not have. */
const UNASSIGNED = '_';
const INDEX = /^[1-9][0-9]{0,8}$/;

export interface StateMessage {
  kind: 'state';
  org: string;
  zones: Record<string, string | null>;
  system: string;
  driver: string;
  module: string;
  index: number;
  status: string;
  /** Null when the driver removed the status. */
  value: unknown;
  /** Unix milliseconds. */
  time: number;
  shape: Shape;
}

/** A state topic cleared with an empty retained message (PlaceOS does this when a module is renamed or deleted). */
export interface ClearedState {
  kind: 'cleared';
  system: string;
  module: string;
  index: number;
  status: string;
}

export interface MetadataMessage {
  kind: 'metadata';
  scope: string;
  id: string;
  name: string | null;
  /** The model as PlaceOS sent it (documented: the payload itself); null when removed. */
  model: Record<string, unknown> | null;
  /** Unix milliseconds; null in the documented shape, which has no time. */
  time: number | null;
  shape: Shape;
}

export type PlaceosMessage = StateMessage | ClearedState | MetadataMessage;

/**
 * Reads a PlaceOS message. `hierarchy` is PLACE_HIERARCHY (scope first) when configured. Throws MessageRejected
 * with the reason when the topic or payload is neither shape.
 */
export function parseMessage(topic: string, payload: () => unknown, empty: boolean, hierarchy: readonly string[] | undefined): PlaceosMessage {
  const levels = topic.split('/');
  if (levels[0] !== 'placeos' || levels.length < 4) throw reject(`topic ${topic} is not placeos/<org>/state/... or placeos/<scope>/metadata/<id>`, 'not_placeos');
  const kind = levels[2];
  if (kind === 'metadata') return metadata(topic, levels, empty ? null : payload());
  if (kind === 'state') return state(topic, levels, empty ? null : payload(), hierarchy);
  throw reject(`topic ${topic}: the third level must be "state" or "metadata", not "${kind}"`, 'not_placeos');
}

function state(topic: string, levels: string[], payload: unknown, hierarchy: readonly string[] | undefined): StateMessage | ClearedState {
  const [org] = levels.slice(1, 2) as [string];
  const after = levels.slice(3);
  let tags: readonly string[];
  let moduleLevels = 1;
  if (hierarchy) {
    tags = hierarchy.slice(1);
    // PlaceOS does not escape module names: one containing "/" adds levels, which a known zone count recovers.
    moduleLevels = after.length - tags.length - (TAIL_LEVELS - 1);
    if (moduleLevels < 1) throw reject(`state topic ${topic} has ${after.length} levels after "state"; the hierarchy ${hierarchy.join(' ')} needs at least ${tags.length + TAIL_LEVELS}`, 'bad_topic');
  } else {
    const found = DEFAULT_ZONE_TAGS.get(after.length - TAIL_LEVELS);
    if (!found) {
      throw reject(
        `state topic ${topic} has ${after.length} levels after "state": expected 8 (3 zone levels, as documented) or 9 (4, PlaceOS's default hierarchy); set the plugin's hierarchy for another`,
        'bad_topic',
      );
    }
    tags = found;
  }
  if (org === '' || org === UNASSIGNED) throw reject(`state topic ${topic} has no org (PlaceOS publishes nothing without one)`, 'bad_topic');
  const zones: Record<string, string | null> = {};
  tags.forEach((tag, i) => (zones[tag] = after[i] === UNASSIGNED ? null : after[i]!));
  const rest = after.slice(tags.length);
  const [system, driver] = rest as [string, string];
  const module = rest.slice(2, 2 + moduleLevels).join('/');
  const [indexText, status] = rest.slice(2 + moduleLevels) as [string, string];
  if (!INDEX.test(indexText)) throw reject(`state topic ${topic}: the module index "${indexText}" is not a whole number from 1`, 'bad_topic');
  for (const [what, level] of [['system', system], ['driver', driver], ['module', module], ['status', status]] as const) {
    if (level === '') throw reject(`state topic ${topic}: the ${what} level is empty`, 'bad_topic');
  }
  const index = Number(indexText);
  if (payload === null) return { kind: 'cleared', system, module, index, status };
  const envelope = timeAndValue(topic, payload);
  if (envelope === undefined) throw reject(`state payload on ${topic} has no "time" and "value": expected {"time": <unix time>, "value": ...}`, 'bad_payload');
  return { kind: 'state', org, zones, system, driver, module, index, status, value: envelope.value, time: envelope.time, shape: envelope.shape };
}

function metadata(topic: string, levels: string[], payload: unknown): MetadataMessage {
  if (levels.length !== 4 || levels[1] === '' || levels[3] === '') throw reject(`metadata topic ${topic} is not placeos/<scope>/metadata/<id>`, 'bad_topic');
  const scope = levels[1]!;
  const id = levels[3]!;
  // An empty payload clears the retained model: the same as PlaceOS's value null.
  if (payload === null) return { kind: 'metadata', scope, id, name: null, model: null, time: null, shape: 'deployed' };
  const envelope = timeAndValue(topic, payload);
  if (envelope) {
    const model = envelope.value;
    if (model !== null && !isObject(model)) throw reject(`metadata on ${topic}: "value" must be the model (an object) or null`, 'bad_payload');
    const name = model && typeof model.name === 'string' ? model.name : null;
    return { kind: 'metadata', scope, id, name, model, time: envelope.time, shape: envelope.shape };
  }
  if (isObject(payload) && typeof payload.name === 'string') return { kind: 'metadata', scope, id, name: payload.name, model: payload, time: null, shape: 'documented' };
  throw reject(`metadata on ${topic} is neither {"name": ...} (documented) nor {"time": ..., "value": <model>} (PlaceOS's service)`, 'bad_payload');
}

/** {time, value} decoded: the shape from the time's unit, and a documented value from its serialized string; undefined if not such an envelope. */
function timeAndValue(topic: string, payload: unknown): { time: number; value: unknown; shape: Shape } | undefined {
  if (!isObject(payload) || !('time' in payload) || !('value' in payload)) return undefined;
  const { time, value } = payload;
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw reject(`payload on ${topic}: "time" must be a unix time in whole seconds or milliseconds, not ${JSON.stringify(time)}`, 'bad_payload');
  if (time < MS_FROM) return { time: time * 1000, value, shape: 'deployed' };
  if (typeof value !== 'string') return { time, value, shape: 'documented' };
  try {
    return { time, value: JSON.parse(value), shape: 'documented' };
  } catch {
    throw reject(`payload on ${topic}: a time in milliseconds is the documented shape, whose "value" is serialized JSON, and ${JSON.stringify(value.slice(0, 40))} is not`, 'bad_payload');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function reject(reason: string, code: string): MessageRejected {
  return new MessageRejected(reason, code);
}
