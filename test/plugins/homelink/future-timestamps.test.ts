import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import { StreamSuite, waitForLatest } from './homelink-fixtures.js';

const STATE = 'switchboard/homelink/BRIGHT_HOMES_Flat_3';
const ALARM = `${STATE}/A7E2C410-5B1D0E22`;

describe('homelink: timestamps from the future', () => {
  const suite = new StreamSuite();
  const send = (i: number, changes?: Record<string, unknown>): Promise<void> => suite.send(i, changes);
  const statuses = (): string[] | undefined => suite.statuses(`${ALARM}/alerts`);

  it('refuses and counts a RESOLVE dated 9999, so that it cannot pin the alert: the real raise and resolve still count', async () => {
    const runtime = await suite.harness.start({ plugins: { homelink: { topicRoot: 'bright_homes', publishIntervalMs: 0 } } });
    await send(0);
    await send(2);
    await waitForLatest(suite.harness.client, `${ALARM}/alerts`, (m) => m.text === '[]', 'the device registered');
    await send(10, { actionTimestamp: '9999-12-31T23:59:59.000Z', resolvedDate: '9999-12-31T23:59:59.000Z' });
    await send(6);
    await waitForLatest(suite.harness.client, `${ALARM}/alerts`, (m) => m.text.includes('FIRE_ALARM'), 'the real raise listed');
    assert.deepEqual(statuses(), ['FIRE_ALARM']);
    const rejected = runtime.logs.find((l) => l.level === 'warn' && l.plugin === 'homelink' && /^actionTimestamp 9999-12-31T23:59:59\.000Z is \d+ s ahead of this machine's clock/.test(String(l.reason)));
    assert.ok(rejected, 'the future message is logged with its reason');
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_messages_rejected_total', { plugin: 'homelink', code: 'future_timestamp' }), 1);

    // A future ACTIVE is refused too: the real resolve clears the alert.
    await send(6, { actionTimestamp: '9999-01-01T00:00:00.000Z' });
    await send(10);
    await waitForLatest(suite.harness.client, `${ALARM}/alerts`, (m) => m.text === '[]', 'the real resolve clears it');
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_messages_rejected_total', { plugin: 'homelink', code: 'future_timestamp' }), 2);
  });

  it('accepts a message within the skew, and takes the skew from maxFutureSkewSeconds', async () => {
    const runtime = await suite.harness.start({ plugins: { homelink: { topicRoot: 'bright_homes', publishIntervalMs: 0, maxFutureSkewSeconds: 3600 } } });
    const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();
    await send(0);
    await send(2);
    await send(6, { eventId: 'later', actionTimestamp: inMinutes(90) });
    await send(6, { eventId: 'soon', actionTimestamp: inMinutes(30) });
    await waitForLatest(suite.harness.client, `${ALARM}/alerts`, (m) => m.text.includes('"alertid":"soon"'), 'the alert 30 minutes ahead listed');
    assert.deepEqual(suite.harness.client.on(`${ALARM}/alerts`).at(-1)!.json<{ alertid: string }[]>().map((a) => a.alertid), ['soon']);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_plugin_messages_rejected_total', { plugin: 'homelink', code: 'future_timestamp' }), 1);
  });
});
