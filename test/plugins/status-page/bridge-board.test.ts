import assert from 'node:assert/strict';
import { BRIDGE_UPDATED, type BridgeStatus } from '../../../core/index.js';
import { BridgeBoard } from '../../../plugins/status-page/bridge-board.js';

function status(name: string, out: number): BridgeStatus {
  return { name, local: { connection: 'local', connected: true }, remote: { connection: 'cloud', connected: false }, forwarded: { out, in: 0 }, dropped: { echo: 1 } };
}

describe('Status page: the bridges', () => {
  it('keeps the latest state of each bridge, by plugin and name, and ignores other events', () => {
    const board = new BridgeBoard();
    const at = (source: string, data: unknown, type = BRIDGE_UPDATED) => board.event({ type, data, source, time: '2026-01-01T00:00:00.000Z' });
    assert.equal(at('mosquitto-bridge', status('b', 1)), true);
    assert.equal(at('mosquitto-bridge', status('a', 0)), true);
    assert.equal(at('mosquitto-bridge', status('b', 5)), true);
    assert.equal(at('other-bridge', status('b', 7)), true);
    assert.equal(at('mosquitto-bridge', status('c', 1), 'device_updated'), false);
    assert.equal(at('mosquitto-bridge', { nothing: true }), false);
    assert.deepEqual(
      board.snapshot().map((b) => [b.source, b.name, b.forwarded.out]),
      [['mosquitto-bridge', 'a', 0], ['mosquitto-bridge', 'b', 5], ['other-bridge', 'b', 7]],
    );
  });
});
