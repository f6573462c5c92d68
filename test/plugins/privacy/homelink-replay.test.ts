import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';
import { fixture } from '../../helpers/paths.js';
import { RuntimeProcess } from '../../helpers/runtime.js';

const STREAM = fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl');
const STATE = 'switchboard/homelink/JOE_BLOGGS_Home';

/** The rules the shipped runtime.config.json enables (see the plugin's README): they need no secret. */
const DEFAULT_RULES = [
  { name: 'emails', detectors: ['email'], action: 'mask' },
  { name: 'phones', detectors: ['phone'], action: 'mask', keepEnd: 3 },
];

// Anything shaped like an address, far looser than the detector, so that the check does not share its blind spots.
const ADDRESS = /[^\s"'<>()[\]{},;:@]+@[^\s"'<>()[\]{},;:@]+\.[^\s"'<>()[\]{},;:@]{2,}/u;

describe('privacy: the HomeLINK stream with the default rules', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.create();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('lets no email address out on any topic the runtime writes', async () => {
    const runtime = await harness.start({ plugins: { homelink: { topicRoot: 'joe_bloggs', publishIntervalMs: 0 }, privacy: { rules: DEFAULT_RULES } } });
    const { client, broker } = harness;
    const replay = await RuntimeProcess.run(['replay', STREAM, '--url', broker.url, '--rate', '0']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitFor((r) => r.some((m) => m.topic === `${STATE}/C3CEC7FB-D6FCD4F1/alerts` && m.text.includes('CO_ALARM')), 10000, 'the last message of the stream handled');
    // One more message, whose event comes after everything the stream made the runtime publish.
    await client.publish('joe_bloggs/notification/JOE_BLOGGS_Home', { notificationId: 'n-2', message: 'Also tell last.one@example.org', propertyReference: 'JOE_BLOGGS_Home', actionTimestamp: '2026-11-20T10:10:00.000Z' });
    await client.waitForCount('switchboard/events/homelink_notification', 2);

    const published = client.received.filter((m) => !m.topic.startsWith('joe_bloggs/'));
    const leaks = published.filter((m) => ADDRESS.test(m.topic) || ADDRESS.test(m.text)).map((m) => `${m.topic} ${m.text}`);
    assert.deepEqual(leaks, []);

    // The check saw what it should: every kind of topic the runtime writes, and the notifications masked.
    const kinds = new Set(published.map((m) => m.topic.split('/').slice(0, 2).join('/')));
    assert.ok(kinds.has('switchboard/events') && kinds.has('switchboard/homelink') && kinds.has('switchboard/status'), [...kinds].join(', '));
    const notes = client.on('switchboard/events/homelink_notification').map((m) => m.json<{ data: { payload: { message: string } } }>().data.payload.message);
    assert.deepEqual(notes, [`Contact tenant ${'*'.repeat('jane.doe@example.com'.length)}`, `Also tell ${'*'.repeat('last.one@example.org'.length)}`]);
    assert.ok((metricValue(await runtime.metrics(), 'switchboard_privacy_values_masked_total', { rule: 'emails' }) ?? 0) >= 2);
  });
});
