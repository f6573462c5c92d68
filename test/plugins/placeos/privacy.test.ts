import assert from 'node:assert/strict';
import { placeosSuite, send, waitForStates } from './support.js';

const HOST = 'sam.okoro@corp.example';
const ATTENDEE = 'li.na@corp.example';

describe('placeos: privacy on a meeting-room booking', () => {
  const suite = placeosSuite();

  it('hashes the host and masks every other email of a PlaceOS booking value, in its event and in the system\'s state topic', async () => {
    const { client } = suite.harness;
    await suite.harness.start({
      plugins: {
        privacy: {
          secret: 'a-test-secret-that-is-long-enough-0123456789',
          rules: [
            { name: 'booking-host', events: ['placeos_state'], paths: ['value.host'], action: 'hash' },
            { name: 'emails', detectors: ['email'], action: 'mask' },
          ],
        },
        placeos: {},
      },
    });
    await send(client, suite.lines[0]!); // the system's metadata, itself carrying the room's email
    await send(client, suite.lines[5]!); // the booking
    const [booking] = await waitForStates(client, 1);
    await client.waitFor((r) => r.some((m) => m.topic === 'switchboard/placeos/cs-9445/state'), 5000, 'the system\'s state topic');

    const value = booking!.value as { title: string; host: string; attendees: string[]; start: number };
    assert.equal(value.title, 'Quarterly review');
    assert.equal(value.start, 1700003600);
    assert.match(value.host, /^pii_[0-9a-f]{16}$/);
    assert.deepEqual(value.attendees, ['*'.repeat(ATTENDEE.length)]);
    assert.equal(booking!.status, 'current_booking');
    assert.equal(booking!.names.system, 'Level 3 Huddle');

    // Nothing Switchboard published carries an address; only the test's own PlaceOS messages do.
    for (const m of client.received.filter((r) => !r.topic.startsWith('placeos/'))) {
      for (const email of [HOST, ATTENDEE, 'huddle.l3@rooms.example']) assert.ok(!m.text.includes(email), `${m.topic} leaks ${email}`);
    }
    const state = client.on('switchboard/placeos/cs-9445/state').at(-1)!.json<Record<string, string>>();
    const text = Object.values(state)[0]!;
    assert.ok(text.includes('Quarterly review') && text.includes('*'.repeat(HOST.length)), text);
  });
});
