import type { BusEvent, CommandIO, OutboundMessage, PluginCommand } from '../../core/index.js';
import { appliesToEvent, appliesToMessage, compileRules, type Rule } from './rules.js';
import { Sanitizer, type Tally } from './sanitizer.js';
import type { PrivacyOptions } from './schema.js';

const USAGE = 2;

/** `switchboard privacy test --config FILE < message.json`: what a message or event becomes, and which rules did it. */
export const testCommand: PluginCommand = {
  summary: 'show what the privacy rules make of a message or event read from stdin',
  usage: [
    'switchboard privacy test [--config FILE] [--events-prefix PREFIX] < message.json',
    '',
    'stdin: a message {"topic": "...", "payload": ...} or an event {"event_type": "...", "data": ...}.',
    'stdout: the message as it would be published (an event: as the events output publishes it), or nothing when dropped.',
    'stderr: what each rule did. --events-prefix: events.prefix of the configuration (default switchboard/events).',
  ].join('\n'),
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'configuration whose privacy rules to apply (default: runtime.config.json, else the plugin\'s defaults)' },
    'events-prefix': { type: 'string', default: 'switchboard/events', value: 'PREFIX', description: 'events.prefix of the configuration' },
  },
  async run(args, io) {
    const prefix = String(args.values['events-prefix']);
    const options = (await io.pluginOptions(args.values.config as string | undefined)) as PrivacyOptions;
    let rules: Rule[];
    try {
      rules = compileRules(options);
    } catch (err) {
      return fail(io, `the privacy configuration cannot work: ${(err as Error).message}`);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(await readAll(io.stdin)) as Record<string, unknown>;
    } catch (err) {
      return fail(io, `stdin is not JSON: ${(err as Error).message}`);
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return fail(io, 'stdin must hold a JSON object');

    const counts = { hashed: new Map<Rule, number>(), masked: new Map<Rule, number>() };
    let droppedBy = null as Rule | null;
    const add = (map: Map<Rule, number>, rule: Rule): void => void map.set(rule, (map.get(rule) ?? 0) + 1);
    const tally: Tally = {
      hashed: (rule) => add(counts.hashed, rule),
      masked: (rule) => add(counts.masked, rule),
      dropped: (rule) => (droppedBy = rule),
      unscanned: () => undefined,
    };
    const sanitizer = new Sanitizer(rules, prefix, tally);

    let message: OutboundMessage | null;
    let applies: (rule: Rule) => boolean;
    if (typeof input.event_type === 'string') {
      const type = input.event_type;
      const event: BusEvent = {
        type,
        data: input.data,
        time: typeof input.time_fired === 'string' ? input.time_fired : new Date().toISOString(),
        source: typeof input.origin === 'string' ? input.origin : 'privacy-test',
        ...(typeof input.id === 'string' ? { id: input.id } : {}),
      };
      const topic = `${prefix}/${type}`;
      applies = (r) => appliesToEvent(r, type, topic);
      const out = sanitizer.event(event);
      // As the events output publishes it, through the message rules too.
      const body = out && { event_type: out.type, data: out.data, time_fired: out.time, origin: out.source, ...(out.id === undefined ? {} : { id: out.id }) };
      message = body && sanitizer.message(outbound(topic, body));
    } else if (typeof input.topic === 'string') {
      const topic = input.topic;
      applies = (r) => appliesToMessage(r, topic);
      message = sanitizer.message(outbound(topic, input.payload));
    } else {
      return fail(io, 'stdin must hold a message {"topic": ..., "payload": ...} or an event {"event_type": ..., "data": ...}');
    }

    if (message) io.stdout.write(`${JSON.stringify({ topic: message.topic, payload: message.payload }, null, 2)}\n`);
    const lines = rules.map((rule) => {
      const label = `rule "${rule.name}" (${rule.action})`;
      if (rule === droppedBy) return `${label}: dropped it`;
      if (droppedBy && rule.index > droppedBy.index) return `${label}: not reached`;
      const n = counts.hashed.get(rule) ?? counts.masked.get(rule);
      if (n) return `${label}: ${rule.action === 'hash' ? 'hashed' : 'masked'} ${n} value${n === 1 ? '' : 's'}`;
      return `${label}: ${applies(rule) ? 'applies, nothing matched' : 'does not apply here'}`;
    });
    if (rules.length === 0) lines.push('no rules are configured: everything goes out as it is');
    io.stderr.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

function outbound(topic: string, payload: unknown): OutboundMessage {
  return { connection: 'local', topic, payload, qos: 1, retain: false, origin: 'privacy-test' };
}

function fail(io: CommandIO, why: string): number {
  io.stderr.write(`switchboard privacy test: ${why}\n`);
  return USAGE;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
