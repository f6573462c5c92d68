import { Mosquitto } from '../helpers/mosquitto.js';
import { assertAckAfterHandling, SlowRuntime } from '../helpers/slow-runtime.js';

describe('mosquitto: ack after handling (the CLI killed mid-message)', () => {
  let mosquitto: Mosquitto;
  let slow: SlowRuntime | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start({ persistence: true });
  });

  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });

  after(async () => {
    await mosquitto.close();
  });

  for (const protocolVersion of ['3.1.1', '5'] as const) {
    it(`MQTT ${protocolVersion}: redelivers an unfinished message, also across a broker restart, and not a handled one`, async () => {
      slow = await SlowRuntime.create(mosquitto.url, { clientId: `interop-ack-${protocolVersion}`, connection: { protocolVersion } });
      // mosquitto restarts while the runtime is down: the unacknowledged message must survive in its persistence.
      await assertAckAfterHandling(slow, () => mosquitto.restart());
    });
  }
});
