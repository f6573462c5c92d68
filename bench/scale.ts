// Scale benchmark: the topic matcher with many subscriptions, and the runtime with the homelink plugin
// holding many devices. Prints plain lines. Exits 1 when the runtime's peak resident memory in a phase (feed,
// restart, backlog), or its resident memory after a quiet time, goes over the limit, or when it stops handling messages.
//
//   node dist/bench/scale.js [--devices 10000] [--per-property 10] [--subscriptions 10000]
//                            [--max-rss-mb 150] [--in-flight 100] [--quiet-seconds 15] [--backlog yes|no]
//                            [--node-args="--cpu-prof --cpu-prof-dir=prof"]
//
// The runtime runs as a child process (`switchboard start`), as users run it, so that its memory is its
// own: the broker (aedes) and the client feeding it live in this process. Its numbers come from its
// /metrics (process_resident_memory_bytes, nodejs_heap_size_used_bytes, process_cpu_seconds_total) and
// /healthz, its peak resident memory from /proc (Linux only).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { TopicMatcher } from '../core/topic-matcher.js';
import { startBroker } from '../test/helpers/broker.js';
import { get } from '../test/helpers/endpoints.js';
import { metricValue } from '../test/helpers/metrics.js';

const CLI = fileURLToPath(new URL('../cli/switchboard.js', import.meta.url));
const MB = 1024 * 1024;
const ROOT = 'landlord';
const EVENTS = 'switchboard/events';

const { values: opts } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    'per-property': { type: 'string', default: '10' },
    subscriptions: { type: 'string', default: '10000' },
    'max-rss-mb': { type: 'string', default: '150' },
    'in-flight': { type: 'string', default: '100' },
    'quiet-seconds': { type: 'string', default: '15' },
    // The backlog phase feeds everything again into a new state: at 100 000 devices it takes as long as the steady phase.
    backlog: { type: 'string', default: 'yes' },
    // Flags for the runtime's node, to profile it: --cpu-prof, --heap-prof, --heapsnapshot-signal=SIGUSR2.
    'node-args': { type: 'string', default: '' },
  },
});
const DEVICES = Number(opts.devices);
const PER_PROPERTY = Number(opts['per-property']);
const SUBSCRIPTIONS = Number(opts.subscriptions);
const MAX_RSS = Number(opts['max-rss-mb']) * MB;
/** How many messages the steady phase feeds ahead of those the runtime has handled. */
const IN_FLIGHT = Number(opts['in-flight']);
/**
 * How long the runtime is left without messages before its memory is held to the limit. V8 gives memory back
 * only when its memory reducer runs, at the earliest 8 s after a full collection; it has been seen to take 30 s.
 */
const QUIET_SECONDS = Number(opts['quiet-seconds']);
const BACKLOG = opts.backlog !== 'no';
const NODE_ARGS = opts['node-args'].split(' ').filter((arg) => arg !== '');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / MB).toFixed(1)} MB`);

// --- The topic matcher ----------------------------------------------------------------------------

/**
 * Filter `i` of `n`, a topic that matches it, and a topic of the same shape that no filter matches: exact
 * topics, `+` levels, `#` subtrees, HomeLINK roots and PlaceOS state wildcards, as users subscribe.
 */
function subscription(i: number, n: number): { filter: string; hit: string; miss: string } {
  const far = i + n; // an id that no filter of the set names
  const site = `site/b${i % 50}`;
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return { filter: `${site}/floor${i % 20}/room${i}/temperature`, hit: `${site}/floor${i % 20}/room${i}/temperature`, miss: `${site}/floor${i % 20}/room${i}/co2` };
    case 4:
    case 5:
      return { filter: `${site}/+/room${i}/+`, hit: `${site}/floor3/room${i}/humidity`, miss: `${site}/floor3/room${far}/humidity` };
    case 6:
      return { filter: `switchboard/homelink/PROP_${i}/#`, hit: `switchboard/homelink/PROP_${i}/D${i}/state`, miss: `switchboard/homelink/PROP_${far}/D${i}/state` };
    case 7:
      return { filter: `homelink/landlord_${i}/#`, hit: `homelink/landlord_${i}/alert/active/PROP_${i}/C3CEC7FB-D${i}/co-alarm`, miss: `homelink/landlord_${far}/alert/active/PROP_${i}/D${i}` };
    default: {
      const module = `placeos/org${i % 100}/state/region-1/bld-2/lvl-3/area-4/sys-${i}/Display/1`;
      return { filter: `placeos/org${i % 100}/state/+/+/+/+/sys-${i}/Display/+/power`, hit: `${module}/power`, miss: `${module}/volume` };
    }
  }
}

