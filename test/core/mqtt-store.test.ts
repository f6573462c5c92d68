import assert from 'node:assert/strict';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Packet } from 'mqtt';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { DurableMqttStore } from '../../core/mqtt-store.js';
import { StateStore } from '../../core/state-store.js';
import { tempDir } from '../helpers/paths.js';

const publish = (messageId: number, payload: string | Buffer, extra: object = {}): Packet =>
  ({ cmd: 'publish', messageId, topic: `t/${messageId}`, payload, qos: 1, retain: false, dup: false, ...extra }) as Packet;

function get(store: DurableMqttStore, messageId: number): Promise<Packet> {
  return new Promise((resolve, reject) => store.get({ messageId }, (err, packet) => (err ? reject(err) : resolve(packet!))));
}

function del(store: DurableMqttStore, messageId: number): Promise<Packet> {
  return new Promise((resolve, reject) => store.del({ messageId }, (err, packet) => (err ? reject(err) : resolve(packet!))));
}

async function streamed(store: DurableMqttStore): Promise<Packet[]> {
  const packets: Packet[] = [];
  for await (const packet of store.createStream() as AsyncIterable<Packet>) packets.push(packet);
  return packets;
}

describe('DurableMqttStore', () => {
  let dir: { path: string; remove(): Promise<void> };
  let states: StateStore[];

  async function openState(path = dir.path): Promise<StateStore> {
    const state = new StateStore({ dir: path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
    states.push(state);
    await state.open();
    return state;
  }

  beforeEach(async () => {
    dir = await tempDir('switchboard-mqtt-store-');
    states = [];
  });

  afterEach(async () => {
    for (const state of states) await state.close();
    await rm(`${dir.path}-crashed`, { recursive: true, force: true });
    await dir.remove();
  });

  it('puts, gets, deletes and streams packets in the order they were stored', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/incoming', false);
    for (const id of [5, 1, 9]) store.put(publish(id, `p${id}`), () => undefined);
    assert.equal(store.size, 3);
    assert.equal(((await get(store, 1)) as { payload: string }).payload, 'p1');
    assert.deepEqual((await streamed(store)).map((p) => p.messageId), [5, 1, 9]);
    assert.equal((await del(store, 1)).messageId, 1);
    await assert.rejects(get(store, 1), /missing packet/);
    await assert.rejects(del(store, 1), /missing packet/);
    assert.deepEqual((await streamed(store)).map((p) => p.messageId), [5, 9]);
    // A pubrel replacing its publish (QoS 2) keeps the packet's place.
    store.put({ cmd: 'pubrel', messageId: 5 } as Packet, () => undefined);
    assert.deepEqual((await streamed(store)).map((p) => `${p.cmd} ${p.messageId}`), ['pubrel 5', 'publish 9']);
  });

  it('streams the stored packets after a reopen in the order they were first stored, a reused message id last', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', false);
    for (const id of [5, 6, 7]) store.put(publish(id, `first ${id}`), () => undefined);
    store.put({ cmd: 'pubrel', messageId: 6 } as Packet, () => undefined);
    await state.flushed();
    // In one commit: 5 done and its id taken by a newer message, which a reconnection must send after 6 and 7.
    await del(store, 5);
    store.put(publish(5, 'second 5'), () => undefined);
    await state.flushed();
    // As a crash leaves it: no snapshot on the way out.
    await cp(dir.path, `${dir.path}-crashed`, { recursive: true });
    const reopened = new DurableMqttStore(await openState(`${dir.path}-crashed`), 'mqtt/test/outgoing', false);
    assert.deepEqual((await streamed(reopened)).map((p) => `${p.cmd} ${p.messageId}`), ['pubrel 6', 'publish 7', 'publish 5']);
  });

  it('calls back at once when put does not wait for the disk', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/incoming', false);
    let called = false;
    store.put(publish(1, 'x'), () => (called = true));
    assert.equal(called, true);
  });

  it('calls an outgoing QoS 2 publish and its PUBREL back only once the packet is committed', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', true);
    const seen: { what: string; durable: number; seq: number }[] = [];
    const note = (what: string) => () => seen.push({ what, durable: state.durableSeq, seq: state.seq });
    store.put(publish(1, 'hello', { qos: 2 }), note('publish 1'));
    store.put(publish(2, 'world', { qos: 2 }), note('publish 2'));
    assert.equal(seen.length, 0, 'not before the commit');
    await state.flushed();
    assert.deepEqual(seen.map((s) => s.what), ['publish 1', 'publish 2']);
    for (const s of seen) assert.ok(s.durable >= 2, `called back after the commit (durableSeq ${s.durable})`);
    store.put({ cmd: 'pubrel', qos: 1, messageId: 1 } as Packet, note('pubrel 1'));
    assert.equal(seen.length, 2, 'a PUBREL waits for the disk too');
    await state.flushed();
    assert.equal(seen.at(-1)?.what, 'pubrel 1');
  });

  it('calls an outgoing QoS 1 publish back at once, unless a packet stored before it waits for the disk', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', true);
    const order: string[] = [];
    store.put(publish(1, 'a'), () => order.push('1'));
    assert.deepEqual(order, ['1'], 'at once');
    assert.ok(state.durableSeq < state.seq, 'before the commit');
    store.put(publish(2, 'b', { qos: 2 }), () => order.push('2'));
    store.put(publish(3, 'c'), () => order.push('3'));
    assert.deepEqual(order, ['1'], 'behind the QoS 2 publish that waits');
    await state.flushed();
    assert.deepEqual(order, ['1', '2', '3'], 'in the order stored');
    store.put(publish(4, 'd'), () => order.push('4'));
    assert.deepEqual(order, ['1', '2', '3', '4'], 'at once again once nothing waits');
    // All stored in the commits, as a crash would leave them.
    await state.flushed();
    await cp(dir.path, `${dir.path}-crashed`, { recursive: true });
    const reopened = new DurableMqttStore(await openState(`${dir.path}-crashed`), 'mqtt/test/outgoing', true);
    assert.deepEqual((await streamed(reopened)).map((p) => p.messageId), [1, 2, 3, 4]);
  });

  it('leaves the store consistent when a QoS 1 publish is acknowledged before its commit', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', true);
    store.put(publish(1, 'kept'), () => undefined);
    store.put(publish(2, 'acknowledged at once'), () => undefined);
    await del(store, 2);
    // Its message id taken again before the commit, and that one acknowledged after it.
    store.put(publish(2, 'again'), () => undefined);
    await state.flushed();
    await cp(dir.path, `${dir.path}-crashed`, { recursive: true });
    await del(store, 2);
    await state.flushed();
    const crashed = new DurableMqttStore(await openState(`${dir.path}-crashed`), 'mqtt/test/outgoing', true);
    assert.deepEqual((await streamed(crashed)).map((p) => `${p.messageId} ${String((p as { payload: unknown }).payload)}`), ['1 kept', '2 again']);
    await rm(`${dir.path}-crashed`, { recursive: true, force: true });
    await cp(dir.path, `${dir.path}-crashed`, { recursive: true });
    const later = new DurableMqttStore(await openState(`${dir.path}-crashed`), 'mqtt/test/outgoing', true);
    assert.deepEqual((await streamed(later)).map((p) => p.messageId), [1]);
  });

  it('holds an outgoing QoS 1 publish back while the state cannot be written', async function () {
    this.timeout(10000);
    // The lock file cannot be created (a directory is in its place), as on a read-only or broken disk.
    await mkdir(join(dir.path, 'state.lock'), { recursive: true });
    const state = await openState();
    assert.ok(state.degraded, 'degraded');
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', true);
    let sent = false;
    store.put(publish(1, 'x'), () => (sent = true));
    assert.equal(sent, false, 'not while nothing reaches the disk');
    await rm(join(dir.path, 'state.lock'), { recursive: true });
    await state.flushed();
    assert.equal(sent, true, 'once the disk takes the commit');
  });

  it('keeps stored packets across a reopen, with string and binary payloads intact', async () => {
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);
    const first = await openState();
    const store = new DurableMqttStore(first, 'mqtt/test/outgoing', true);
    store.put(publish(3, 'text', { qos: 2, retain: true, properties: { userProperties: { a: 'b' } } }), () => undefined);
    store.put(publish(1, binary), () => undefined);
    store.put(publish(2, 'gone'), () => undefined);
    await first.flushed();
    await del(store, 2);
    await first.close();

    const second = await openState();
    const reopened = new DurableMqttStore(second, 'mqtt/test/outgoing', true);
    assert.equal(reopened.size, 2);
    const packets = await streamed(reopened);
    assert.deepEqual(packets.map((p) => p.messageId), [3, 1]);
    const text = packets[0] as Packet & { topic: string; payload: unknown; qos: number; retain: boolean; properties: unknown };
    assert.equal(text.topic, 't/3');
    assert.equal(text.payload, 'text');
    assert.equal(text.qos, 2);
    assert.equal(text.retain, true);
    assert.deepEqual(text.properties, { userProperties: { a: 'b' } });
    const bytes = (await get(reopened, 1)) as Packet & { payload: unknown };
    assert.ok(Buffer.isBuffer(bytes.payload), 'a Buffer comes back as a Buffer');
    assert.deepEqual(bytes.payload, binary);
    await assert.rejects(get(reopened, 2), /missing packet/);

    // Namespaces are separate: another connection's store sees nothing of this one.
    assert.equal(new DurableMqttStore(second, 'mqtt/other/outgoing', true).size, 0);
  });

  it('writes a packet into a commit as it writes it into a snapshot: text, JSON, binary payloads and properties', async () => {
    const state = await openState();
    const store = new DurableMqttStore(state, 'mqtt/test/outgoing', true);
    const json = { storage: { memoryOnly: false, json: true } };
    store.put(publish(1, 'plain "quoted" text é', { properties: { userProperties: { a: 'b' } } }), () => undefined);
    store.put(publish(2, '{"a":[1,"é"]}', json), () => undefined);
    store.put(publish(3, Buffer.from([0, 255, 128])), () => undefined);
    store.put({ cmd: 'pubrel', messageId: 4 } as Packet, () => undefined);
    await state.flushed();
    // The crash copy has the commit only; a stop writes the snapshot.
    await cp(dir.path, `${dir.path}-crashed`, { recursive: true });
    await state.close();
    const fromLog = await streamed(new DurableMqttStore(await openState(`${dir.path}-crashed`), 'mqtt/test/outgoing', true));
    const fromSnapshot = await streamed(new DurableMqttStore(await openState(), 'mqtt/test/outgoing', true));
    assert.deepEqual(fromLog, fromSnapshot);
    assert.deepEqual(
      fromLog.map((p) => (p as { payload?: unknown }).payload),
      ['plain "quoted" text é', '{"a":[1,"é"]}', Buffer.from([0, 255, 128]), undefined],
    );
    assert.deepEqual((fromLog[0] as { properties?: unknown }).properties, { userProperties: { a: 'b' } });
  });

  it('persists the packet as it is at commit time (mqtt.js marks a resend as dup)', async () => {
    const first = await openState();
    const store = new DurableMqttStore(first, 'mqtt/test/outgoing', true);
    const packet = publish(4, 'x') as Packet & { dup: boolean };
    store.put(packet, () => undefined);
    packet.dup = true;
    await first.flushed();
    await first.close();
    const reopened = new DurableMqttStore(await openState(), 'mqtt/test/outgoing', true);
    assert.equal(((await get(reopened, 4)) as Packet & { dup: boolean }).dup, true);
  });
});
