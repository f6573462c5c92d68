import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { waitForHealth } from '../helpers/endpoints.js';
import { metricValue } from '../helpers/metrics.js';
import { TestClient } from '../helpers/mqtt.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import type { RuntimeProcess } from '../helpers/runtime.js';

const ROOT = 'landlord';
const PROPERTY = 'MISSING_HOME';

function raise(eventId: string, serial: string, second: number): { topic: string; body: string } {
  const actionTimestamp = new Date(Date.UTC(2026, 10, 20, 10, 0, second)).toISOString();
  const payload = { eventId, deviceSerialNumber: serial, propertyReference: PROPERTY, statusId: 'ACTIVE', eventTypeId: 'FIRE_ALARM', severity: 'HIGH', actionTimestamp };
  return { topic: `${ROOT}/alert/active/${PROPERTY}/${serial}`, body: JSON.stringify(payload) };
}

/**
 * What a start says when a state file is gone: a snapshot deleted, a log deleted, or both after a crash.
 * Each is a warning in the log, the gauge switchboard_state_missing_files{file} and `state.lost` on
 * /healthz, and the runtime goes on with what remains.
 */
describe('A state file missing at start (the runtime, over MQTT)', () => {
  let broker: TestBroker;
  let runtime: RestartableRuntime | undefined;
  let client: TestClient | undefined;

  before(async () => {
    broker = await startBroker();
  });

  after(async () => {
    await broker.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && runtime) console.log(runtime.logs().slice(-30).map((l) => JSON.stringify(l)).join('\n'));
    await client?.close();
    await runtime?.close();
    client = undefined;
    runtime = undefined;
  });

  /** A runtime with two alerts listed, the first in the snapshot its graceful stop wrote, the second only in the log after it. */
  async function stateWithSnapshotAndLog(): Promise<{ stateDir: string; log: string }> {
    runtime = await RestartableRuntime.create({ connections: { local: { url: broker.url, clientId: `missing-${Date.now()}` } }, plugins: { homelink: { topicRoot: ROOT } } });
    client = await TestClient.connect(broker.url);
    await client.subscribe('switchboard/events/homelink_alert', 1);
    const stateDir = join(runtime.dir, 'state');
    const listed = async (run: RuntimeProcess): Promise<number | undefined> => metricValue(await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text(), 'switchboard_homelink_alerts_listed');

    for (const [i, eventId] of ['in-snapshot', 'in-log'].entries()) {
      const run = await runtime.start();
      await runtime.healthy();
      const alert = raise(eventId, `DEV${i}`, i);
      await client.publish(alert.topic, alert.body, { qos: 1 });
      await client.waitFor(() => client!.on('switchboard/events/homelink_alert').length > i, 10000, `the alert ${eventId} raised`);
      await waitForHealth(run.healthUrl, (status) => status === 200, 5000, 'healthy');
      assert.equal(await listed(run), i + 1);
      if (i === 0) assert.deepEqual(await runtime.stop(), { code: 0, signal: null });
    }
    // The second run is killed: its alert is in the log only.
    await runtime.kill();
    const names = await readdir(stateDir);
    const log = names.find((n) => /^state\.\d+\.wal$/.test(n));
    assert.ok(log && names.includes('state.json'), `a snapshot and its log: ${names.join(', ')}`);
    return { stateDir, log };
  }

  async function startAndReport(file: 'snapshot' | 'log' | 'all', message: RegExp, listed: number): Promise<void> {
    const run = await runtime!.start();
    const warning = await run.waitForLog((l) => l.level === 'warn' && l.missing === file, 10000, `a warning that the ${file} is missing`);
    assert.match(warning.msg, message);
    const report = await waitForHealth(run.healthUrl, (status) => status === 200, 10000, 'healthy with what remains');
    assert.deepEqual(report.state.lost, [warning.msg], '/healthz says what was lost, without being unhealthy');
    const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
    assert.equal(metricValue(metrics, 'switchboard_state_missing_files', { file }), 1);
    assert.equal(metricValue(metrics, 'switchboard_homelink_alerts_listed'), listed, 'what remains is kept');
    assert.deepEqual(runtime!.crashes(), []);
  }

  it('the snapshot deleted: a warning that what it held is lost, and the log after it is replayed', async () => {
    const { stateDir } = await stateWithSnapshotAndLog();
    await rm(join(stateDir, 'state.json'));
    await startAndReport('snapshot', /^the state snapshot .*state\.json is missing: only the changes in the logs after it are recovered/, 1);
  });

  it('the log deleted: a warning that the changes after the snapshot are lost, and the snapshot is loaded', async () => {
    const { stateDir, log } = await stateWithSnapshotAndLog();
    await rm(join(stateDir, log));
    await startAndReport('log', /^the state log .*state\.\d+\.wal is missing: the state is as the snapshot saved it, and changes made after the snapshot are lost$/, 1);
  });

  it('both deleted after a crash: a warning that the state of an earlier run is gone, and an empty start', async () => {
    const { stateDir } = await stateWithSnapshotAndLog();
    // The lock the killed run left is what shows the directory was in use; a fresh directory has none.
    assert.ok((await readdir(stateDir)).includes('state.lock'));
    for (const name of await readdir(stateDir)) if (name !== 'state.lock') await rm(join(stateDir, name));
    await startAndReport('all', /^the state snapshot and logs in .* are missing, though an earlier run used it \(state\.lock left\): starting with empty state/, 0);
  });

  it('a first start in a new directory warns of nothing', async () => {
    runtime = await RestartableRuntime.create({ connections: { local: { url: broker.url, clientId: `missing-fresh-${Date.now()}` } }, plugins: { homelink: { topicRoot: ROOT } } });
    const run = await runtime.start();
    const report = await waitForHealth(run.healthUrl, (status) => status === 200, 10000, 'healthy');
    assert.equal(report.state.lost, undefined);
    assert.ok(!run.logs.some((l) => l.level === 'warn' || l.level === 'error'), JSON.stringify(run.logs.filter((l) => l.level !== 'info')));
    const metrics = await (await fetch(run.healthUrl.replace(/\/healthz$/, '/metrics'))).text();
    assert.equal(metricValue(metrics, 'switchboard_state_missing_files', { file: 'all' }), undefined);
  });
});