/** Nanoseconds per match, cycling through `topics`, after a warm-up; each topic is checked first to match (or not). */
function timeMatches(matcher: TopicMatcher<number>, topics: string[], matching: boolean): number {
  for (const topic of topics) {
    if (matcher.match(topic).size > 0 !== matching) throw new Error(`${topic} should ${matching ? '' : 'not '}match`);
  }
  const run = (iterations: number): number => {
    let found = 0;
    for (let k = 0; k < iterations; k++) found += matcher.match(topics[k % topics.length]!).size;
    return found;
  };
  run(200_000);
  const iterations = 1_000_000;
  const start = process.hrtime.bigint();
  const found = run(iterations);
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  // Using the result keeps the matches from being optimized away.
  if (found > 0 !== matching) throw new Error('the timed matches disagree with the check');
  return ns;
}

/** Per-match cost with `n` subscriptions; the best of three rounds, since other processes share the machine. */
function matcherCost(n: number): { hit: number; miss: number } {
  const matcher = new TopicMatcher<number>();
  const hits: string[] = [];
  const misses: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = subscription(i, n);
    matcher.add(s.filter, i);
    hits.push(s.hit);
    misses.push(s.miss);
  }
  let best = { hit: Infinity, miss: Infinity };
  for (let round = 0; round < 3; round++) {
    best = { hit: Math.min(best.hit, timeMatches(matcher, hits, true)), miss: Math.min(best.miss, timeMatches(matcher, misses, false)) };
  }
  return best;
}

// --- The runtime with the homelink plugin ------------------------------------------------------------

type Message = { topic: string; payload: object };

const MODELS = [
  ['EI3016', 'FIREALARM'],
  ['EI3028', 'FIRECOALARM'],
  ['EI208', 'COALARM'],
  ['EI1000G', 'GATEWAY'],
  ['EI1025', 'ENVCO2SENSOR'],
] as const;
const ROOMS = ['Hallway 1', 'Kitchen', 'Living Room', 'Bedroom 1', 'Landing'];

/** A landlord's portfolio as HomeLINK sends it: the properties, then each device, a reading of each, an alert of each. */
function portfolio(devices: number, perProperty: number): Message[] {
  const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 20, 9) + minutes * 60_000).toISOString();
  const property = (d: number): string => `LANDLORD_Home_${Math.floor(d / perProperty)}`;
  const serial = (d: number): string => `D${(0x10000000 + d).toString(16).toUpperCase()}`;
  const messages: Message[] = [];
  for (let d = 0; d < devices; d += perProperty) {
    messages.push({ topic: `${ROOT}/property/add/${property(d)}`, payload: { propertyReference: property(d), propertyId: `p-${d}`, propertyDisplayReference: 'Home', action: 'ADD', actionTimestamp: at(0) } });
  }
  for (let d = 0; d < devices; d++) {
    const [model, type] = MODELS[d % MODELS.length]!;
    const room = ROOMS[d % ROOMS.length]!;
    const payload = { deviceSerialNumber: serial(d), propertyReference: property(d), room, location: room.toUpperCase().replace(/ /g, ''), manufacturerReference: 'EI', sourceModel: model, sourceModelType: type };
    messages.push({ topic: `${ROOT}/device/add/${property(d)}/${serial(d)}`, payload: { ...payload, installationDate: '2023-09-05T00:00:00.000Z', replaceByDate: '2033-09-05T00:00:00.000Z', action: 'ADD', actionTimestamp: at(1) } });
  }
  for (let d = 0; d < devices; d++) {
    const payload = { deviceSerialNumber: serial(d), propertyReference: property(d), readingTypeId: 'environment.temperature.indoor', value: 18 + (d % 70) / 10, unit: 'C' };
    messages.push({ topic: `${ROOT}/reading/${property(d)}/${serial(d)}`, payload: { ...payload, readingDate: at(5), actionTimestamp: at(5) } });
  }
  for (let d = 0; d < devices; d++) {
    const eventId = `00000000-0000-4000-8000-${d.toString(16).padStart(12, '0')}`;
    const alert = { eventId, statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', eventTypeName: 'Fire Alarm Activated', severity: 'HIGH', title: 'Fire Alarm Activated', description: `${serial(d)}: Fire Alarm Activated` };
    messages.push({ topic: `${ROOT}/alert/active/${property(d)}/${serial(d)}`, payload: { ...alert, deviceSerialNumber: serial(d), propertyReference: property(d), raisedDate: at(10), action: 'ADD', actionTimestamp: at(10) } });
  }
  return messages;
}

