import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { freePort } from '../helpers/broker.js';
import { health } from '../helpers/endpoints.js';
import { metricSum } from '../helpers/metrics.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import { TestCa } from '../helpers/tls.js';

const DEAD_LETTERS = 'switchboard/deadletter';
const PRIVACY = {
  rules: [
    { name: 'emails', detectors: ['email'], action: 'mask' },
    { name: 'phones', detectors: ['phone'], action: 'mask', keepEnd: 3 },
  ],
};

function alert(root: string, property: string, serial: string, eventId: string, extra: Record<string, unknown> = {}): [string, string] {
  const payload = { eventId, deviceSerialNumber: serial, propertyReference: property, statusId: 'ACTIVE', eventTypeId: 'CO_ALARM', actionTimestamp: '2026-11-21T10:00:00.000Z', ...extra };
  return [`${root}/alert/active/${property}/${serial}`, JSON.stringify(payload)];
}

/** Resolves when the client is disconnected by the broker. */
function closed(client: TestClient): Promise<void> {
  return new Promise((resolve) => client.client.once('close', () => resolve()));
}

describe('the embedded broker under attack: who may publish where, and whose client id is whose', () => {
  let ca: TestCa;
  let runtime: RestartableRuntime | undefined;
  const clients: TestClient[] = [];

  before(async () => {
    ca = await TestCa.create();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await runtime?.close();
    runtime = undefined;
  });

  after(async () => {
    await ca.remove();
  });

  async function client(url: string, options: mqtt.IClientOptions = {}): Promise<TestClient> {
    const c = await TestClient.connect(url, options);
    clients.push(c);
    return c;
  }

  it('lets anonymous clients read Switchboard\'s topics and write its inputs, not spoof its alarms, configs or events, nor take its client id; serves TLS', async () => {
    const server = await ca.server('broker');
    const port = await freePort();
    const tlsPort = await freePort();
    runtime = await RestartableRuntime.create({
      broker: { embedded: true, host: '127.0.0.1', port, tls: { enabled: true, port: tlsPort, cert: server.cert, key: server.key } },
      deadLetter: { topic: DEAD_LETTERS },
      plugins: { homelink: { topicRoot: 'acl' }, 'ha-discovery': { republishDelayMs: 100 }, privacy: PRIVACY },
    });
    const run = await runtime.start();
    await runtime.healthy();
    const url = `mqtt://127.0.0.1:${port}`;

    // /healthz does not show the client id; the runtime's own log does (for the operator).
    const report = (await health(run.healthUrl)).report;
    assert.equal((report.connections.local as Record<string, unknown>).clientId, undefined);
    const ownId = String(run.logs.find((l) => l.msg === 'connected' && typeof l.clientId === 'string')!.clientId);

    const observer = await client(url);
    await observer.subscribe(['switchboard/homelink/#', 'homeassistant/status']);
    const input = await client(url);
    const [topic, payload] = alert('acl', 'HOME_1', 'CAFE0001', 'co-1');
    await input.publish(topic, payload);
    await observer.waitFor((r) => r.some((m) => m.topic.endsWith('/alarm') && m.text.includes('ON')), 10000, 'the property in alarm');
    const alarmTopic = observer.received.find((m) => m.topic.endsWith('/alarm'))!.topic;
    const alarm = observer.on(alarmTopic).at(-1)!.text;

    // A retained OFF over the CO alarm, a fake discovery config and a fake event: each refused, the client put off.
    for (const [spoofTopic, spoof] of [[alarmTopic, 'OFF'], ['homeassistant/binary_sensor/switchboard/evil/config', '{"name":"evil"}'], ['switchboard/events/homelink_alert', '{"fake":true}']] as const) {
      const attacker = await client(url);
      const gone = closed(attacker);
      attacker.client.publish(spoofTopic, spoof, { qos: 1, retain: true });
      await gone;
      await run.waitForLog((l) => l.level === 'warn' && l.msg.startsWith(`refused a publish to ${spoofTopic}`), 5000, `the refusal of ${spoofTopic}`);
    }
    const late = await client(url);
    await late.subscribe(alarmTopic);
    const [retained] = await late.waitForCount(alarmTopic, 1);
    assert.equal(retained!.text, alarm, 'the retained alarm is still the runtime\'s');

    // Home Assistant's birth message is an input: anyone allowed to connect may send it.
    await input.publish('homeassistant/status', 'online');
    await observer.waitFor((r) => r.some((m) => m.topic === 'homeassistant/status' && m.text === 'online'), 5000, 'the birth message');
    assert.equal(input.client.connected, true);

    // Switchboard's own client id cannot be taken, and Switchboard stays connected.
    await assert.rejects(TestClient.connect(url, { clientId: ownId }), /Identifier rejected/);
    await run.waitForLog((l) => l.msg === 'refused a client that used the client id of Switchboard\'s own connection', 5000, 'the refusal');
    assert.equal((await health(run.healthUrl)).status, 200);
    // Nor can its login be guessed.
    await assert.rejects(TestClient.connect(url, { username: 'switchboard-runtime', password: 'guess' }), /Not authorized/);

    // TLS listener, with the same rules.
    const secure = await client(`mqtts://127.0.0.1:${tlsPort}`, { ca: await readFile(ca.cert) });
    await secure.subscribe('switchboard/status');
    const [status] = await secure.waitForCount('switchboard/status', 1);
    assert.equal(status!.text, 'online');
  });

  it('with users: each logs in and publishes only where its ACL allows; anonymous clients are refused', async () => {
    const port = await freePort();
    runtime = await RestartableRuntime.create({
      broker: {
        embedded: true,
        host: '127.0.0.1',
        port,
        users: [
          { username: 'operator', password: 'operator-secret', publish: ['switchboard/manual/#'] },
          { username: 'ha', password: 'ha-secret', subscribe: ['homeassistant/#', 'switchboard/#'] },
        ],
      },
      plugins: { 'ha-discovery': {}, privacy: PRIVACY },
    });
    const run = await runtime.start();
    await runtime.healthy();
    const url = `mqtt://127.0.0.1:${port}`;
    await assert.rejects(TestClient.connect(url), /Not authorized/);

    const operator = await client(url, { username: 'operator', password: 'operator-secret' });
    await operator.subscribe('switchboard/manual/#');
    await operator.publish('switchboard/manual/override', 'on');
    await operator.waitForCount('switchboard/manual/override', 1);
    const gone = closed(operator);
    operator.client.publish('elsewhere/topic', 'x', { qos: 1 });
    await gone;

    const ha = await client(url, { username: 'ha', password: 'ha-secret' });
    await ha.publish('homeassistant/status', 'online');
    await ha.subscribe('switchboard/status');
    await ha.waitForCount('switchboard/status', 1);
    await assert.rejects(ha.client.subscribeAsync('secrets/#', { qos: 1 }), /Subscribe error/);
    const spoof = closed(ha);
    ha.client.publish('switchboard/events/homelink_alert', '{}', { qos: 1 });
    await spoof;
    assert.equal((await health(run.healthUrl)).status, 200);
  });
});

