import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';
import { fixture } from '../../helpers/paths.js';
import { RuntimeProcess } from '../../helpers/runtime.js';

const STREAM = fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl');
const STATE = 'switchboard/homelink/BRIGHT_HOMES_Flat_3';

/** The rules the shipped runtime.config.json enables (see the plugin's README): they need no secret. */
const DEFAULT_RULES = (JSON.parse(readFileSync(fixture('runtime.config.json'), 'utf8')) as { plugins: { privacy: { rules: unknown[] } } }).plugins.privacy.rules;
const RECIPIENT = ['recipientEmail', 'recipientSmsNumber', 'recipientUsername', 'recipientLandlordPersonReference'];

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
    const runtime = await harness.start({ plugins: { homelink: { topicRoot: 'bright_homes', publishIntervalMs: 0 }, privacy: { rules: DEFAULT_RULES } } });
    const { client, broker } = harness;
    const replay = await RuntimeProcess.run(['replay', STREAM, '--url', broker.url, '--rate', '0']);
    assert.equal(replay.code, 0, replay.stderr);
    await client.waitForCount('switchboard/events/homelink_property', 2);
    // One more message, whose event comes after everything the stream made the runtime publish.
    const sent = { notificationId: 'n-2', recipientEmail: 'last.one@example.org', recipientSmsNumber: 'sms-0042', recipientUsername: 'lastone', recipientLandlordPersonReference: 'P-0043', action: 'SEND', actionTimestamp: '2026-01-15T10:10:00.000Z' };
    await client.publish('bright_homes/notification/sms/n-2', sent);
    await client.waitForCount('switchboard/events/homelink_notification', 2);

    const published = client.received.filter((m) => !m.topic.startsWith('bright_homes/'));
    const leaks = published.filter((m) => ADDRESS.test(m.topic) || ADDRESS.test(m.text)).map((m) => `${m.topic} ${m.text}`);
    assert.deepEqual(leaks, []);

    // The check saw what it should: every kind of topic the runtime writes, and the notifications masked.
    const kinds = new Set(published.map((m) => m.topic.split('/').slice(0, 2).join('/')));
    assert.ok(kinds.has('switchboard/events') && kinds.has('switchboard/homelink') && kinds.has('switchboard/status'), [...kinds].join(', '));
    // The recipient fields by their path, whatever their values look like (a username, a reference, a number that is no phone number).
    const notifications = client.on('switchboard/events/homelink_notification').map((m) => m.json<{ data: { payload: Record<string, string> } }>().data.payload);
    for (const field of RECIPIENT) assert.match(notifications[1]![field]!, /^\*+$/, field);
    for (const field of RECIPIENT) assert.match(notifications[0]![field]!, /^\*+$|^\*+\d{3}$/, field);
    for (const value of Object.values(sent).slice(1, 5)) assert.ok(!published.some((m) => m.text.includes(value)), `${value} left`);
    assert.ok(published.some((m) => m.topic.startsWith(`${STATE}/`)), 'the property\'s state topics were checked too');
    assert.ok((metricValue(await runtime.metrics(), 'switchboard_privacy_values_masked_total', { rule: 'homelink-recipients' }) ?? 0) >= 4);
  });
});
