import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fixtureBody, parseFixtures } from '../../../cli/replay.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { TestClient, type Received } from '../../helpers/mqtt.js';
import { fixture, tempDir } from '../../helpers/paths.js';
import { retainedOn, retainedWhen } from '../../helpers/retained.js';
import { InProcessRuntime } from '../../helpers/runtime.js';
import { assertValidPayload, parseTopic, renderTemplate } from './support.js';

const STREAM = fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl');
const PREFIX = 'homeassistant';
const PROPERTY = 'switchboard_homelink_property_BRIGHT_HOMES_Flat_3';
// What the stream up to its maintenance alert leaves behind (its notes): the fire alarm raised, silenced,
// re-activated and resolved; then a maintenance alert (a problem, no alarm) on the same detector.
const FIRE = 'homelink_device_A7E2C410-5B1D0E22';
const ENV = 'homelink_device_A7E2C410-00C0FFEE';
const GATEWAY = 'homelink_device_A7E2C410';

type Config = Record<string, unknown> & {
  unique_id: string;
  state_topic: string;
  value_template?: string;
  json_attributes_template?: string;
  event_types?: string[];
  device_class?: string;
  device: { identifiers: string[]; via_device?: string; name: string };
};

async function replayStream(client: TestClient): Promise<void> {
  const lines = parseFixtures(await readFile(STREAM, 'utf8'));
  const upTo = lines.findIndex((line) => line.note?.startsWith('maintenance alert'));
  assert.ok(upTo > 0, 'the stream has its maintenance alert');
  for (const line of lines.slice(0, upTo + 1)) await client.publish(line.topic, fixtureBody(line), { qos: 1 });
}

function configsOf(retained: Map<string, string>): Map<string, Config> {
  return new Map([...retained].filter(([topic]) => topic.startsWith(`${PREFIX}/`) && topic.endsWith('/config')).map(([topic, text]) => [topic, JSON.parse(text) as Config]));
}

const configOf = (configs: Map<string, Config>, uniqueId: string): Config => {
  const found = [...configs.values()].find((c) => c.unique_id === uniqueId);
  assert.ok(found, `no config with unique_id ${uniqueId}`);
  return found;
};

