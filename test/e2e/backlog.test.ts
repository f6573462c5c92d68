import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime } from '../helpers/runtime.js';

const RECORDER = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'recorder.js');
const CLIENT_ID = 'e2e-backlog';
const MESSAGES = 150;
const COPIES = 20;

/**
 * aedes, like some other brokers, has no in-flight limit towards a client: it sends a persistent session's whole
 * queue at once. Each message here makes the runtime publish 20 more through a send window of two.
 */
describe('A broker sending a whole backlog at once', () => {
  let broker: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  let observer: TestClient | undefined;

  beforeEach(async () => {
    broker = await startBroker();
    dir = await tempDir();
  });

  afterEach(async () => {
    await observer?.close();
    await runtime?.stop();
    runtime = undefined;
    await broker.close();
    await dir.remove();
  });

  it('handles the messages only as fast as what they publish gets out, and loses none of it', async function () {
    this.timeout(60_000);
    const session = await TestClient.connect(broker.url, { clientId: CLIENT_ID, clean: false });
    await session.subscribe('backlog/in/#');
    await session.close();
    const publisher = await TestClient.connect(broker.url);
    for (let i = 0; i < MESSAGES; i++) await publisher.publish(`backlog/in/${i}`, String(i));
    await publisher.close();
    observer = await TestClient.connect(broker.url);
    await observer.subscribe('backlog/out/#');

    const started = await InProcessRuntime.start(dir.path, {
      connections: { local: { url: broker.url, clientId: CLIENT_ID, clean: false, maxOutgoingInflight: 2 } },
      plugins: { 'e2e-recorder': { module: RECORDER, reportTopic: 'backlog/out', copies: COPIES, handlers: [{ id: 'in', filter: 'backlog/in/#' }] } },
    });
    runtime = started;
    let mostStored = 0;
    const sampler = setInterval(() => {
      mostStored = Math.max(mostStored, started.runtime.health.report().connections.local!.storedOutgoing);
    }, 2);
    try {
      await observer.waitFor((r) => r.length >= MESSAGES * COPIES, 60_000, `${MESSAGES * COPIES} reports`);
    } finally {
      clearInterval(sampler);
    }
    const handled = new Map<string, number>();
    for (const r of observer.received) {
      const payload = r.json<{ payload: string }>().payload;
      handled.set(payload, (handled.get(payload) ?? 0) + 1);
    }
    assert.equal(handled.size, MESSAGES, 'every queued message was handled');
    for (const [payload, count] of handled) assert.equal(count, COPIES, `message ${payload} was reported ${count} times`);
    // Without the back-pressure all 3 000 reports would be stored at once, waiting for the window of two.
    assert.ok(mostStored > 0, 'the sampler saw publishes waiting');
    assert.ok(mostStored < 500, `at most a few windows' worth of publishes waited at any time, saw ${mostStored}`);
  });
});
