import { readFile } from 'node:fs/promises';
import { fixtureBody, parseFixtures } from '../../../cli/replay.js';
import type { TestBroker } from '../../helpers/broker.js';
import { Harness } from '../../helpers/harness.js';
import type { Received, TestClient } from '../../helpers/mqtt.js';
import { fixture } from '../../helpers/paths.js';

export const STREAM = fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl');
export const BAD_INPUT = fixture('plugins', 'homelink', 'fixtures', 'bad-input.jsonl');
export const MQTTX_EXPORT = fixture('plugins', 'homelink', 'fixtures', 'mqttx-export.json');

export const EVENTS = 'switchboard/events';
export const ROOT = 'bright_homes';
export const STATE = 'switchboard/homelink/BRIGHT_HOMES_Flat_3';
export const ALARM_SERIAL = 'A7E2C410-5B1D0E22';
export const SENSOR_SERIAL = 'A7E2C410-00C0FFEE';

/** Resolves once the broker has taken a subscription to `filter`: messages published before it would reach no one. */
export function subscribed(broker: TestBroker, filter: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (subscriptions: { topic: string }[]): void => {
      if (!subscriptions.some((s) => s.topic === filter)) return;
      broker.aedes.removeListener('subscribe', listener);
      resolve();
    };
    broker.aedes.on('subscribe', listener);
  });
}

export interface FixtureMessage {
  topic: string;
  body: Buffer;
  note: string;
  payload: Record<string, unknown> | undefined;
}

/** The lines of a fixture file, as the bytes to publish. */
export async function fixtureMessages(file: string): Promise<FixtureMessage[]> {
  return parseFixtures(await readFile(file, 'utf8')).map((line) => ({
    topic: line.topic,
    body: fixtureBody(line),
    note: line.note ?? '',
    payload: line.payload as Record<string, unknown> | undefined,
  }));
}

export interface PublishedEvent {
  event_type: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Events the runtime published (under switchboard/events/), in the order received: of one type, or every homelink_* one. */
export function events(client: TestClient, type?: string): PublishedEvent[] {
  const all = client.on(`${EVENTS}/+`).map((m) => m.json<PublishedEvent>());
  return all.filter((e) => (type === undefined ? e.event_type.startsWith('homelink_') : e.event_type === type));
}

/** The last message received on `topic`, parsed. */
export function last<T = unknown>(client: TestClient, topic: string): T | undefined {
  const all = client.on(topic);
  return all.length === 0 ? undefined : all[all.length - 1]!.json<T>();
}

/** Waits until the latest message on `topic` satisfies `check`. */
export async function waitForLatest(client: TestClient, topic: string, check: (m: Received) => boolean, what: string, ms = 5000): Promise<void> {
  await client.waitFor(
    (received) => {
      const on = received.filter((m) => m.topic === topic);
      return on.length > 0 && check(on[on.length - 1]!);
    },
    ms,
    what,
  );
}

/**
 * A homelink suite over the fixture stream (construct it inside `describe`): the stream read once, a Harness
 * for each test. `send(i, changes)` publishes line i of the stream, as it is or with `changes` to its payload.
 */
export class StreamSuite {
  harness!: Harness;
  stream: FixtureMessage[] = [];

  constructor() {
    before(async () => {
      this.stream = await fixtureMessages(STREAM);
    });
    beforeEach(async () => {
      this.harness = await Harness.create();
    });
    afterEach(() => this.harness.close());
  }

  send(i: number, changes: Record<string, unknown> = {}): Promise<void> {
    const line = this.stream[i]!;
    return this.harness.client.publish(line.topic, Object.keys(changes).length === 0 ? line.body : { ...line.payload, ...changes });
  }

  /** The alertstatus of each alert in the latest list on `alertsTopic`. */
  statuses(alertsTopic: string): string[] | undefined {
    return this.harness.client.on(alertsTopic).at(-1)?.json<{ alertstatus: string }[]>().map((a) => a.alertstatus);
  }
}
