import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerKind, BrokerUnderTest } from './broker-under-test.js';
import { waitUntilSettled } from './endpoints.js';
import { byAlertId, type AlertEntry, type AlertStream, type StreamMessage } from './homelink-alert-stream.js';
import { sleep, TestClient } from './mqtt.js';
import { RestartableRuntime } from './restartable-runtime.js';

export const EVENTS = 'switchboard/events';
export const STATE_PREFIX = 'switchboard/homelink';

interface Arrival {
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The broker's packet id and DUP flag on the PUBLISH it came in. */
  packetId: number | undefined;
  dup: boolean;
  alertstatus?: string | null | undefined;
}

/** Ids that arrived more than once, with the arrival times (ms since the epoch). */
type Repeats = { id: string; arrivals: number[] }[];

/** What was wrong with the events that arrived, against those the stream must raise exactly once. */
export interface EventReport {
  missing: string[];
  unexpected: string[];
  /** Ids that arrived more than once as different messages: the runtime published them more than once. */
  repeated: Repeats;
  /**
   * Ids that arrived again as the broker's own re-send of a message it had already delivered (same packet id, DUP
   * set): a broker that restores a completed QoS 2 delivery from its persistence sends it again after its restart,
   * which no publisher can prevent.
   */
  brokerResent: Repeats;
  wrongStatus: { id: string; expected: string | null | undefined; got: string | null | undefined }[];
  /** Per-device event topics (QoS 2 like the events topics, exactly once): expected ids that never arrived there, ids that should not have, ids that arrived more than once. */
  deviceMissing: string[];
  deviceUnexpected: string[];
  deviceRepeated: Repeats;
  deviceBrokerResent: Repeats;
}

/** Something that happened to the system under test, to place problems in time. */
export interface Mark {
  what: string;
  at: number;
}

/**
 * A consumer of the events a HomeLINK alert stream raises, as a user's automation would run it: its own
 * persistent session, the events topics and the per-device event topics at QoS 2 (exactly once),
 * connected throughout (it comes back by itself if the broker restarts).
 */
