import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForHealth, waitUntilSettled } from '../helpers/endpoints.js';
import { metricValue } from '../helpers/metrics.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { tempDir } from '../helpers/paths.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import type { RuntimeProcess } from '../helpers/runtime.js';
import { StateDisk, type DiskFault } from '../helpers/state-disk.js';

const ROOT = 'landlord';
const PROPERTY = 'DISK_HOME';
const ALERTS_NS = 'plugin/homelink/alerts';


/** A HomeLINK alert raised on device `serial` at `second` seconds past 10:00. */
function raise(eventId: string, serial: string, second: number): { topic: string; body: string } {
  const actionTimestamp = new Date(Date.UTC(2026, 10, 20, 10, 0, second)).toISOString();
  const payload = { eventId, deviceSerialNumber: serial, propertyReference: PROPERTY, statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', severity: 'HIGH', actionTimestamp };
  return { topic: `${ROOT}/alert/active/${PROPERTY}/${serial}`, body: JSON.stringify(payload) };
}

function eventIdOf(message: { body: string }): string {
  const { eventId, actionTimestamp } = JSON.parse(message.body) as { eventId: string; actionTimestamp: string };
  return `${eventId}@${actionTimestamp}`;
}

/** The alerts a snapshot lists: its lines after the header are `<crc> [[namespace, key, value], ...]`. */
function listedAlerts(snapshot: Buffer): string[] {
  const records = snapshot.toString('utf8').trimEnd().split('\n').slice(1).map((line) => JSON.parse(line.slice(9)) as unknown).filter(Array.isArray) as [string, string][][];
  return records.flat().filter(([namespace]) => namespace === ALERTS_NS).map(([, key]) => key).sort();
}

describe('faults: the state disk fails under a running runtime (mosquitto)', () => {
  let mosquitto: Mosquitto;
  let parent: { path: string; remove(): Promise<void> } | undefined;
  let disk: StateDisk | undefined;
  let runtime: RestartableRuntime | undefined;
  let observer: TestClient | undefined;

  before(async () => {
    mosquitto = await Mosquitto.start();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && runtime) console.log(runtime.logs().slice(-40).map((l) => JSON.stringify(l)).join('\n'), runtime.current?.stderr);
    await observer?.close();
    await runtime?.close();
    await disk?.close();
    await parent?.remove();
    observer = undefined;
    runtime = undefined;
    disk = undefined;
    parent = undefined;
  });

  after(async () => {
    await mosquitto.close();
  });

  for (const fault of ['full', 'read-only'] as DiskFault[]) {
    it(`disk ${fault} mid-stream: stops taking messages, says so, loses nothing to a SIGKILL, and resumes by itself once the disk works`, async () => {
      parent = await tempDir('switchboard-disk-');
      disk = await StateDisk.create(parent.path, fault);
      runtime = await RestartableRuntime.create({
        connections: { local: { url: mosquitto.url, clientId: `fault-disk-${fault}`, clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
        state: { dir: disk.dir },
        plugins: { homelink: { topicRoot: ROOT } },
      });
      observer = await TestClient.connect(mosquitto.url);
      await observer.subscribe('switchboard/events/homelink_alert', 1);
      const events = (): Set<string> => new Set(observer!.on('switchboard/events/homelink_alert').map((m) => m.json<{ id: string }>().id));
      const allRaised = (messages: { body: string }[]): boolean => {
        const seen = events();
        return messages.every((m) => seen.has(eventIdOf(m)));
      };
      const send = async (messages: { topic: string; body: string }[]): Promise<void> => {
        for (const m of messages) await observer!.publish(m.topic, m.body, { qos: 1 });
      };
      const metrics = async (url: string): Promise<string> => (await fetch(url.replace(/\/healthz$/, '/metrics'))).text();

      // A good disk: alerts raised, and a graceful stop writes the snapshot.
      await runtime.start();
      await runtime.healthy();
      const before = Array.from({ length: 20 }, (_, i) => raise(`before-${i}`, `DEV${i}`, i));
      await send(before);
      await observer.waitFor(() => allRaised(before), 10000, 'the first alerts');
      assert.deepEqual(await runtime.stop(), { code: 0, signal: null });
      const good = await readFile(join(disk.dir, 'state.json'));
      assert.equal(listedAlerts(good).length, before.length);

      // The disk fails under the next run while the stream goes on.
      const run: RuntimeProcess = await runtime.start();
      await runtime.healthy();
      const early = Array.from({ length: 50 }, (_, i) => raise(`early-${i}`, `DEV${100 + i}`, 100 + i));
      await send(early);
      await observer.waitFor(() => allRaised(early), 10000, 'the alerts sent before the disk failed');
      await disk.fail(run.child.pid!);
      const during = Array.from({ length: 300 }, (_, i) => raise(`during-${i}`, `DEV${1000 + i}`, 1000 + i));
      await send(during);
      assert.equal(observer.client.connected, true, 'the broker accepted the whole stream');

      const failure = await run.waitForLog((l) => l.level === 'error' && l.dir === disk!.dir, 10000, 'an error about the state directory');
      assert.match(failure.msg, new RegExp(`cannot write state to ${disk.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*no message is acknowledged and none taken`));
      assert.ok(['ENOSPC', 'EPERM', 'EFBIG'].includes(String(failure.code)), `the error code says why (${String(failure.code)})`);
      const report = await waitForHealth(run.healthUrl, (status, r) => status === 503 && !r.state.writable, 5000, '/healthz to report the state problem');
      assert.ok(report.problems.some((p) => p.startsWith('state cannot be written') && p.includes('no message is taken')), report.problems.join('; '));
      assert.equal(report.state.dir, disk.dir);
      const degraded = await metrics(run.healthUrl);
      assert.equal(metricValue(degraded, 'switchboard_state_degraded'), 1);
      assert.ok(metricValue(degraded, 'switchboard_state_write_errors_total')! >= 1);
      // Fail closed: what came after the failure is not handled (so none of its events can leave ahead of the disk).
      const taken = metricValue(degraded, 'switchboard_messages_received_total', { connection: 'local' })!;
      assert.ok(taken < before.length + early.length + during.length, `stopped taking messages (${taken} taken)`);
      assert.deepEqual(await readFile(join(disk.dir, 'state.json')), good, 'the last good snapshot is untouched');

      // A crash while the disk is still failing, and a start on the failing disk: unhealthy, nothing taken.
      await runtime.kill();
      const again = await runtime.start();
      await waitForHealth(again.healthUrl, (status, r) => status === 503 && !r.state.writable, 10000, '/healthz to report the state problem after the restart');

      // The disk works again: the runtime notices by itself and takes what the broker kept.
      await disk.heal();
      await again.waitForLog((l) => l.msg === 'state is written to disk again', 20000, 'the state to be written again');
      await waitForHealth(again.healthUrl, (status, r) => status === 200 && r.state.writable, 10000, '/healthz to be ok again');
      const all = [...before, ...early, ...during];
      await observer.waitFor(() => allRaised(all), 30000, 'an event for every alert');
      await waitUntilSettled(again.healthUrl, 30000, 'every message acknowledged');
      assert.equal(metricValue(await metrics(again.healthUrl), 'switchboard_homelink_alerts_listed'), all.length, 'every alert is listed');

      // And one more crash: everything is on disk now.
      await runtime.kill();
      const last = await runtime.start();
      await runtime.healthy();
      assert.equal(metricValue(await metrics(last.healthUrl), 'switchboard_homelink_alerts_listed'), all.length, 'every alert is listed after the last restart');
      assert.deepEqual(runtime.crashes(), []);
    });
  }
});