describe('ha-discovery: the HomeLINK fixture stream in Home Assistant', function () {
  let broker: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  let client: TestClient | undefined;

  const start = async (): Promise<InProcessRuntime> => {
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: broker.url } },
      plugins: { homelink: { topicRoot: 'bright_homes', publishIntervalMs: 0 }, 'ha-discovery': { republishDelayMs: 50 } },
    });
    await runtime.healthy();
    return runtime;
  };

  /**
   * Replays the stream and waits until the test client has seen the maintenance alert raised last, in its
   * problem config and in its state: the runtime publishes in order, so by then the client has everything before it, and the
   * broker (which stores a retained message before forwarding it) holds all of it.
   */
  const replayed = async (): Promise<Map<string, string>> => {
    client = await TestClient.connect(broker.url);
    await client.subscribe([`${PREFIX}/#`, 'switchboard/homelink/#']);
    await replayStream(client);
    await client.waitFor(
      (received) => {
        const config = received.find((m) => m.topic === `${PREFIX}/binary_sensor/switchboard/${FIRE}-problem/config`)?.json<Config>();
        return config !== undefined && received.some((m) => m.topic === config.state_topic && m.text.includes('LOW_BATTERY_HEAD'));
      },
      10000,
      'the maintenance alert in its config and state',
    );
    return retainedOn(broker, '#');
  };

  beforeEach(async () => {
    broker = await startBroker();
    dir = await tempDir();
  });

  afterEach(async () => {
    await client?.close();
    await runtime?.stop();
    await broker.close();
    await dir.remove();
    client = undefined;
    runtime = undefined;
  });

  it('leaves on the broker a valid config for every entity, linked to its property, whose state its templates read', async () => {
    await start();
    const retained = await replayed();
    const configs = configsOf(retained);
    assert.equal([...retained.keys()].filter((t) => t.startsWith(`${PREFIX}/`)).length, configs.size, 'only configs under the prefix');

    const uniqueIds = [...configs.values()].map((c) => c.unique_id);
    assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique_ids are unique');
    const identifiers = new Set([...configs.values()].flatMap((c) => c.device.identifiers));
    for (const id of [PROPERTY, `switchboard_${FIRE}`, `switchboard_${GATEWAY}`, `switchboard_${ENV}`]) assert.ok(identifiers.has(id), `no device ${id}`);

    for (const [topic, config] of configs) {
      const { component, node, object } = parseTopic(PREFIX, topic);
      assert.equal(node, 'switchboard');
      assert.equal(`switchboard_${object}`, config.unique_id, 'object id and unique_id agree');
      assertValidPayload(PREFIX, topic, config, false);
      assert.equal(config.availability_topic, 'switchboard/status');
      if (config.device.identifiers[0] === PROPERTY) assert.equal(config.device.via_device, undefined);
      else assert.equal(config.device.via_device, PROPERTY, `${topic} is not linked to its property`);

      if (component === 'event') {
        assert.equal(retained.has(config.state_topic), false, `events must not be retained (${config.state_topic})`);
        continue;
      }
      const state = retained.get(config.state_topic);
      assert.ok(state, `no retained state on ${config.state_topic} for ${topic}`);
      const value = renderTemplate(config.value_template!, JSON.parse(state));
      if (component === 'binary_sensor') assert.match(value, /^(ON|OFF)$/, `${topic} renders ${value}`);
      else if (config.device_class === 'timestamp') assert.ok(value === 'None' || Number.isFinite(Date.parse(value)), `${topic} renders ${value}`);
      else assert.ok(value === 'None' || Number.isFinite(Number(value)), `${topic} renders ${value}`);
      if (config.json_attributes_template) {
        const attributes: unknown = JSON.parse(renderTemplate(config.json_attributes_template, JSON.parse(state)));
        assert.ok(attributes && typeof attributes === 'object' && !Array.isArray(attributes), `${topic}: attributes must be an object`);
      }
    }

    const read = (uniqueId: string): { value: string; attributes?: Record<string, unknown> } => {
      const config = configOf(configs, uniqueId);
      const state: unknown = JSON.parse(retained.get(config.state_topic)!);
      const value = renderTemplate(config.value_template!, state);
      return config.json_attributes_template ? { value, attributes: JSON.parse(renderTemplate(config.json_attributes_template, state)) as Record<string, unknown> } : { value };
    };
    assert.equal(read(`switchboard_${FIRE}-alarm`).value, 'OFF', 'the fire alarm was resolved, and a maintenance alert is no alarm');
    const problem = read(`switchboard_${FIRE}-problem`);
    assert.equal(problem.value, 'ON');
    assert.ok(JSON.stringify(problem.attributes).includes('"alertstatus":"LOW_BATTERY_HEAD"'), JSON.stringify(problem.attributes));
    assert.equal(configOf(configs, `switchboard_${FIRE}-problem`).device_class, 'problem');
    assert.equal(configOf(configs, `switchboard_${FIRE}-alarm`).device_class, 'smoke');
    assert.equal(configOf(configs, `switchboard_${ENV}-alarm`).device_class, 'gas');
    assert.ok(![...configs.values()].some((c) => c.unique_id === `switchboard_${GATEWAY}-alarm`), 'a gateway raises no alarm');
    assert.equal(read(`${PROPERTY}-alarm`).value, 'OFF', 'the property is not in alarm');
    assert.equal(read(`${PROPERTY}-problem`).value, 'ON', 'but has a problem');
    assert.equal(configOf(configs, `${PROPERTY}-alarm`).device_class, 'safety');
    const temperature = configOf(configs, `switchboard_${ENV}-temperature`);
    assert.equal(temperature.device_class, 'temperature');
    assert.equal(temperature.unit_of_measurement, '°C');
    assert.equal(read(`switchboard_${ENV}-temperature`).value, '19.4');
  });

  it("fires each device event once, after the config that declares its type, with the event's id and time", async () => {
    await start();
    await replayed();
    // The device events are published apart from the retained state: wait for the last one (the maintenance alert's).
    await client!.waitFor((r) => r.some((m) => m.topic.endsWith('/A7E2C410-5B1D0E22/event') && m.text.includes('"eventId":"7c1e0d52-0000-4000-8000-00000000a002"')), 10000, 'the maintenance alert on the device\'s event topic');
    const eventTopics = new Map<string, Received[]>();
    const lastConfig = new Map<string, Config>();
    // Replays what Home Assistant would have seen, in order: an event counts against the event entity's config at that moment.
    for (const message of client!.received) {
      if (message.topic.startsWith(`${PREFIX}/event/`) && message.payload.length > 0) {
        const config = message.json<Config>();
        lastConfig.set(config.state_topic, config);
      } else if (message.topic.endsWith('/event')) {
        const event = message.json<{ event_type: string; id?: string; time?: string }>();
        const config = lastConfig.get(message.topic);
        assert.ok(config, `an event on ${message.topic} before any event entity for it`);
        assert.ok(config.event_types!.includes(event.event_type), `${event.event_type} on ${message.topic} before its config declared it (${config.event_types!.join(', ')})`);
        assert.ok(event.id, 'the event carries its id');
        assert.ok(Number.isFinite(Date.parse(event.time ?? '')), 'the event carries its time');
        eventTopics.set(message.topic, [...(eventTopics.get(message.topic) ?? []), message]);
      }
    }
    const fire = eventTopics.get(configOf(lastConfig, `switchboard_${FIRE}-events`).state_topic) ?? [];
    assert.ok(fire.length > 0, 'the fire alarm raised events');
    const ids = fire.map((m) => m.json<{ id: string }>().id);
    assert.equal(new Set(ids).size, ids.length, `an event fired twice: ${ids.join(', ')}`);
    const raised = fire.filter((m) => m.text.includes('"eventId":"7c1e0d52-0000-4000-8000-00000000a001"') && m.text.includes('"statusId":"ACTIVE"'));
    assert.equal(raised.length, 1, 'the redelivered and the older copy of the alert did not fire again');
  });

  it('publishes every config again on the birth message, keeps unique_ids across a restart, and clears a removed device', async () => {
    const rt = await start();
    const before = configsOf(await replayed());
    const configs = `${PREFIX}/+/switchboard/+/config`;
    const watcher = await TestClient.connect(broker.url);
    try {
      await watcher.subscribe(configs);
      await watcher.waitForCount(configs, before.size);
      await watcher.publish(`${PREFIX}/status`, 'online');
      await watcher.waitForCount(configs, 2 * before.size);
      await rt.waitForLog((l) => l.msg === 'Home Assistant is back: published every config again');
      assert.deepEqual(new Set(watcher.on(configs).slice(before.size).map((m) => m.topic)), new Set(before.keys()), 'every config came again');

      await runtime!.stop();
      runtime = undefined;
      await start();
      // A new run publishes its configs once, whatever the broker kept.
      const republished = (await watcher.waitForCount(configs, 3 * before.size)).slice(2 * before.size);
      assert.deepEqual(new Map(republished.map((m) => [m.topic, m.json<Config>().unique_id])), new Map([...before].map(([t, c]) => [t, c.unique_id])));
    } finally {
      await watcher.close();
    }

    const fireTopics = [...before].filter(([, c]) => c.device.identifiers[0] === `switchboard_${FIRE}`).map(([t]) => t);
    assert.ok(fireTopics.length > 0);
    const fireState = configOf(before, `switchboard_${FIRE}-alarm`).state_topic;
    const lines = parseFixtures(await readFile(STREAM, 'utf8'));
    const added = lines.find((line) => line.note?.startsWith('device added: FIRECOALARM'))!;
    await client!.publish('bright_homes/device/bright_homes_flat_3/remove', { ...(added.payload as object), action: 'REMOVE', actionTimestamp: '2026-01-15T11:00:00.000Z' });
    const left = await retainedWhen(broker, '#', (r) => !fireTopics.some((t) => r.has(t)) && !r.has(fireState), "the removed device's configs and state cleared");
    assert.equal(configsOf(left).size, before.size - fireTopics.length, 'the other devices stay');

    const removed = lines.find((line) => line.note?.startsWith('property removed'))!;
    await client!.publish(removed.topic, fixtureBody(removed));
    const propertyState = configOf(before, `${PROPERTY}-alarm`).state_topic;
    const empty = await retainedWhen(broker, '#', (r) => configsOf(r).size === 0 && !r.has(propertyState), 'every config of the removed property cleared');
    assert.deepEqual([...empty.keys()].filter((t) => t.startsWith('switchboard/homelink/')), [], 'and every state topic');
  });
});