export class AlertStreamConsumer {
  readonly client: MqttClient;
  /** Event id -> every arrival on the events topics. */
  readonly events = new Map<string, Arrival[]>();
  /** Event id -> every arrival on the per-device event topics. */
  readonly deviceEvents = new Map<string, Arrival[]>();

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      const body = JSON.parse(payload.toString()) as { id?: string; data?: { alertstatus?: string | null } };
      if (body.id === undefined) return;
      const arrival: Arrival = { at: Date.now(), packetId: packet.messageId, dup: packet.dup };
      const byId = topic.startsWith(`${EVENTS}/`) ? this.events : this.deviceEvents;
      if (byId === this.events) arrival.alertstatus = body.data?.alertstatus;
      const arrivals = byId.get(body.id) ?? [];
      arrivals.push(arrival);
      byId.set(body.id, arrivals);
    });
  }

  static async connect(url: string, clientId: string): Promise<AlertStreamConsumer> {
    const client = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200, connectTimeout: 5000 });
    const consumer = new AlertStreamConsumer(client);
    try {
      await client.subscribeAsync({ [`${EVENTS}/homelink_alert`]: { qos: 2 }, [`${EVENTS}/homelink_event`]: { qos: 2 }, [`${STATE_PREFIX}/+/+/event`]: { qos: 2 } });
    } catch (err) {
      await consumer.close();
      throw err;
    }
    return consumer;
  }

  /** Waits until the event of `id` arrived; fails after `ms`. */
  async arrived(id: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.events.has(id)) {
      if (Date.now() > deadline) throw new Error(`event ${id} did not arrive within ${ms} ms`);
      await sleep(20);
    }
  }

  /** Waits until every expected event id arrived on the events topics and on the device event topics, or `ms` passed. */
  async caughtUp(stream: AlertStream, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    const complete = (): boolean => [...stream.events.keys()].every((id) => this.events.has(id) && this.deviceEvents.has(id));
    while (!complete()) {
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  }

  report(stream: AlertStream): EventReport {
    const report: EventReport = { missing: [], unexpected: [], repeated: [], brokerResent: [], wrongStatus: [], deviceMissing: [], deviceUnexpected: [], deviceRepeated: [], deviceBrokerResent: [] };
    for (const [id, expected] of stream.events) {
      const arrivals = this.events.get(id);
      if (!arrivals) report.missing.push(id);
      else if (expected.type === 'homelink_alert' && arrivals[0]!.alertstatus !== expected.alertstatus) report.wrongStatus.push({ id, expected: expected.alertstatus, got: arrivals[0]!.alertstatus });
      if (!this.deviceEvents.has(id)) report.deviceMissing.push(id);
    }
    for (const [id, arrivals] of this.events) {
      if (!stream.events.has(id)) report.unexpected.push(id);
      if (arrivals.length > 1) (resentByBroker(arrivals) ? report.brokerResent : report.repeated).push({ id, arrivals: arrivals.map((a) => a.at) });
    }
    for (const [id, arrivals] of this.deviceEvents) {
      if (!stream.events.has(id)) report.deviceUnexpected.push(id);
      if (arrivals.length > 1) (resentByBroker(arrivals) ? report.deviceBrokerResent : report.deviceRepeated).push({ id, arrivals: arrivals.map((a) => a.at) });
    }
    return report;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Whether every later copy is the broker sending its first delivery again: the same packet id, DUP set. */
function resentByBroker(arrivals: Arrival[]): boolean {
  const [first, ...later] = arrivals;
  return first!.packetId !== undefined && later.every((a) => a.dup && a.packetId === first!.packetId);
}

/** What the broker does that changes what a stream test can ask of it (see BrokerKind). */
export interface StreamBroker {
  /** The highest QoS it grants: with 1, the events topics are at least once, not exactly once. */
  maxQos: 1 | 2;
  /** Whether the retained state can be read with wildcard subscriptions, or only topic by topic. */
  retainedOnWildcards: boolean;
}

const MOSQUITTO_LIKE: StreamBroker = { maxQos: 2, retainedOnWildcards: true };

/**
 * Asserts what must hold after the stream: every event on the events topics and on the device event topics
 * (exactly once where the broker grants QoS 2, at least once where it grants 1), nothing unexpected, and every
 * alert's final state retained on the broker. On failure, says which messages lost or repeated their events and
 * when, relative to `marks` (kills, restarts). Returns the report (e.g. to count the repeats a QoS 1 broker let through).
 */
export async function assertStreamOutcome(url: string, stream: AlertStream, consumer: AlertStreamConsumer, marks: Mark[], broker: StreamBroker = MOSQUITTO_LIKE): Promise<EventReport> {
  const report = consumer.report(stream);
  const problems = explain(report, stream, marks);
  assert.deepEqual(report.missing, [], `events lost\n${problems}`);
  if (broker.maxQos === 2) assert.deepEqual(report.repeated, [], `events raised more than once (events.qos 2 makes the output exactly-once)\n${problems}`);
  assert.deepEqual(report.unexpected, [], `events the stream must not raise\n${problems}`);
  assert.deepEqual(report.wrongStatus, [], `alert events with a wrong alertstatus\n${problems}`);
  assert.deepEqual(report.deviceMissing, [], `events missing on the per-device event topics\n${problems}`);
  assert.deepEqual(report.deviceUnexpected, [], 'unexpected events on the per-device event topics');
  if (broker.maxQos === 2) assert.deepEqual(report.deviceRepeated, [], `events repeated on the per-device event topics (events.qos 2 covers them too)\n${problems}`);
  assert.deepEqual(await settledState(url, stream, 10000, broker), [], 'retained alerts and alarm topics');
  const resent = report.brokerResent.length + report.deviceBrokerResent.length;
  if (resent > 0) console.log(`      the broker sent ${resent} deliveries again after its restart, each with its first packet id and DUP set:\n${problems}`);
  return report;
}

function explain(report: EventReport, stream: AlertStream, marks: Mark[]): string {
  const t0 = marks[0]?.at ?? 0;
  const when = (at: number): string => {
    const before = marks.filter((m) => m.at <= at).at(-1);
    return `${at - t0} ms${before ? ` (${at - before.at} ms after ${before.what})` : ''}`;
  };
  const lines = [`marks: ${marks.map((m) => `${m.what} at ${m.at - t0} ms`).join(', ')}`];
  const missing = report.missing.map((id) => stream.events.get(id)!.index).sort((a, b) => a - b);
  for (let i = 0; i < missing.length; ) {
    let j = i;
    while (j + 1 < missing.length && missing[j + 1]! - missing[j]! < 10) j++;
    lines.push(`missing the events of messages #${missing[i]}..#${missing[j]} (${j - i + 1} events)`);
    i = j + 1;
  }
  for (const { id, arrivals } of report.repeated.slice(0, 20)) lines.push(`repeated ${id} (message #${stream.events.get(id)?.index}): arrived at ${arrivals.map(when).join(' and ')}`);
  for (const { id, arrivals } of report.deviceRepeated.slice(0, 20)) lines.push(`repeated on its device's event topic ${id} (message #${stream.events.get(id)?.index}): arrived at ${arrivals.map(when).join(' and ')}`);
  for (const { id, arrivals } of [...report.brokerResent, ...report.deviceBrokerResent].slice(0, 20)) lines.push(`sent again by the broker ${id} (message #${stream.events.get(id)?.index}): arrived at ${arrivals.map(when).join(' and ')}`);
  return lines.join('\n');
}

/** The retained alerts and alarm topics the broker holds under the state prefix. */
export interface RetainedState {
  alerts: Map<string, AlertEntry[]>;
  alarms: Map<string, string>;
}

/**
 * Reads the retained `<prefix>/<property>/<device>/alerts` and `<prefix>/<property>/alarm` topics with a fresh client:
 * all of them with wildcards, or only `topics` (for a broker that sends retained messages to exact subscriptions only).
 */
export async function retainedState(url: string, expectedTopics: number, topics?: string[]): Promise<RetainedState> {
  const client = await TestClient.connect(url);
  try {
    await client.subscribe(topics ?? [`${STATE_PREFIX}/+/+/alerts`, `${STATE_PREFIX}/+/alarm`], 1);
    // Retained messages come right after the subscription; wait until the count is reached or nothing more comes.
    let seen = -1;
    while (client.received.length !== seen && client.received.length < expectedTopics) {
      seen = client.received.length;
      await sleep(300);
    }
    const state: RetainedState = { alerts: new Map(), alarms: new Map() };
    for (const m of client.received) {
      const key = m.topic.split('/').slice(2, -1).join('/');
      if (m.topic.endsWith('/alerts')) state.alerts.set(key, m.payload.length === 0 ? [] : m.json<AlertEntry[]>().sort(byAlertId));
      else state.alarms.set(key, m.text);
    }
    return state;
  } finally {
    await client.close();
  }
}

/** Differences between the retained state and the stream's expected final state (empty when they agree). */
export function stateDifferences(stream: AlertStream, state: RetainedState): string[] {
  const problems: string[] = [];
  for (const [key, expected] of stream.alerts) {
    const got = state.alerts.get(key);
    try {
      assert.deepEqual(got, expected);
    } catch {
      problems.push(`${STATE_PREFIX}/${key}/alerts: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    }
  }
  for (const key of state.alerts.keys()) if (!stream.alerts.has(key)) problems.push(`${STATE_PREFIX}/${key}/alerts is retained but no message reached that device`);
  for (const [property, expected] of stream.alarms) {
    if (state.alarms.get(property) !== expected) problems.push(`${STATE_PREFIX}/${property}/alarm: expected ${expected}, got ${state.alarms.get(property)}`);
  }
  return problems;
}

/**
 * Polls the retained state until it matches the stream's expected final state; returns the remaining differences after `ms`.
 * Where the broker sends retained messages to exact subscriptions only, the expected topics are read one by one, so a
 * stray retained topic the stream never reached goes unseen there.
 */
export async function settledState(url: string, stream: AlertStream, ms: number, broker: StreamBroker = MOSQUITTO_LIKE): Promise<string[]> {
  const deadline = Date.now() + ms;
  const count = stream.alerts.size + stream.alarms.size;
  const topics = broker.retainedOnWildcards
    ? undefined
    : [...[...stream.alerts.keys()].map((key) => `${STATE_PREFIX}/${key}/alerts`), ...[...stream.alarms.keys()].map((property) => `${STATE_PREFIX}/${property}/alarm`)];
  for (;;) {
    const problems = stateDifferences(stream, await retainedState(url, count, topics));
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await sleep(500);
  }
}

/**
 * Publishes a stream at QoS 1, in chunks of `chunk` at most every `intervalMs`, each chunk once the broker has
 * acknowledged the one before; `accepted` counts the broker's acknowledgements. With a persistent session that
 * comes back by itself, mqtt.js sends again whatever the broker had not acknowledged when the connection dropped,
 * so every message is eventually accepted.
 */
export class StreamPublisher {
  readonly client: MqttClient;
  accepted = 0;

  private constructor(client: MqttClient) {
    this.client = client;
  }

  static async connect(url: string, clientId: string): Promise<StreamPublisher> {
    return new StreamPublisher(await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200, connectTimeout: 5000 }));
  }

  async publish(messages: readonly StreamMessage[], options: { chunk: number; intervalMs: number }): Promise<void> {
    for (let i = 0; i < messages.length; i += options.chunk) {
      const next = sleep(options.intervalMs);
      await Promise.all(
        messages.slice(i, i + options.chunk).map(async (m) => {
          await this.client.publishAsync(m.topic, m.body, { qos: 1 });
          this.accepted++;
        }),
      );
      await next;
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/**
 * A fault test's alert stream over one broker: the broker started before the suite and everything closed after
 * it; `begin` connects a consumer, starts the runtime (homelink on `root`, events at QoS 2 so that a broker that
 * has it passes each event once, a persistent session) and a publisher, and sends the stream's first message as a
 * probe, so that the runtime's subscription is known to be in place; `end` waits for the stream to settle and
 * checks its outcome. Client ids are `<name>-consumer`, `<name>-runtime`, `<name>-publisher`.
 */
export class AlertStreamFault {
  broker!: BrokerUnderTest;
  runtime: RestartableRuntime | undefined;
  consumer: AlertStreamConsumer | undefined;
  publisher: StreamPublisher | undefined;
  readonly marks: Mark[] = [];
  readonly #kind: BrokerKind;
  readonly #name: string;

  /** Registers the suite's before (start the broker) and after (close everything). Call it inside `describe`. */
  constructor(kind: BrokerKind, name: string) {
    this.#kind = kind;
    this.#name = name;
    before(async () => {
      this.broker = await kind.start();
    });
    after(() => this.#close());
  }

  /** Returns the stream's messages after the probe, for the test to publish. */
  async begin(stream: AlertStream, root: string): Promise<{ runtime: RestartableRuntime; publisher: StreamPublisher; rest: StreamMessage[] }> {
    const url = this.broker.url;
    this.marks.push({ what: 'the start', at: Date.now() });
    const consumer = (this.consumer = await AlertStreamConsumer.connect(url, `${this.#name}-consumer`));
    const runtime = (this.runtime = await RestartableRuntime.create({
      connections: { local: { url, clientId: `${this.#name}-runtime`, clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      events: { qos: 2 },
      plugins: { homelink: { topicRoot: root, qos: 1 } },
    }));
    await runtime.start();
    await runtime.healthy();
    const publisher = (this.publisher = await StreamPublisher.connect(url, `${this.#name}-publisher`));
    const [probe, ...rest] = stream.messages;
    await publisher.publish([probe!], { chunk: 1, intervalMs: 0 });
    await consumer.arrived(probe!.raises!, 10000);
    return { runtime, publisher, rest };
  }

  /** Once everything was published: every event arrived, the runtime settled, the outcome right, no crash. */
  async end(stream: AlertStream): Promise<EventReport> {
    await this.consumer!.caughtUp(stream, 30000);
    await waitUntilSettled(this.runtime!.current!.healthUrl, 30000, 'every message acknowledged and every publish delivered');
    // A repeat would come right after the original: give it time to show.
    await sleep(1000);
    const report = await assertStreamOutcome(this.broker.url, stream, this.consumer!, this.marks, this.#kind);
    // With QoS 1 only, an event sent again reaches its subscribers twice: allowed, and shown.
    if (report.repeated.length > 0) console.log(`      ${this.#kind.name}: ${report.repeated.length} of ${stream.events.size} events arrived more than once (QoS 1)`);
    assert.deepEqual(this.runtime!.crashes(), []);
    return report;
  }

  async #close(): Promise<void> {
    await this.publisher?.close();
    await this.consumer?.close();
    await this.runtime?.close();
    await this.broker?.close();
  }
}
