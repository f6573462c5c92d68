import type { FromSchema } from '../../core/index.js';
import { DETECTORS } from './detectors.js';
import { MIN_SECRET_LENGTH } from './keyed-hash.js';

const ACTIONS = ['hash', 'mask', 'drop'] as const;

// An MQTT subscription filter: levels separated by "/", "+" a whole level, "#" a whole last level.
const TOPIC_FILTER = '^(?:#|(?:\\+|[^+#/]*)(?:/(?:\\+|[^+#/]*))*(?:/#)?)$';
// Field names separated by dots; "*" or "**" as a whole name.
const JSON_PATH = '^(?:\\*\\*?|[^.*]+)(?:\\.(?:\\*\\*?|[^.*]+))*$';

// "Has this key", written as ajv's strict mode wants: a required property declared where it is required.
const HAS = {
  topics: { required: ['topics'], properties: { topics: true } },
  events: { required: ['events'], properties: { events: true } },
  detectors: { required: ['detectors'], properties: { detectors: true } },
  regex: { required: ['regex'], properties: { regex: true } },
  paths: { required: ['paths'], properties: { paths: true } },
} as const;

const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  description:
    'A rule: which events and messages it applies to (topics, events), what it looks for in them (detectors, regex, paths) and what it does (action). ' +
    'Without topics or events it applies to everything. A hash or mask rule needs detectors, regex or paths; a drop rule needs at least one of topics, events, detectors, regex, paths.',
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Name of the rule in metrics (label "rule") and in `switchboard privacy test`; default rule<index>, e.g. rule0.' },
    topics: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, pattern: TOPIC_FILTER },
      description:
        'MQTT topic filters: the rule applies to messages published on a matching topic, and to events whose topic on the events output (<events.prefix>/<event_type>, e.g. switchboard/events/homelink_alert) matches, whether or not the events output is on.',
    },
    events: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
      description: 'Event types (e.g. homelink_notification): the rule applies to these events only, and to no message other than their copies on the events output.',
    },
    detectors: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: DETECTORS },
      description: 'Built-in detectors of personal data in any string, keys included: email, phone (international and national forms), uuid, ipv4, ipv6.',
    },
    regex: {
      type: 'string',
      minLength: 1,
      'x-safe-regex': true,
      description:
        'A JavaScript regular expression (Unicode mode) whose matches in any string are acted on, e.g. "\\\\b[A-Z]{2}\\\\d{6}[A-D]\\\\b". One that can backtrack catastrophically (such as "(a+)+$") is refused; each string gets 50 ms of it, and what it has not read by then is withheld.',
    },
    ignoreCase: { type: 'boolean', default: false, description: 'Match regex regardless of case.' },
    paths: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, pattern: JSON_PATH },
      description:
        'Fields, from the root of an event\'s data or of a message\'s JSON payload: "payload.landlordReference", "payload.*.email" ("*": any one key or index), "**.email" ("**": any depth). ' +
        'With detectors or regex, only their matches in these fields are acted on; without, the whole value.',
    },
    action: {
      enum: ACTIONS,
      description: 'hash: replace with a keyed-hash token pii_<hex> (needs secret); mask: replace characters with maskChar; drop: publish the event or message nowhere.',
    },
    keepStart: { type: 'integer', minimum: 0, default: 0, description: 'mask: leading characters left as they are.' },
    keepEnd: { type: 'integer', minimum: 0, default: 0, description: 'mask: trailing characters left as they are.' },
    maskChar: {
      type: 'string',
      minLength: 1,
      maxLength: 1,
      pattern: '^[^\\s\\u0000-\\u001f\\u007f-\\u009f0-9"\\\\@+]$',
      default: '*',
      description: 'mask: the character that replaces the others; not a digit, space, quote, backslash, "@" or "+", so that a masked value never looks like data again.',
    },
  },
  // Each missing piece is reported as one problem, at the key most likely forgotten.
  allOf: [
    { if: { properties: { action: { enum: ['hash', 'mask'] } } }, then: { if: { not: { anyOf: [HAS.regex, HAS.paths] } }, then: HAS.detectors } },
    // A drop rule that names nothing would drop everything, fire alarms included.
    { if: { properties: { action: { const: 'drop' } } }, then: { if: { not: { anyOf: [HAS.events, HAS.detectors, HAS.regex, HAS.paths] } }, then: HAS.topics } },
  ],
} as const;

export const schema = {
  type: 'object',
  additionalProperties: false,
  description: 'Hashes, masks or drops personal data in every event and every message before it leaves the runtime.',
  properties: {
    secret: {
      type: 'string',
      minLength: MIN_SECRET_LENGTH,
      'x-sensitive': true,
      description: `Key of the keyed hash (HMAC-SHA256); required when a rule hashes, at least ${MIN_SECRET_LENGTH} characters. Write "\${SWITCHBOARD_PRIVACY_SECRET}" to take it from the environment. Keep it: another secret gives other tokens.`,
    },
    hashLength: { type: 'integer', minimum: 8, maximum: 64, default: 16, description: 'Hex characters of the HMAC kept in a token (pii_ and this many); 16 = 64 bits.' },
    maxScanChars: {
      type: 'integer',
      minimum: 1024,
      default: 65536,
      description: 'Longest string scanned: the rest of a longer one is withheld (cut, with a note of its length) before any detector reads it, so that no message costs more than this much scanning per string.',
    },
    rules: { type: 'array', default: [], items: rule, description: 'Applied in order to every event (after all transforms) and to every message the runtime publishes.' },
  },
  if: { required: ['rules'], properties: { rules: { contains: { required: ['action'], properties: { action: { const: 'hash' } } } } } },
  // ajv's strict mode wants a required property declared where it is required.
  then: { required: ['secret'], properties: { secret: { type: 'string' } } },
} as const;

export type PrivacyOptions = FromSchema<typeof schema>;
