import assert from 'node:assert/strict';
import type { Device } from '../../../core/index.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { TestClient } from '../../helpers/mqtt.js';
import { fixture, tempDir } from '../../helpers/paths.js';
import { retainedOn, retainedWhen } from '../../helpers/retained.js';
import { InProcessRuntime } from '../../helpers/runtime.js';
import { assertValidPayload, sampleDevices } from './support.js';

const DEVICE_SOURCE = fixture('dist', 'test', 'plugins', 'ha-discovery', 'device-source.js');
const CONFIGS = 'homeassistant/+/switchboard/+/config';

type Payload = Record<string, unknown>;

/** Polls the broker until `done` holds for the configs it retains (by topic, parsed). */
async function retainedConfigs(broker: TestBroker, done: (configs: Map<string, Payload>) => boolean, what: string): Promise<Map<string, Payload>> {
  const parse = (retained: Map<string, string>): Map<string, Payload> => new Map([...retained].map(([topic, text]) => [topic, JSON.parse(text) as Payload]));
  return parse(await retainedWhen(broker, CONFIGS, (retained) => done(parse(retained)), what));
}

const entityCount = (devices: Device[]): number => devices.reduce((n, d) => n + d.capabilities.length, 0);

describe('ha-discovery: lifecycle over a broker', () => {
  let broker: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  let client: TestClient | undefined;

  const start = async (devices: Device[], options: Record<string, unknown> = {}, connections: Record<string, unknown> = {}): Promise<InProcessRuntime> => {
    runtime = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: broker.url }, ...connections },
      plugins: { 'device-source': { module: DEVICE_SOURCE, devices }, 'ha-discovery': { republishDelayMs: 50, ...options } },
    });
    await runtime.healthy();
    return runtime;
  };

  const subscribe = async (filter = CONFIGS): Promise<TestClient> => {
    client = await TestClient.connect(broker.url);
    await client.subscribe(filter);
    return client;
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

  it('publishes a retained, valid config for every entity at start, available while the runtime is', async () => {
    const devices = sampleDevices();
    await start(devices);
    const configs = await retainedConfigs(broker, (c) => c.size >= entityCount(devices), 'every config');
    assert.equal(configs.size, entityCount(devices));
    for (const [topic, payload] of configs) {
      assertValidPayload('homeassistant', topic, payload, false);
      assert.equal(payload.availability_topic, 'switchboard/status');
    }
    await retainedWhen(broker, 'switchboard/status', (r) => r.get('switchboard/status') === 'online', 'the status topic online');
  });

  it('publishes nothing for an unchanged device, only what changed for a changed one, and clears an entity a device lost', async () => {
    const devices = sampleDevices();
    await start(devices);
    await retainedConfigs(broker, (c) => c.size === entityCount(devices), 'every config');
    const watcher = await subscribe();
    await watcher.waitForCount(CONFIGS, entityCount(devices));
    const seen = watcher.received.length;

    const [hub, smoke] = devices as [Device, Device];
    await watcher.publish('test/devices/update', smoke);
    const renamed = { ...hub, name: 'SAMPLE Home (renamed)' };
    await watcher.publish('test/devices/update', renamed);
    const [changed] = await watcher.waitForCount('homeassistant/binary_sensor/switchboard/homelink_property_SAMPLE_Home-alarm/config', 2);
    // Messages are handled and published in order: anything the unchanged device caused came before.
    assert.deepEqual(watcher.received.slice(seen).map((m) => m.topic), ['homeassistant/binary_sensor/switchboard/homelink_property_SAMPLE_Home-alarm/config']);
    assert.equal(changed && JSON.parse(watcher.received.at(-1)!.text).device.name, 'SAMPLE Home (renamed)');

    const lost = `homeassistant/sensor/switchboard/${smoke.id}-replace_by/config`;
    await watcher.publish('test/devices/update', { ...smoke, capabilities: smoke.capabilities.filter((c) => c.key !== 'replace_by') });
    await watcher.waitFor((r) => r.some((m) => m.topic === lost && m.payload.length === 0), 5000, 'the lost entity cleared');
    const configs = await retainedConfigs(broker, (c) => !c.has(lost), 'the lost entity gone from the broker');
    assert.equal(configs.size, entityCount(devices) - 1);
    const uniqueIds = [...configs.values()].map((p) => p.unique_id);
    assert.equal(new Set(uniqueIds).size, uniqueIds.length);
  });

  it('clears every config of a removed device, retained and all', async () => {
    const devices = sampleDevices();
    await start(devices);
    await retainedConfigs(broker, (c) => c.size === entityCount(devices), 'every config');
    const gone = devices[2]!;
    const watcher = await subscribe();
    const clearedOf = (r: { topic: string; payload: Buffer }[]) => r.filter((m) => m.topic.includes(`/${gone.id}-`) && m.payload.length === 0);
    await watcher.publish('test/devices/remove', { id: gone.id });
    await watcher.waitFor((r) => clearedOf(r).length >= gone.capabilities.length, 5000, 'the empty configs');
    const configs = await retainedConfigs(broker, () => true, 'the configs');
    assert.equal([...configs.keys()].filter((t) => t.includes(gone.id)).length, 0);
    assert.equal(configs.size, entityCount(devices) - gone.capabilities.length);
    assert.equal(clearedOf(watcher.received).length, gone.capabilities.length);
  });

  it("publishes every config again after Home Assistant's birth, and not on its will nor an old retained birth", async () => {
    const devices = sampleDevices();
    const watcher = await subscribe();
    await watcher.publish('ha/birth', 'online', { retain: true });
    // No random delay: each answer follows its birth at once, so every answer is in before the next step.
    const rt = await start(devices, { birthTopic: 'ha/birth', republishDelayMs: 0 });
    await watcher.waitForCount(CONFIGS, entityCount(devices));
    const sentinel = async (name: string): Promise<void> => {
      await watcher.publish('test/devices/update', { ...devices[0]!, name });
      await watcher.waitFor((r) => r.some((m) => m.text.includes(`"${name}"`)), 5000, name);
    };

    await watcher.publish('ha/birth', 'offline');
    await watcher.publish('homeassistant/status', 'online');
    await sentinel('first sentinel');
    await watcher.publish('ha/birth', 'online');
    await rt.waitForLog((l) => l.msg === 'Home Assistant is back: published every config again');
    await sentinel('second sentinel');

    const after = watcher.on(CONFIGS).slice(entityCount(devices));
    assert.equal(after.length, entityCount(devices) + 2, 'one config per sentinel, and every config once more');
    assert.equal(new Set(after.map((m) => m.topic)).size, entityCount(devices));
    assert.match(await rt.metrics(), /switchboard_ha_discovery_republished_total 1\b/);
  });

  it('never sees an invalid device: the core logs and counts it against the plugin that raised it, and the next goes on', async () => {
    const rt = await start([]);
    const watcher = await subscribe();
    await watcher.publish('test/devices/update', { id: 'not valid!', kind: 'device' });
    await watcher.publish('test/devices/remove', { nope: 1 });
    const [device] = sampleDevices();
    await watcher.publish('test/devices/update', device!);
    await watcher.waitForCount(CONFIGS, device!.capabilities.length);
    assert.match(await rt.metrics(), /switchboard_plugin_drops_total\{plugin="device-source",stage="schema"\} 2\b/);
    const update = rt.logs.find((l) => l.msg === "event device_updated not raised: its data does not match the event's schema");
    assert.equal(update?.plugin, 'device-source');
    assert.match(String(update?.problems), /\/id must match pattern/);
    const removal = rt.logs.find((l) => l.msg === "event device_removed not raised: its data does not match the event's schema");
    assert.match(String(removal?.problems), /must have required property 'id'/);
    assert.ok(!rt.logs.some((l) => l.plugin === 'ha-discovery' && l.level === 'warn'), 'ha-discovery had nothing to say about them');
  });

  it('keeps unique_ids across a restart and clears the configs of devices no longer known', async () => {
    const devices = sampleDevices();
    await start(devices);
    const before = await retainedConfigs(broker, (c) => c.size === entityCount(devices), 'every config');
    await runtime!.stop();
    runtime = undefined;

    const kept = devices.filter((d) => d.id !== 'homelink_device_AA000001');
    const rt = await start(kept);
    await rt.waitForLog((l) => l.msg === 'Home Assistant discovery published');
    const after = await retainedConfigs(broker, (c) => c.size === entityCount(kept), 'the stale configs cleared');
    assert.ok(![...after.keys()].some((t) => t.includes('AA000001')));
    for (const [topic, payload] of after) assert.deepEqual(payload, before.get(topic), `${topic} changed across the restart`);
    assert.equal(rt.logs.find((l) => l.msg === 'Home Assistant discovery published')?.staleCleared, entityCount(devices) - entityCount(kept));
  });

  it('publishes one abbreviated config per device with device discovery, and reduces a lost entity to its platform', async () => {
    const devices = sampleDevices();
    await start(devices, { deviceDiscovery: true, abbreviate: true });
    const filter = 'homeassistant/device/switchboard/+/config';
    const watcher = await subscribe(filter);
    await watcher.waitForCount(filter, devices.length);
    for (const m of watcher.on(filter)) assertValidPayload('homeassistant', m.topic, m.json(), true);
    const smoke = devices[1]!;
    await watcher.publish('test/devices/update', { ...smoke, capabilities: smoke.capabilities.filter((c) => c.key !== 'last_tested') });
    const updates = await watcher.waitForCount(`homeassistant/device/switchboard/${smoke.id}/config`, 2);
    const latest = updates.at(-1)!.json<{ cmps: Record<string, Payload> }>();
    assertValidPayload('homeassistant', updates.at(-1)!.topic, latest, true);
    assert.deepEqual(latest.cmps.last_tested, { p: 'sensor' });
    assert.equal(latest.cmps.alarm?.p, 'binary_sensor');
  });

  it('with retain off, publishes configs without keeping them on the broker', async () => {
    const devices = sampleDevices().slice(0, 2);
    client = await TestClient.connect(broker.url);
    await client.subscribe(CONFIGS);
    await start(devices, { retain: false });
    const live = await client.waitForCount(CONFIGS, entityCount(devices));
    assert.ok(live.every((m) => m.payload.length > 0));
    assert.equal((await retainedOn(broker, CONFIGS)).size, 0);
  });

  it("does not publish a device whose state is on another broker than Home Assistant's", async () => {
    const [hub, smoke] = sampleDevices();
    const rt = await start([hub!, { ...smoke!, connection: 'other' }], {}, { other: { url: broker.url } });
    await retainedConfigs(broker, (c) => c.size === hub!.capabilities.length, 'the hub');
    assert.match(await rt.metrics(), /switchboard_ha_discovery_devices_rejected_total\{reason="other_broker"\} 1\b/);
    assert.ok(![...(await retainedOn(broker, CONFIGS)).keys()].some((t) => t.includes(smoke!.id)));
  });
});
