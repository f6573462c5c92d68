import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { rabbitmqKind } from '../helpers/broker-under-test.js';
import { TestClient } from '../helpers/mqtt.js';
import { RabbitMQ } from '../helpers/rabbitmq.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

/** What the README's interop section says RabbitMQ's MQTT plugin does unlike mosquitto, checked on the installed one. */
describe(`${rabbitmqKind.name}: what differs from mosquitto`, () => {
  let rabbit: RabbitMQ;
  const clients: TestClient[] = [];
  let runtime: RestartableRuntime | undefined;

  before(async () => {
    rabbit = await RabbitMQ.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await runtime?.close();
    runtime = undefined;
  });

  after(async () => {
    await rabbit?.close();
  });

  async function client(options: mqtt.IClientOptions = {}): Promise<TestClient> {
    const c = await TestClient.connect(rabbit.url, options);
    clients.push(c);
    return c;
  }

  it('grants QoS 1 for a QoS 2 subscription, and delivers a QoS 2 publish at QoS 1', async () => {
    const sub = await client();
    const granted = await sub.client.subscribeAsync({ 'diff/qos': { qos: 2 } });
    assert.deepEqual(granted.map((g) => g.qos), [1]);
    const pub = await client();
    await pub.publish('diff/qos', 'x', { qos: 2 });
    const [m] = await sub.waitForCount('diff/qos', 1);
    assert.equal(m!.qos, 1);
  });

  it('sends a retained message to a subscription to exactly its topic, not to one with wildcards', async () => {
    const pub = await client();
    await pub.publish('diff/retained/a', 'kept', { retain: true });
    const wildcard = await client();
    await wildcard.subscribe(['diff/retained/+', 'diff/#']);
    const exact = await client();
    await exact.subscribe('diff/retained/a');
    await exact.waitForCount('diff/retained/a', 1);
    assert.equal(exact.received[0]!.retain, true);
    // The exact subscription got it at once; a broker that sends it to wildcards sends it as promptly.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(wildcard.received.map((m) => m.topic), []);
  });

  it('keeps a persistent session in a queue that expires after mqtt.subscription_ttl (24 h by default) without its client', async () => {
    const c = await client({ clientId: 'diff-session', clean: false });
    await c.subscribe('diff/session/#');
    const queues = await rabbit.ctl('list_queues', '--quiet', '--no-table-headers', 'name', 'durable', 'arguments');
    const line = queues.split('\n').find((l) => l.includes('diff-session'));
    assert.ok(line, `a queue for the session among:\n${queues}`);
    assert.match(line, /\ttrue\t/);
    assert.match(line, /x-expires.*86400000/);
  });

  if (!rabbitmqKind.protocolVersions.includes('5')) {
    it('closes an MQTT 5 connection without a CONNACK: the runtime says why it cannot connect, and keeps trying', async () => {
      runtime = await RestartableRuntime.create({
        connections: { local: { url: rabbit.url, clientId: 'diff-mqtt5', protocolVersion: '5', reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      });
      const p = await runtime.start();
      const warning = await p.waitForLog((l) => l.level === 'warn' && l.msg.startsWith('connection error'), 20000, 'the reason it cannot connect');
      assert.match(warning.msg, /ended before the broker accepted it \(no CONNACK\): check that the broker speaks MQTT 5 /);
      // Said once while it lasts, and tried again and again with back-off.
      await p.waitForLog(() => p.logs.filter((l) => l.msg === 'reconnecting').length >= 3, 20000, 'three attempts');
      assert.equal(p.logs.filter((l) => l.level === 'warn' && l.msg.startsWith('connection error')).length, 1);
      const health = (await (await fetch(p.healthUrl)).json()) as { connections: Record<string, { lastError?: string }> };
      assert.match(health.connections.local?.lastError ?? '', /no CONNACK/);
      assert.deepEqual(runtime.crashes(), []);
    });
  }
});
