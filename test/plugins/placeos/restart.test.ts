import assert from 'node:assert/strict';
import { placeosSuite, send, stateEvents, waitForStates } from './support.js';

describe('placeos: names across a restart', () => {
  const suite = placeosSuite();

  it('names known before a restart are on the first events after it, before PlaceOS publishes metadata again; a later change renames', async () => {
    const { client } = suite.harness;
    const config = { plugins: { placeos: {} } };
    await suite.harness.start(config);
    for (const i of [0, 1, 7]) await send(client, suite.lines[i]!); // metadata: cs-9445, driver 12345 (deployed), sys-vc1 (documented)
    await client.waitForCount('switchboard/events/placeos_metadata', 3);
    await suite.harness.stopRuntime();

    // The broker forgets the metadata while Switchboard is away: only the plugin's state can name things now.
    for (const i of [0, 1, 7]) await client.publish(suite.lines[i]!.topic, '', { retain: true });
    const before = client.received.length;
    await suite.harness.start(config);
    await send(client, suite.lines[2]!);
    await send(client, suite.lines[9]!);
    await client.waitFor((r) => r.slice(before).filter((m) => m.topic === 'switchboard/events/placeos_state').length >= 2, 5000, 'two state events after the restart');
    const after = client.received.slice(before).filter((m) => m.topic === 'switchboard/events/placeos_state').map((m) => m.json<{ data: { system: string; names: unknown } }>().data);
    assert.deepEqual(after.map((s) => [s.system, s.names]), [
      ['cs-9445', { org: null, zones: { region: null, building: null, level: null, area: null }, system: 'Level 3 Huddle', driver: 'Generic Display' }],
      ['sys-vc1', { org: null, zones: { building: null, level: null, area: null }, system: 'Cisco VC', driver: null }],
    ]);
    assert.equal(client.on('switchboard/events/placeos_metadata').length, 3, 'no metadata message reached the restarted runtime');

    await client.publish('placeos/org/metadata/cs-9445', JSON.stringify({ time: 1700000200, value: { id: 'cs-9445', name: 'Level 3 Focus Room' } }), { retain: true });
    await client.waitForCount('switchboard/events/placeos_metadata', 4);
    await send(client, suite.lines[2]!);
    const states = await waitForStates(client, 3);
    assert.equal(states.at(-1)!.names.system, 'Level 3 Focus Room');
    assert.equal(stateEvents(client).length, 3);
  });
});
