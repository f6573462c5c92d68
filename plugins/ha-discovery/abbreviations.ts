// Home Assistant's abbreviations of discovery keys (its MQTT documentation, "Supported abbreviations"), for the keys this plugin sends.
export const KEY_ABBREVIATIONS: Readonly<Record<string, string>> = {
  availability_topic: 'avty_t',
  components: 'cmps',
  device: 'dev',
  device_class: 'dev_cla',
  entity_category: 'ent_cat',
  event_types: 'evt_typ',
  json_attributes_template: 'json_attr_tpl',
  json_attributes_topic: 'json_attr_t',
  origin: 'o',
  platform: 'p',
  state_class: 'stat_cla',
  state_topic: 'stat_t',
  unique_id: 'uniq_id',
  unit_of_measurement: 'unit_of_meas',
  value_template: 'val_tpl',
};

export const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  identifiers: 'ids',
  manufacturer: 'mf',
  model: 'mdl',
  suggested_area: 'sa',
};

export const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = {
  support_url: 'url',
  sw_version: 'sw',
};

/** The key that holds the base of the topics in an abbreviated config: a leading `~` in a `*topic` value stands for it. */
export const TOPIC_BASE = '~';

type Config = Record<string, unknown>;

/**
 * A discovery payload with abbreviated keys, and its topics shortened through `~` where at least two
 * share a base; Home Assistant expands both back.
 */
export function abbreviate(payload: Config): Config {
  const out = renameKeys(withTopicBase(payload), KEY_ABBREVIATIONS);
  const device = out[KEY_ABBREVIATIONS.device!];
  if (device) out[KEY_ABBREVIATIONS.device!] = renameKeys(device as Config, DEVICE_ABBREVIATIONS);
  const origin = out[KEY_ABBREVIATIONS.origin!];
  if (origin) out[KEY_ABBREVIATIONS.origin!] = renameKeys(origin as Config, ORIGIN_ABBREVIATIONS);
  const components = out[KEY_ABBREVIATIONS.components!] as Record<string, Config> | undefined;
  if (components) {
    out[KEY_ABBREVIATIONS.components!] = Object.fromEntries(Object.entries(components).map(([key, component]) => [key, abbreviate(component)]));
  }
  return out;
}

function renameKeys(object: Config, table: Readonly<Record<string, string>>): Config {
  const out: Config = {};
  for (const [key, value] of Object.entries(object)) out[table[key] ?? key] = value;
  return out;
}

/** Home Assistant expands `~` only in keys ending in "topic", at the start (or end) of the value. */
function withTopicBase(payload: Config): Config {
  const topics = Object.entries(payload).filter((e): e is [string, string] => e[0].endsWith('topic') && typeof e[1] === 'string').map(([, t]) => t);
  if (topics.some((t) => t.startsWith(TOPIC_BASE) || t.endsWith(TOPIC_BASE))) return payload;
  const base = bestBase(topics);
  if (!base) return payload;
  const out: Config = { [TOPIC_BASE]: base };
  for (const [key, value] of Object.entries(payload)) {
    out[key] = key.endsWith('topic') && typeof value === 'string' && value.startsWith(base) ? TOPIC_BASE + value.slice(base.length) : value;
  }
  return out;
}

// What `"~":"",` costs besides the base itself.
const BASE_COST = 7;

/** The topic, or run of whole leading levels of one, whose replacement by `~` saves the most characters; none if nothing is saved. */
function bestBase(topics: string[]): string | undefined {
  let best: string | undefined;
  let bestSaving = 0;
  for (const topic of topics) {
    for (let end = topic.indexOf('/') + 1; end > 0; end = topic.indexOf('/', end) + 1) consider(topic.slice(0, end));
    consider(topic);
  }
  return best;

  function consider(base: string): void {
    const uses = topics.filter((t) => t.startsWith(base)).length;
    const saving = uses * (base.length - TOPIC_BASE.length) - base.length - BASE_COST;
    if (saving > bestSaving) [best, bestSaving] = [base, saving];
  }
}