/** `switchboard start` in a child process; its JSON log lines give the address of /metrics, and its warnings are shown. */
class RuntimeChild {
  readonly child: ChildProcess;
  readonly running: Promise<string>;
  /** Milliseconds from spawning the process until its /healthz first answered 200. */
  readonly healthy: Promise<number>;
  readonly exited: Promise<number | null>;

  constructor(configFile: string) {
    const spawned = performance.now();
    let serving: (url: string) => void;
    const http = new Promise<string>((resolve) => (serving = resolve));
    this.child = spawn(process.execPath, [...NODE_ARGS, CLI, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.running = new Promise((resolve, reject) => {
      let partial = '';
      this.child.stdout!.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          const entry = JSON.parse(line) as { msg: string; level: string; health?: string; url?: string };
          if (entry.msg.startsWith('serving /healthz')) serving(entry.url!);
          if (entry.msg === 'Switchboard is running') resolve(entry.health!.replace(/\/healthz$/, ''));
          else if (entry.level !== 'info' && entry.level !== 'debug') process.stderr.write(`runtime: ${line}\n`);
        }
      });
      void this.exited.then((code) => reject(new Error(`the runtime exited (${code}) before it was running`)));
    });
    this.healthy = http.then(async (url) => {
      // From the moment the HTTP server is up: it is the last part to start.
      while ((await fetch(`${url}/healthz`).catch(() => undefined))?.status !== 200) {
        if (this.child.exitCode !== null) throw new Error('the runtime exited before it was healthy');
        await sleep(50);
      }
      return performance.now() - spawned;
    });
    this.healthy.catch(() => undefined);
  }

  async metrics(): Promise<string> {
    return (await get(`${await this.running}/metrics`, 5)).text();
  }

  /** Acknowledgements the local connection holds back, and its publishes the broker has not acknowledged yet. */
  async inFlight(): Promise<{ heldAcks: number; storedOutgoing: number }> {
    const health = (await (await get(`${await this.running}/healthz`, 5)).json()) as { connections: Record<string, { heldAcks: number; storedOutgoing: number }> };
    return health.connections.local!;
  }

  /** The highest resident memory the process has reached (Linux), else undefined. */
  async peakRss(): Promise<number | undefined> {
    const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8').catch(() => '');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  }

  /** Resident memory now and at its peak, the heap in use (which includes garbage not yet collected) and memory outside the heap. */
  async memory(): Promise<Memory> {
    const metrics = await this.metrics();
    return {
      rss: sample(metrics, 'process_resident_memory_bytes'),
      peak: await this.peakRss(),
      heap: sample(metrics, 'nodejs_heap_size_used_bytes'),
      heapTotal: sample(metrics, 'nodejs_heap_size_total_bytes'),
      external: sample(metrics, 'nodejs_external_memory_bytes'),
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

function sample(metrics: string, name: string, labels?: Record<string, string>): number {
  return metricValue(metrics, `switchboard_${name}`, labels) ?? 0;
}

/**
 * Waits until the runtime has handled `count` homelink messages and acknowledged them, and the broker has
 * acknowledged everything it published (three quiet polls in a row). Throws when nothing moves for a minute.
 */
async function settled(runtime: RuntimeChild, count: number): Promise<string> {
  let last = '';
  let quiet = 0;
  let movedAt = Date.now();
  for (;;) {
    const metrics = await runtime.metrics();
    const { heldAcks, storedOutgoing } = await runtime.inFlight();
    const handled = sample(metrics, 'plugin_messages_handled_total', { plugin: 'homelink' });
    const now = `${handled} ${sample(metrics, 'messages_published_total', { connection: 'local' })} ${heldAcks} ${storedOutgoing}`;
    if (now !== last) movedAt = Date.now();
    quiet = now === last && handled >= count && heldAcks === 0 && storedOutgoing === 0 ? quiet + 1 : 0;
    last = now;
    if (quiet === 3) return metrics;
    if (Date.now() - movedAt > 60_000) {
      throw new Error(`stalled: ${handled} of ${count} messages handled, ${heldAcks} acknowledgements held, ${storedOutgoing} publishes not acknowledged by the broker; nothing moved for a minute`);
    }
    await sleep(200);
  }
}

/** Feeds `messages`, at most `ahead` beyond those whose event the runtime has raised (Infinity: all at once). */
async function feed(feeder: mqtt.MqttClient, messages: Message[], ahead: number): Promise<void> {
  let handled = 0;
  let wake: (() => void) | undefined;
  // Every homelink message handled raises one homelink_* event, published under switchboard/events.
  const onMessage = (topic: string): void => {
    if (!topic.startsWith(`${EVENTS}/homelink_`)) return;
    handled++;
    wake?.();
  };
  feeder.on('message', onMessage);
  try {
    // Publishes the broker has not acknowledged yet, so that the client does not queue everything.
    const window = new Set<Promise<unknown>>();
    for (let i = 0; i < messages.length; i++) {
      while (i - handled >= ahead) await new Promise<void>((resolve) => (wake = resolve));
      const sent = feeder.publishAsync(messages[i]!.topic, JSON.stringify(messages[i]!.payload), { qos: 1 });
      window.add(sent);
      void sent.finally(() => window.delete(sent));
      if (window.size >= 1000) await Promise.race(window);
    }
    await Promise.all(window);
  } finally {
    feeder.off('message', onMessage);
  }
}

interface Phase {
  runtime: RuntimeChild;
  /** Seconds from spawning the process to "Switchboard is running". */
  startSeconds: number;
  /** Seconds from spawning the process until /healthz first answered 200. */
  healthySeconds: number;
  idle: Awaited<ReturnType<RuntimeChild['memory']>>;
  before: string;
  after: string;
  /** Seconds from the first message fed (or from running, with none) until settled. */
  seconds: number;
}

/** Starts a runtime on `configFile`, feeds it `messages` and waits until it has settled; the runtime is left running. */
async function phase(configFile: string, feeder: mqtt.MqttClient, messages: Message[], ahead: number): Promise<Phase> {
  const spawned = performance.now();
  const runtime = new RuntimeChild(configFile);
  try {
    await runtime.running;
    const running = performance.now();
    const healthySeconds = (await runtime.healthy) / 1000;
    const start = performance.now();
    const idle = await runtime.memory();
    const before = await runtime.metrics();
    await feed(feeder, messages, ahead);
    const after = await settled(runtime, sample(before, 'plugin_messages_handled_total', { plugin: 'homelink' }) + messages.length);
    return { runtime, startSeconds: (running - spawned) / 1000, healthySeconds, idle, before, after, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    await runtime.stop();
    throw err;
  }
}

function costLine(p: Phase, messages: number): string {
  const cpu = sample(p.after, 'process_cpu_seconds_total') - sample(p.before, 'process_cpu_seconds_total');
  return `  ${messages} messages in ${p.seconds.toFixed(1)} s: ${Math.round(messages / p.seconds)} messages/s, CPU ${((cpu * 1e6) / messages).toFixed(0)} µs per message (until settled)`;
}

/** The state snapshots written so far (compactions: the log rewritten as a snapshot), and how long they took. */
function compactionLine(metrics: string): string {
  const count = sample(metrics, 'state_snapshot_duration_seconds_count');
  const sum = sample(metrics, 'state_snapshot_duration_seconds_sum');
  return count === 0 ? 'no state snapshot written (compaction) while running' : `${count} state snapshots written (compaction) while running, ${(sum / count).toFixed(2)} s each on average`;
}

/** One line of memory figures; when `limited`, a peak at or over the limit is added to `failures`. */
interface Memory {
  rss: number;
  peak: number | undefined;
  heap: number;
  heapTotal: number;
  external: number;
}

/** `judged`: which figure is held to the limit: the peak since the process started, resident memory now, or neither. */
function memoryLine(what: string, m: Memory, failures: string[], judged: 'peak' | 'now' | false): string {
  const figure = judged === 'now' ? m.rss : Math.max(m.rss, m.peak ?? 0);
  let verdict = '';
  if (figure >= MAX_RSS) {
    verdict = judged ? ' OVER THE LIMIT' : ' (over the limit, which this measure is not held to)';
    if (judged) failures.push(`${what}: ${mb(figure)}`);
  }
  return `  ${what}: resident ${mb(m.rss)}, peak ${mb(m.peak)}${verdict}; heap used ${mb(m.heap)} of ${mb(m.heapTotal)}, external ${mb(m.external)}`;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function runtimeCost(failures: string[]): Promise<void> {
  const broker = await startBroker();
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-scale-'));
  /** A configuration with homelink only, its state in `<dir>/<name>`, on the broker of this process. */
  const configFile = async (name: string): Promise<string> => {
    const file = join(dir, `${name}.config.json`);
    const config = { broker: { embedded: false }, connections: { local: { url: broker.url } }, http: { port: 0 }, state: { dir: `./${name}` }, plugins: { homelink: { topicRoot: ROOT } } };
    await writeFile(file, JSON.stringify(config));
    return file;
  };
  const feeder = await mqtt.connectAsync(broker.url, { clientId: 'scale-feeder', clean: true });
  try {
    await feeder.subscribeAsync(`${EVENTS}/#`, { qos: 0 });
    const messages = portfolio(DEVICES, PER_PROPERTY);
    console.log(`runtime (child process) with homelink: ${DEVICES} devices in ${Math.ceil(DEVICES / PER_PROPERTY)} properties; a device message, a reading and an alert each`);

    // Steady: the devices come in at the pace the runtime takes them.
    const steadyConfig = await configFile('steady');
    const steady = await phase(steadyConfig, feeder, messages, IN_FLIGHT);
    const listed = sample(steady.after, 'homelink_alerts_listed');
    if (listed !== DEVICES) throw new Error(`${listed} alerts listed, expected one per device (${DEVICES})`);
    console.log(`steady, at most ${IN_FLIGHT} messages ahead of the runtime:`);
    console.log(memoryLine('idle', steady.idle, failures, 'peak'));
    console.log(costLine(steady, messages.length));
    console.log(memoryLine(`with ${DEVICES} devices, just after feeding flat out`, await steady.runtime.memory(), failures, 'peak'));
    // What a portfolio of this size costs while it runs: V8 gives back what the burst left once allocation calms down.
    await sleep(QUIET_SECONDS * 1000);
    console.log(memoryLine(`with ${DEVICES} devices, after ${QUIET_SECONDS} s quiet`, await steady.runtime.memory(), failures, 'now'));
    console.log(`  ${compactionLine(steady.after)}`);
    console.log(`  state dir: ${mb(await dirBytes(join(dir, 'steady')))} while running`);
    await steady.runtime.stop();
    console.log(`  state dir: ${mb(await dirBytes(join(dir, 'steady')))} after a graceful stop`);

    // Restart: every device loaded, every state topic published and every device announced again.
    const restart = await phase(steadyConfig, feeder, [], 0);
    console.log(`restart with ${DEVICES} devices: healthy (/healthz 200) after ${restart.healthySeconds.toFixed(1)} s (the state loaded in ${sample(restart.before, 'state_recovery_seconds').toFixed(1)} s), running after ${restart.startSeconds.toFixed(1)} s, everything published again after ${restart.seconds.toFixed(1)} s more`);
    console.log(memoryLine('after restart, just after publishing everything again', await restart.runtime.memory(), failures, 'peak'));
    await sleep(QUIET_SECONDS * 1000);
    console.log(memoryLine(`after restart, after ${QUIET_SECONDS} s quiet`, await restart.runtime.memory(), failures, 'now'));
    await restart.runtime.stop();

    // Backlog: every message at once, as a broker delivers what it kept for a persistent session.
    if (!BACKLOG) return;
    console.log('backlog, every message at once:');
    try {
      const backlog = await phase(await configFile('backlog'), feeder, messages, Infinity);
      console.log(costLine(backlog, messages.length));
      console.log(memoryLine(`with ${DEVICES} devices`, await backlog.runtime.memory(), failures, 'peak'));
      await backlog.runtime.stop();
    } catch (err) {
      console.log(`  ${(err as Error).message}`);
      failures.push(`backlog: ${(err as Error).message}`);
    }
  } finally {
    await feeder.endAsync();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`Switchboard scale benchmark: node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs`);
const small = matcherCost(10);
const large = matcherCost(SUBSCRIPTIONS);
console.log('topic matcher, ns per match (a matching topic / a topic no filter matches):');
console.log(`  ${String(10).padStart(6)} subscriptions: ${small.hit.toFixed(0)} / ${small.miss.toFixed(0)}`);
console.log(`  ${String(SUBSCRIPTIONS).padStart(6)} subscriptions: ${large.hit.toFixed(0)} / ${large.miss.toFixed(0)}`);

const failures: string[] = [];
await runtimeCost(failures);
if (failures.length > 0) {
  console.log(`FAIL (limit ${mb(MAX_RSS)} resident): ${failures.join('; ')}`);
  process.exitCode = 1;
} else {
  console.log(`ok: resident memory stayed under ${mb(MAX_RSS)}, every message handled`);
}
