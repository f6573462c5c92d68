import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { health, waitForHealth } from '../helpers/endpoints.js';
import { metricValue } from '../helpers/metrics.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { tempDir } from '../helpers/paths.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import type { LogLine, RuntimeProcess } from '../helpers/runtime.js';
import { StateDisk, type DiskFault } from '../helpers/state-disk.js';

const ROOT = 'landlord';
const PROPERTY = 'DISK_HOME';
const ALERTS_NS = 'plugin/homelink/alerts';

interface Snapshot {
  namespaces: Record<string, [string, unknown][]>;
}

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

function listedAlerts(snapshot: Buffer): string[] {
  const parsed = JSON.parse(snapshot.toString('utf8')) as Snapshot;
  return (parsed.namespaces[ALERTS_NS] ?? []).map(([key]) => key).sort();
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

  afterEach(async () => {
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
    it(`disk ${fault}: says so, keeps processing, keeps the last good state.json, and writes again once the disk works`, async () => {
      parent = await tempDir('switchboard-disk-');
      disk = await StateDisk.create(parent.path, fault);
      runtime = await RestartableRuntime.create({
        connections: { local: { url: mosquitto.url, clientId: `fault-disk-${fault}`, clean: false, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
        state: { dir: disk.dir },
        plugins: { homelink: { topicRoot: ROOT } },
      });
      observer = await TestClient.connect(mosquitto.url);
      await observer.subscribe('switchboard/events/homelink_alert', 1);
      const events = (): string[] => observer!.on('switchboard/events/homelink_alert').map((m) => m.json<{ id: string }>().id);
      const send = async (message: { topic: string; body: string }): Promise<void> => {
        await observer!.publish(message.topic, message.body, { qos: 1 });
      };
      const raised = async (message: { body: string }): Promise<void> => {
        const id = eventIdOf(message);
        await observer!.waitFor(() => events().includes(id), 10000, `the event ${id}`);
      };

      // A good disk: alerts raised, and a graceful stop writes the snapshot.
      await runtime.start();
      await runtime.healthy();
      const before = [1, 2, 3].map((i) => raise(`before-${i}`, `DEV${i}`, i));
      for (const m of before) await send(m);
      for (const m of before) await raised(m);
      assert.deepEqual(await runtime.stop(), { code: 0, signal: null });
      const good = await readFile(join(disk.dir, 'state.json'));
      assert.deepEqual(listedAlerts(good), ['before-1', 'before-2', 'before-3']);

      // The disk fails under the next run: the first commit after it says so.
      const run: RuntimeProcess = await runtime.start();
      await runtime.healthy();
      await disk.fail(run.child.pid!);
      const during: { topic: string; body: string }[] = [];
      let failure: LogLine | undefined;
      for (let i = 1; !failure; i++) {
        assert.ok(i <= 40, `no error about the state directory after ${i - 1} messages (${disk.mechanism})`);
        const m = raise(`during-${i}`, `DEV${10 + i}`, 100 + i);
        during.push(m);
        await send(m);
        await raised(m);
        failure = run.logs.find((l) => l.level === 'error' && l.dir === disk!.dir);
      }
      assert.match(failure.msg, new RegExp(`cannot write state to ${disk.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*messages are still processed`));
      assert.ok(['ENOSPC', 'EPERM', 'EFBIG'].includes(String(failure.code)), `the error code says why (${String(failure.code)})`);
      const report = await waitForHealth(run.healthUrl, (status, r) => status === 503 && !r.state.writable, 5000, '/healthz to report the state problem');
      assert.ok(report.problems.some((p) => p.startsWith('state cannot be written')), report.problems.join('; '));
      assert.equal(report.state.dir, disk.dir);

      // Messages are still processed and published while the disk refuses writes.
      const more = [1, 2, 3].map((i) => raise(`degraded-${i}`, `DEV${50 + i}`, 200 + i));
      for (const m of more) await send(m);
      for (const m of more) await raised(m);
      during.push(...more);
      const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.equal(metricValue(metrics, 'switchboard_state_degraded'), 1);
      assert.deepEqual(await readFile(join(disk.dir, 'state.json')), good, 'the last good snapshot is untouched');

      // The disk works again: the store notices by itself and writes what it kept in memory.
      await disk.heal();
      await run.waitForLog((l) => l.msg === 'state is written to disk again', 20000, 'the state to be written again');
      await waitForHealth(run.healthUrl, (status, r) => status === 200 && r.state.writable, 5000, '/healthz to be ok again');

      // A crash now loses nothing: the restarted runtime has every alert, and knows the ones raised while the disk failed.
      await runtime.kill();
      const again = await runtime.start();
      await runtime.healthy();
      const restarted = await (await fetch(again.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
      assert.equal(metricValue(restarted, 'switchboard_homelink_alerts_listed'), before.length + during.length);
      const repeated = during[0]!;
      await send(repeated);
      const fresh = raise('after-1', 'DEV99', 300);
      await send(fresh);
      await raised(fresh);
      assert.equal(events().filter((id) => id === eventIdOf(repeated)).length, 1, 'a message applied while the disk failed is known after the restart');
      assert.deepEqual((await health(again.healthUrl)).report.state.writable, true);
      assert.deepEqual(runtime.crashes(), []);
    });
  }
});
