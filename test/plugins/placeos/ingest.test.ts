import assert from 'node:assert/strict';
import { metricValue } from '../../helpers/metrics.js';
import { metadataEvents, placeosSuite, send, stateEvents, waitForStates } from './support.js';

const DEAD = 'switchboard/deadletter';

describe('placeos: ingest over MQTT', () => {
  const suite = placeosSuite();

  it('deployed shape, 4 zone levels: retained metadata before state, `_` as null, seconds as ms, raw values, null values', async () => {
    const { client } = suite.harness;
    // Retained before the runtime exists, as PlaceOS leaves them on the broker.
    await send(client, suite.lines[0]!);
    await send(client, suite.lines[1]!);
    await suite.harness.start({ plugins: { placeos: {} } });
    await client.waitForCount('switchboard/events/placeos_metadata', 2);
    for (const i of [2, 3, 4]) await send(client, suite.lines[i]!);
    const [power, inputs, removed] = await waitForStates(client, 3);

    const names = { org: null, zones: { region: null, building: null, level: null, area: null }, system: 'Level 3 Huddle', driver: 'Generic Display' };
    const common = { org: 'org-donor', zones: { region: null, building: 'cards', level: 'nek', area: '2042' }, system: 'cs-9445', driver: '12345', module: "M'Odule", index: 1, names, shape: 'deployed' };
    assert.deepEqual(power, { ...common, status: 'power', value: true, time: 1700000001000 });
    assert.deepEqual(inputs, { ...common, status: 'inputs', value: { hdmi: true, usb_c: false }, time: 1700000002000 });
    assert.deepEqual(removed, { ...common, status: 'inputs', value: null, time: 1700000003000 });
    assert.deepEqual(metadataEvents(client), [
      { scope: 'org', id: 'cs-9445', name: 'Level 3 Huddle', model: (suite.lines[0]!.payload as { value: object }).value, shape: 'deployed' },
      { scope: 'org', id: '12345', name: 'Generic Display', model: (suite.lines[1]!.payload as { value: object }).value, shape: 'deployed' },
    ]);
  });

  it('documented shape, 3 zone levels: retained {name} metadata, ms times, serialized values decoded', async () => {
    const { client } = suite.harness;
    await send(client, suite.lines[6]!);
    await send(client, suite.lines[7]!);
    await suite.harness.start({ plugins: { placeos: {} } });
    await client.waitForCount('switchboard/events/placeos_metadata', 2);
    await send(client, suite.lines[8]!);
    await send(client, suite.lines[9]!);
    const [call, power] = await waitForStates(client, 2);

    const names = { org: null, zones: { building: 'Acme HQ', level: null, area: null }, system: 'Cisco VC', driver: null };
    const common = { org: 'acme', zones: { building: 'bld-hq', level: 'lvl-24', area: null }, system: 'sys-vc1', index: 1, names, shape: 'documented' };
    assert.deepEqual(call, { ...common, driver: 'dep-123', module: 'VidConf', status: 'call_status', value: { status: 'connected', remote: '+44 20 7946 0958' }, time: 1700000005000 });
    assert.deepEqual(power, { ...common, driver: 'dep-456', module: 'Display', status: 'power', value: true, time: 1700000006000 });
    assert.deepEqual(metadataEvents(client), [
      { scope: 'acme', id: 'bld-hq', name: 'Acme HQ', model: { name: 'Acme HQ' }, shape: 'documented' },
      { scope: 'acme', id: 'sys-vc1', name: 'Cisco VC', model: { name: 'Cisco VC' }, shape: 'documented' },
    ]);
  });

  it('metadata of both shapes arriving after state names the events from then on; a null model forgets the name', async () => {
    const { client } = suite.harness;
    await suite.harness.start({ plugins: { placeos: {} } });
    await send(client, suite.lines[2]!); // deployed state, nothing known yet
    await send(client, suite.lines[9]!); // documented state, nothing known yet
    await waitForStates(client, 2);
    await send(client, suite.lines[0]!); // deployed metadata of cs-9445
    await send(client, suite.lines[7]!); // documented metadata of sys-vc1
    await client.waitForCount('switchboard/events/placeos_metadata', 2);
    await send(client, suite.lines[2]!);
    await send(client, suite.lines[9]!);
    await client.publish('placeos/org/metadata/cs-9445', JSON.stringify({ time: 1700000100, value: null }), { retain: true });
    await client.waitForCount('switchboard/events/placeos_metadata', 3);
    await send(client, suite.lines[2]!);
    const states = await waitForStates(client, 5);

    assert.deepEqual(states.map((s) => [s.system, s.names.system]), [
      ['cs-9445', null],
      ['sys-vc1', null],
      ['cs-9445', 'Level 3 Huddle'],
      ['sys-vc1', 'Cisco VC'],
      ['cs-9445', null],
    ]);
    assert.deepEqual(metadataEvents(client)[2], { scope: 'org', id: 'cs-9445', name: null, model: null, shape: 'deployed' });
  });

  it('rejects what is neither shape with its reason, dead-letters it, and handles the next good message', async () => {
    const { client } = suite.harness;
    const runtime = await suite.harness.start({ deadLetter: { topic: DEAD }, plugins: { placeos: {} } });
    await send(client, suite.lines[10]!); // too few levels
    await send(client, suite.lines[11]!); // no time
    await client.publish('placeos/acme/state/bld-hq/lvl-24/_/sys-vc1/dep-456/Display/first/power', JSON.stringify({ time: 1700000006000, value: 'true' }));
    await client.publish('placeos/acme/state/bld-hq/lvl-24/_/sys-vc1/dep-456/Display/1/power', JSON.stringify({ time: 1700000006000, value: 'on' }));
    await client.publish('placeos/acme/metadata/bld-hq', JSON.stringify({ title: 'Acme HQ' }));
    await send(client, suite.lines[9]!); // good
    const dead = (await client.waitForCount(DEAD, 5)).map((m) => m.json<{ reason: string; code: string; plugin: string; topic: string }>());
    const [state] = await waitForStates(client, 1);

    assert.deepEqual(dead.map((d) => [d.plugin, d.code, d.topic]), [
      ['placeos', 'bad_topic', suite.lines[10]!.topic],
      ['placeos', 'bad_payload', suite.lines[11]!.topic],
      ['placeos', 'bad_topic', 'placeos/acme/state/bld-hq/lvl-24/_/sys-vc1/dep-456/Display/first/power'],
      ['placeos', 'bad_payload', 'placeos/acme/state/bld-hq/lvl-24/_/sys-vc1/dep-456/Display/1/power'],
      ['placeos', 'bad_payload', 'placeos/acme/metadata/bld-hq'],
    ]);
    assert.match(dead[0]!.reason, /has 2 levels after "state": expected 8 \(3 zone levels, as documented\) or 9/);
    assert.match(dead[1]!.reason, /no "time" and "value"/);
    assert.match(dead[2]!.reason, /module index "first" is not a whole number/);
    assert.match(dead[3]!.reason, /"value" is serialized JSON, and "on" is not/);
    assert.match(dead[4]!.reason, /neither \{"name": \.\.\.\} \(documented\) nor \{"time": \.\.\., "value": <model>\}/);
    assert.equal(state!.status, 'power');
    assert.equal(state!.value, true);
    assert.equal(stateEvents(client).length, 1);
    const metrics = await runtime.metrics();
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_rejected_total', { plugin: 'placeos', code: 'bad_topic' }), 2);
    assert.equal(metricValue(metrics, 'switchboard_plugin_messages_rejected_total', { plugin: 'placeos', code: 'bad_payload' }), 3);
  });

  it('with a hierarchy, reads its zone tags and a module name containing "/" whole, and rejects another zone count', async () => {
    const { client } = suite.harness;
    await suite.harness.start({ deadLetter: { topic: DEAD }, plugins: { placeos: { hierarchy: ['org', 'campus', 'building', 'level', 'area', 'desk'] } } });
    await client.publish('placeos/org-1/state/c-1/_/l-2/a-3/_/sys-1/drv-1/Desk/Sensor/2/occupied', JSON.stringify({ time: 1700000010, value: false }));
    await client.publish(suite.lines[2]!.topic, JSON.stringify(suite.lines[2]!.payload));
    const [desk] = await waitForStates(client, 1);
    const [dead] = (await client.waitForCount(DEAD, 1)).map((m) => m.json<{ reason: string }>());

    assert.deepEqual(desk!.zones, { campus: 'c-1', building: null, level: 'l-2', area: 'a-3', desk: null });
    assert.deepEqual([desk!.system, desk!.driver, desk!.module, desk!.index, desk!.status, desk!.value, desk!.time], ['sys-1', 'drv-1', 'Desk/Sensor', 2, 'occupied', false, 1700000010000]);
    assert.match(dead!.reason, /has 9 levels after "state"; the hierarchy org campus building level area desk needs at least 10/);
  });
});
