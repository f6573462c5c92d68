import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { TestClient, type Received } from '../../helpers/mqtt.js';
import { tempDir } from '../../helpers/paths.js';
import { RuntimeProcess, testConfig, writeConfig } from '../../helpers/runtime.js';
import { ALARM_SERIAL, EVENTS, STATE, STREAM, events, fixtureMessages, subscribed, type FixtureMessage } from './homelink-fixtures.js';

const FIRE_ID = '7c1e0d52-0000-4000-8000-00000000a001@2026-01-15T08:10:02.000Z';

describe('homelink: killed with SIGKILL and restarted', () => {
  let broker: TestBroker;
  let dir: { path: string; remove(): Promise<void> };
  let client: TestClient;
  let stream: FixtureMessage[];
  const processes: RuntimeProcess[] = [];

  beforeEach(async () => {
    stream = await fixtureMessages(STREAM);
    broker = await startBroker();
    dir = await tempDir();
    client = await TestClient.connect(broker.url);
    await client.subscribe('switchboard/#');
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) await p.kill();
    await client.close();
    await broker.close();
    await dir.remove();
  });

  it('keeps the alert raised before the kill, and a redelivered alert raises no second event', async () => {
    const config = testConfig({
      connections: {
        local: { url: broker.url },
        homelink: { url: broker.url, clean: false, clientId: 'switchboard-homelink-restart-test' },
      },
      events: { exclude: [] },
      plugins: { homelink: { topicRoot: 'bright_homes', connection: 'homelink' } },
    });
    const file = await writeConfig(dir.path, config);
    const start = async (): Promise<RuntimeProcess> => {
      const p = await RuntimeProcess.start(file, { cwd: dir.path });
      processes.push(p);
      return p;
    };
    const send = (i: number): Promise<void> => client.publish(stream[i]!.topic, stream[i]!.body);

    const ready = subscribed(broker, 'bright_homes/#');
    const first = await start();
    await ready;
    await send(0);
    await send(2);
    await client.waitForCount(`${EVENTS}/homelink_device`, 1);
    await send(6);
    await client.waitForCount(`${EVENTS}/homelink_alert`, 1); // raised: what it changed is on disk
    const exit = await first.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    const killedAt = new Date().toISOString();

    // Wipe what the broker retains, so that only the restarted runtime can put the alert state back.
    for (const topic of [`${STATE}/${ALARM_SERIAL}/alerts`, `${STATE}/${ALARM_SERIAL}/state`, `${STATE}/alarm`]) await client.publish(topic, '', { retain: true });
    const seenBeforeRestart = client.received.length;

    const second = await start();
    // Publishes the killed process had stored but not seen acknowledged are resent first; what the restarted
    // plugin publishes from its saved state comes after it announces its devices.
    const isAnnouncement = (m: Received): boolean => {
      if (m.topic !== `${EVENTS}/device_updated`) return false;
      const body = m.json<{ data: { id: string }; time_fired: string }>();
      return body.data.id === `homelink_device_${ALARM_SERIAL}` && body.time_fired > killedAt;
    };
    await client.waitFor((r) => r.slice(seenBeforeRestart).some(isAnnouncement), 5000, 'the device announced again at start');
    const announced = seenBeforeRestart + client.received.slice(seenBeforeRestart).findIndex(isAnnouncement);
    const fresh = (topic: string, check: (m: Received) => boolean): Promise<void> =>
      client.waitFor((r) => r.slice(announced).some((m) => m.topic === topic && m.payload.length > 0 && check(m)), 5000, `${topic} republished after the restart`);
    await fresh(`${STATE}/${ALARM_SERIAL}/alerts`, (m) => m.json<{ alertstatus: string }[]>()[0]?.alertstatus === 'FIRE_ALARM');
    await fresh(`${STATE}/alarm`, (m) => m.text === 'ON');

    await send(6); // the broker redelivering it
    await send(4); // then something else, to know the redelivery was handled
    await client.waitForCount(`${EVENTS}/homelink_reading`, 1);
    // QoS 1 may deliver the one event more than once, byte for byte; raising it again would give it another time_fired.
    const copies = new Set(client.on(`${EVENTS}/homelink_alert`).map((m) => m.text));
    assert.equal(copies.size, 1, `one alert event, however often delivered: ${[...copies].join(' | ')}`);
    assert.equal(events(client, 'homelink_alert')[0]!.id, FIRE_ID);

    const metrics = await (await fetch(second.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
    assert.ok((metricValue(metrics, 'switchboard_homelink_duplicates_total', { type: 'alert' }) ?? 0) >= 1, 'the redelivery was counted as a duplicate');
  });
});
