import { startBroker, type TestBroker } from '../helpers/broker.js';
import { assertAckAfterHandling, SlowRuntime } from '../helpers/slow-runtime.js';

describe('Ack after handling (the CLI killed mid-message, the broker outliving it)', () => {
  let broker: TestBroker;
  let slow: SlowRuntime | undefined;

  before(async () => {
    broker = await startBroker();
  });

  after(async () => {
    await slow?.close();
    await broker.close();
  });

  it('redelivers a message whose handler had not finished, and not one that was handled', async () => {
    slow = await SlowRuntime.create(broker.url, { clientId: 'e2e-ack-after-handling' });
    await assertAckAfterHandling(slow);
  });
});
