import { BROKERS, type BrokerUnderTest } from '../helpers/broker-under-test.js';
import { assertAckAfterHandling, SlowRuntime } from '../helpers/slow-runtime.js';

for (const kind of BROKERS) {
  describe(`${kind.name}: ack after handling (the CLI killed mid-message)`, () => {
    let broker: BrokerUnderTest;
    let slow: SlowRuntime | undefined;

    before(async () => {
      broker = await kind.start();
    });

    afterEach(async () => {
      await slow?.close();
      slow = undefined;
    });

    after(async () => {
      await broker?.close();
    });

    for (const protocolVersion of kind.protocolVersions) {
      it(`MQTT ${protocolVersion}: redelivers an unfinished message, also across a broker restart, and not a handled one`, async () => {
        slow = await SlowRuntime.create(broker.url, { clientId: `interop-ack-${protocolVersion}`, connection: { protocolVersion } });
        // The broker restarts while the runtime is down: the unacknowledged message must survive in what it keeps.
        await assertAckAfterHandling(slow, () => broker.restart());
      });
    }
  });
}
