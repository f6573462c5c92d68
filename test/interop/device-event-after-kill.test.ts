import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { waitUntil } from '../../core/testing/wait.js';
import { waitUntilSettled } from '../helpers/endpoints.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sleep, TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const ROOT = 'landlord';
const DEVICE_EVENTS = 'switchboard/homelink/+/+/event';
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;

/**
 * A TCP proxy in front of the broker that, once told to, drops the broker's PUBACKs and PUBRECs to the
 * client: the client has sent a message and the broker has it, but the client never hears so — the moment
 * a crash leaves a publish to be sent again.
 */
class AckDroppingProxy {
  dropAcks = false;
  /** Topics of the PUBLISH packets the client sent. */
  readonly published: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(brokerPort: number): Promise<AckDroppingProxy> {
    const server = createServer();
    const proxy = new AckDroppingProxy(server);
    server.on('connection', (client) => proxy.#pipe(client, brokerPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  #pipe(client: Socket, brokerPort: number): void {
    const broker = connect(brokerPort, '127.0.0.1');
    for (const s of [client, broker]) {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        broker.destroy();
      });
    }
    client.on('data', packets((packet) => {
      if (packet[0]! >> 4 === PUBLISH) this.published.push(topicOf(packet));
      broker.write(packet);
    }));
    broker.on('data', packets((packet) => {
      const type = packet[0]! >> 4;
      if (!(this.dropAcks && (type === PUBACK || type === PUBREC))) client.write(packet);
    }));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A 'data' listener that calls `each` with every whole MQTT packet of the stream. */
function packets(each: (packet: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (let length = packetLength(pending); length !== undefined; length = packetLength(pending)) {
      each(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

/** The topic of a PUBLISH packet (MQTT 3.1.1). */
function topicOf(packet: Buffer): string {
  let i = 1;
  while (packet[i]! & 0x80) i++;
  const length = packet.readUInt16BE(i + 1);
  return packet.subarray(i + 3, i + 3 + length).toString();
}

/** The whole length of the MQTT packet at the start of `buffer`, or undefined while it is incomplete. */
function packetLength(buffer: Buffer): number | undefined {
  let remaining = 0;
  for (let i = 1, shift = 0; i < 5; i++, shift += 7) {
    if (i >= buffer.length) return undefined;
    remaining += (buffer[i]! & 0x7f) << shift;
    if ((buffer[i]! & 0x80) === 0) return buffer.length >= i + 1 + remaining ? i + 1 + remaining : undefined;
  }
  throw new Error('malformed remaining length');
}

describe('faults: a device event the broker had but had not acknowledged when the runtime was SIGKILLed (mosquitto)', () => {
  let mosquitto: Mosquitto;
  let proxy: AckDroppingProxy | undefined;
  let runtime: RestartableRuntime | undefined;
  let consumer: TestClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  after(async () => {
    await consumer?.close();
    await runtime?.close();
    await proxy?.close();
    await mosquitto.close();
  });

  it('with events.qos 2, reaches the device event topic once, though the restarted runtime sends it again', async () => {
    consumer = await TestClient.connect(mosquitto.url, { clientId: 'device-event-consumer', clean: false });
    await consumer.subscribe(DEVICE_EVENTS, 2);
    proxy = await AckDroppingProxy.start(mosquitto.port);
    runtime = await RestartableRuntime.create({
      connections: { local: { url: proxy.url, clientId: 'device-event-runtime', clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      events: { qos: 2 },
      plugins: { homelink: { topicRoot: ROOT, qos: 1, publishIntervalMs: 0 } },
    });
    await runtime.start();
    await runtime.healthy();

    const publisher = await TestClient.connect(mosquitto.url);
    const alert = { eventId: 'fire-1', statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', severity: 'HIGH', title: 'Fire alarm', description: 'Fire alarm', deviceSerialNumber: 'D1', propertyReference: 'P1', raisedDate: '2026-01-15T08:10:00Z', action: 'ADD', actionTimestamp: '2026-01-15T08:10:02.000Z' };
    try {
      // A probe: once the device's first event is out, the runtime's subscription is in place.
      await publisher.publish(`${ROOT}/device/add/P1/D1`, { deviceSerialNumber: 'D1', propertyReference: 'P1', sourceModelType: 'FIREALARM', action: 'ADD', actionTimestamp: '2026-01-15T08:00:00.000Z' });
      await consumer.waitForCount(DEVICE_EVENTS, 1, 15000);
      proxy.dropAcks = true;
      await publisher.publish(`${ROOT}/alert/active/P1/D1`, alert);
      // Sent to the broker (which delivers a QoS 2 message once the sender releases it, a QoS 1 one at once).
      const sent = (): number => proxy!.published.filter((t) => t === 'switchboard/homelink/P1/D1/event').length;
      await waitUntil(() => (sent() === 2 ? true : undefined), { ms: 15000, what: 'the alert\'s device event sent' });
    } finally {
      await publisher.close();
    }
    assert.equal((await runtime.kill()).signal, 'SIGKILL');
    proxy.dropAcks = false;
    await runtime.start();
    await runtime.healthy();
    // The restarted runtime sends again what it had no acknowledgement for; a repeat would come right after.
    await waitUntilSettled(runtime.current!.healthUrl, 20000, 'every publish of the restarted runtime acknowledged');
    await sleep(1000);
    const events = consumer.on(DEVICE_EVENTS).map((m) => m.json<{ event_type: string }>().event_type);
    assert.deepEqual(events, ['homelink_device', 'homelink_alert'], 'each device event arrived once');
    assert.deepEqual(runtime.crashes(), []);
  });
});
