import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
// Before mqtt.js: the host API quiets mqtt-packet's debug logging.
import '../core/host.js';
import { topicProblem, type QoS } from '../core/index.js';
import mqtt from 'mqtt';
import { EXIT, UsageError, write, type Command } from './command.js';
import { readCounts, settledCounts, summaryLines } from './replay-summary.js';

/** One line of a fixture file: `payload` (JSON, sent as JSON), `raw` (text as is) or `raw_hex` (bytes). */
interface FixtureLine {
  topic: string;
  payload?: unknown;
  raw?: string;
  raw_hex?: string;
  note?: string;
  retain?: boolean;
}

/** The fixture lines of a JSONL file, with the line number of any that is not one. */
export function parseFixtures(text: string): FixtureLine[] {
  const lines: FixtureLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: FixtureLine;
    try {
      value = JSON.parse(line) as FixtureLine;
    } catch (err) {
      throw new UsageError(`line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (typeof value?.topic !== 'string' || (value.payload === undefined && value.raw === undefined && value.raw_hex === undefined)) {
      throw new UsageError(`line ${i + 1} needs "topic" and one of "payload", "raw", "raw_hex"`);
    }
    lines.push(value);
  });
  return lines;
}

export function fixtureBody(line: FixtureLine): Buffer {
  if (line.raw_hex !== undefined) return Buffer.from(line.raw_hex, 'hex');
  if (line.raw !== undefined) return Buffer.from(line.raw);
  return Buffer.from(JSON.stringify(line.payload));
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'publish the messages of a fixture file (JSONL: topic + payload, raw or raw_hex), in order',
  usage: 'switchboard replay FILE [--url mqtt://127.0.0.1:1883] [--rate 5] [--qos 1] [--root NEW_ROOT] [--metrics URL]',
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883', value: 'URL', description: 'broker to publish to' },
    rate: { type: 'string', default: '5', value: 'N', description: 'messages per second; 0: as fast as possible' },
    qos: { type: 'string', default: '1', value: '0|1|2', description: 'QoS of every message' },
    root: { type: 'string', value: 'ROOT', description: 'replace the first topic level (e.g. a landlord reference) with ROOT' },
    metrics: { type: 'string', default: 'http://127.0.0.1:9883/metrics', value: 'URL', description: 'the runtime\'s /metrics, read before and after for the summary ("" for none)' },
  },
  positionals: 1,
  async run(args, io) {
    const [file] = args.positionals;
    if (!file) throw new UsageError('switchboard replay: which file? (e.g. plugins/homelink/fixtures/stream.jsonl)');
    const rate = Number(args.values.rate);
    const qos = Number(args.values.qos) as QoS;
    if (!(rate >= 0)) throw new UsageError('switchboard replay: --rate must be a number of messages per second (0: as fast as possible)');
    if (![0, 1, 2].includes(qos)) throw new UsageError('switchboard replay: --qos must be 0, 1 or 2');
    const lines = parseFixtures(await readFile(file, 'utf8').catch((err: Error) => Promise.reject(new UsageError(`switchboard replay: ${err.message}`))));
    const root = args.values.root as string | undefined;

    const url = String(args.values.url);
    const metrics = String(args.values.metrics);
    const before = metrics ? await readCounts(metrics) : undefined;
    const client = mqtt.connect(url, { clientId: `switchboard_replay_${process.pid}`, reconnectPeriod: 0, connectTimeout: 10000 });
    const connected = await new Promise<Error | null>((resolve) => {
      client.once('connect', () => resolve(null));
      client.once('error', resolve);
      client.once('close', () => resolve(new Error('connection closed')));
    });
    if (connected) {
      write(io.stderr, `switchboard replay: cannot connect to ${url}: ${connected.message}`);
      client.end(true);
      return EXIT.failure;
    }
    const width = String(lines.length).length;
    let skipped = 0;
    for (const [i, line] of lines.entries()) {
      const topic = root ? [root, ...line.topic.split('/').slice(1)].join('/') : line.topic;
      const problem = topicProblem(topic);
      if (problem) {
        write(io.stderr, `[${String(i + 1).padStart(width)}/${lines.length}] skipped: ${problem}`);
        skipped++;
        continue;
      }
      await client.publishAsync(topic, fixtureBody(line), { qos, retain: line.retain === true });
      write(io.stdout, `[${String(i + 1).padStart(width)}/${lines.length}] ${topic}${line.note ? `  (${line.note})` : ''}`);
      if (rate > 0 && i < lines.length - 1) await sleep(1000 / rate);
    }
    await client.endAsync();
    const sent = lines.length - skipped;
    const after = before && (await settledCounts(metrics, sent, before));
    for (const text of summaryLines(sent, skipped, metrics, after || undefined)) write(io.stdout, text);
    return EXIT.ok;
  },
};
