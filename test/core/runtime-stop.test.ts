import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { StateStore } from '../../core/state-store.js';
import { Harness } from '../helpers/harness.js';
import { fixturePlugin } from '../helpers/plugins.js';

describe('Runtime: stopping under traffic', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.create();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('keeps reading acknowledgements while it stops, so everything it published is acknowledged before it disconnects', async () => {
    const runtime = await harness.start({ plugins: { echo: { module: fixturePlugin('echo'), filter: 'in/#' } } });
    let publishing = true;
    let sent = 0;
    const flood = (async () => {
      while (publishing) {
        await harness.client.publish(`in/${sent++}`, 'x');
      }
    })();
    await harness.client.waitForCount('switchboard/events/#', 20, 10000);
    await runtime.stop();
    harness.runtime = undefined;
    publishing = false;
    await flood;

    // Messages that arrived while stopping stay unacknowledged (the broker keeps them); but nothing the runtime
    // published is left waiting for the broker's acknowledgement in its stored in-flight packets.
    const store = new StateStore({ dir: join(harness.dir.path, 'state'), fsync: false, compactBytes: 1 << 20 }, createLogger('silent'), new Metrics(false));
    await store.open();
    try {
      assert.deepEqual([...store.namespace('mqtt/local/outgoing').keys()], []);
    } finally {
      await store.close();
    }
    assert.ok(sent > 20, `the flood went on while the runtime stopped (${sent} messages)`);
  });
});