describe('hostile payloads over mosquitto: bounded work, nothing personal leaves', () => {
  let mosquitto: Mosquitto;
  let runtime: RestartableRuntime | undefined;
  let observer: TestClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  after(async () => {
    await observer?.close();
    await runtime?.close();
    await mosquitto.close();
  });

  it('handles a 250 KB alert of " +" and digits, and lets out no address or number however it is written, in topics, ids, dead letters or logs', async () => {
    runtime = await RestartableRuntime.create({
      connections: { local: { url: mosquitto.url } },
      deadLetter: { topic: DEAD_LETTERS },
      plugins: { homelink: { topicRoot: 'edge' }, 'ha-discovery': { republishDelayMs: 100 }, privacy: PRIVACY },
    });
    const run = await runtime.start();
    await runtime.healthy();
    observer = await TestClient.connect(mosquitto.url);
    await observer.subscribe('#');
    const publisher = await TestClient.connect(mosquitto.url);
    try {
      // Finding 2: one valid message of 250 KB that made the phone detector quadratic.
      const description = ` +${'1234567890123456789012345678901234'}`.repeat(7000).slice(0, 250_000);
      await publisher.publish(...alert('edge', 'BIG_HOME', 'BEEF0001', 'big-1', { description }));
      await observer.waitFor((r) => r.some((m) => m.topic === 'switchboard/events/homelink_alert' && m.text.includes('big-1')), 30000, 'the large alert\'s event');
      assert.equal((await health(run.healthUrl)).status, 200);
      const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.ok(metricSum(metrics, 'switchboard_privacy_strings_cut_total') >= 1, 'the description was cut before it was scanned');

      // Finding 4: an email as the property reference, obfuscated addresses and numbers in the text.
      const obfuscated = ['jane.doe%40example.com', 'jane.doe＠example.com', 'jane.doe﹫example.com', 'jane.doe&#64;example.com', 'jane\u200b.doe@example.com', '(0)7700 900150', 'tenant-07700900153', '０７７００ ９００１２３', '٠٧٧٠٠ ٩٠٠١٢٣', '07700\u00a0900123'];
      await publisher.publish(...alert('edge', 'jane.doe@example.com', 'BEEF0002', 'pii-1', { description: `call ${obfuscated.join(' or ')}` }));
      await observer.waitFor((r) => r.some((m) => m.topic === 'switchboard/events/homelink_alert' && m.text.includes('pii-1')), 10000, 'the alert\'s event');
      await observer.waitFor((r) => r.some((m) => m.topic.startsWith('homeassistant/') && m.topic.includes('pii_')), 10000, 'discovery configs for the property');
      // A non-UTF-8 payload full of addresses, and JSON that breaks off inside one.
      await publisher.publish('edge/alert/active/X/Y', Buffer.concat([Buffer.from('{"note":"jane.doe@example.com call 07700 900123"'), Buffer.from([0xff, 0xfe])]));
      await publisher.publish('edge/alert/active/X/Z', '{"eventId": jane.doe@example.com}');
      await observer.waitForCount(DEAD_LETTERS, 2, 10000);

      const raw = ['jane.doe@example.com', 'jane.doe', 'jane_doe', 'jane', '900123', '900150', '900153', ...obfuscated];
      for (const m of observer.received.filter((r) => r.topic !== 'edge' && !r.topic.startsWith('edge/'))) {
        for (const data of raw) {
          assert.ok(!m.topic.includes(data), `topic ${m.topic} carries ${data}`);
          assert.ok(!m.text.includes(data), `${m.topic} carries ${data}: ${m.text.slice(0, 300)}`);
        }
      }
      for (const letter of observer.on(DEAD_LETTERS).map((m) => m.json<Record<string, unknown>>())) {
        assert.equal(letter.payload, undefined, 'no raw payload');
        assert.ok(String(letter.excerpt).length <= 1024);
      }
      const lines = run.logs.map((l) => JSON.stringify(l));
      for (const data of ['jane.doe@example.com', 'jane.doe@e', '07700 900123']) assert.deepEqual(lines.filter((l) => l.includes(data)), [], `log lines with ${data}`);
    } finally {
      await publisher.close();
    }
  });
});
