import assert from 'node:assert/strict';
import { createAjv } from '../../core/config/ajv.js';
import { connectionSchema, type ConnectionConfig } from '../../core/config/connection-schema.js';
import { Connection } from '../../core/connection.js';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { StateStore } from '../../core/state-store.js';
import { tempDir } from '../helpers/paths.js';

/** What the outgoing store persisted, by topic, as the state snapshot holds it. */
async function persistedOutgoing(dir: string, name: string): Promise<Record<string, Record<string, unknown>>> {
  const state = new StateStore({ dir, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
  await state.open();
  const packets = [...state.namespace<Record<string, unknown>>(`mqtt/${name}/outgoing`).values()];
  await state.close();
  return Object.fromEntries(packets.map((p) => [p.topic as string, p]));
}

describe('Connection: how a publish is stored', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('switchboard-connection-storage-');
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('stores a durable publish, JSON text as it is, and keeps one that is not durable in memory only', async () => {
    // Nothing listens there: mqtt.js keeps the packets in its store, as it does until a broker acknowledges them.
    const config = { url: 'mqtt://127.0.0.1:1' };
    assert.ok(createAjv().validate(connectionSchema, config));
    const state = new StateStore({ dir: dir.path, fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
    await state.open();
    const connection = new Connection('local', config as ConnectionConfig, createLogger('silent'), new Metrics(false), state);
    await connection.start();
    await connection.publish('t/json', '{"a":[1,2]}', { qos: 1, retain: false, json: true });
    await connection.publish('t/text', 'plain', { qos: 1, retain: false });
    await connection.publish('t/memory', '{"b":1}', { qos: 1, retain: true, durable: false, json: true });
    assert.equal(connection.status().storedOutgoing, 3);
    await state.flushed();
    await connection.stop(Date.now());
    await state.close();
    const stored = await persistedOutgoing(dir.path, 'local');
    assert.deepEqual(Object.keys(stored).sort(), ['t/json', 't/text']);
    assert.deepEqual(stored['t/json']!.json, { a: [1, 2] });
    assert.equal(stored['t/text']!.payload, 'plain');
  });
});
