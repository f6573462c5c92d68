import { readFile } from 'node:fs/promises';
import type { Names } from '../../../plugins/placeos/names.js';
import type { StateMessage } from '../../../plugins/placeos/placeos-message.js';
import { Harness } from '../../helpers/harness.js';
import type { Received, TestClient } from '../../helpers/mqtt.js';
import { fixture } from '../../helpers/paths.js';

export const EVENTS = 'switchboard/events';

export interface FixtureLine {
  note: string;
  topic: string;
  payload: unknown;
  retain: boolean;
}

/** The PlaceOS fixture stream, line by line (0-5 deployed, 6-9 documented, 10-11 not PlaceOS). */
export async function placeosFixtures(): Promise<FixtureLine[]> {
  const text = await readFile(fixture('plugins', 'placeos', 'fixtures', 'stream.jsonl'), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as FixtureLine);
}

export interface PlaceosSuite {
  harness: Harness;
  lines: FixtureLine[];
}

/** For each test of the suite it is called in: a fresh harness (closed after the test) and the fixture lines. */
export function placeosSuite(): PlaceosSuite {
  const suite = {} as PlaceosSuite;
  beforeEach(async () => {
    suite.harness = await Harness.create();
    suite.lines = await placeosFixtures();
  });
  afterEach(async () => {
    await suite.harness.close();
  });
  return suite;
}

export async function send(client: TestClient, line: FixtureLine): Promise<void> {
  await client.publish(line.topic, typeof line.payload === 'string' ? line.payload : JSON.stringify(line.payload), { retain: line.retain });
}

/** A placeos_state event's data: the state message, named. */
export type StateEventData = Omit<StateMessage, 'kind'> & { names: Names };

/** The data of the placeos_state events received so far. */
export function stateEvents(client: TestClient): StateEventData[] {
  return client.on(`${EVENTS}/placeos_state`).map((m: Received) => m.json<{ data: StateEventData }>().data);
}

export function metadataEvents(client: TestClient): Record<string, unknown>[] {
  return client.on(`${EVENTS}/placeos_metadata`).map((m: Received) => m.json<{ data: Record<string, unknown> }>().data);
}

export async function waitForStates(client: TestClient, count: number): Promise<StateEventData[]> {
  await client.waitForCount(`${EVENTS}/placeos_state`, count);
  return stateEvents(client);
}
