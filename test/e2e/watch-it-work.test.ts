import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { freePort } from '../helpers/broker.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, ROOT, tempDir } from '../helpers/paths.js';
import { RuntimeProcess } from '../helpers/runtime.js';
import { waitUntil } from '../../testing/index.js';

/** The README's "Watch it work" section, its commands and the summary it shows. */
async function section(): Promise<{ sub: string; replay: string[]; summary: string; placeos: string[]; text: string }> {
  const readme = await readFile(fixture('README.md'), 'utf8');
  const start = readme.indexOf('### Watch it work');
  assert.ok(start >= 0, 'the README has a "Watch it work" section');
  const text = readme.slice(start, readme.indexOf('\n#', start + 1));
  const blocks = [...text.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const commands = blocks[0]!.trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
  return { sub: commands[0]!, replay: commands[1]!.split(' '), summary: blocks[1]!, placeos: blocks[2]!.trim().split(' '), text };
}

describe('the README\'s "Watch it work", followed with the shipped configuration (on free ports)', function () {
  this.timeout(120000);

  it('shows everything it promises: events, alertstatus, the alarm, the masked email, Home Assistant configs, the summary, the PlaceOS systems on the status page', async () => {
    const { sub, replay, summary, placeos } = await section();
    assert.equal(sub, "npx mqtt sub -t 'switchboard/#' -t 'homeassistant/#' -v");
    assert.deepEqual(replay.slice(0, 3), ['node', 'dist/cli/switchboard.js', 'replay']);

    const dir = await tempDir('switchboard-watch-');
    const [brokerPort, httpPort] = [await freePort(), await freePort()];
    const runtime = await RuntimeProcess.start(fixture('runtime.config.json'), {
      cwd: ROOT,
      args: ['--broker-port', String(brokerPort), '--http-port', String(httpPort), '--state-dir', dir.path],
    });
    let client: TestClient | undefined;
    try {
      client = await TestClient.connect(`mqtt://127.0.0.1:${brokerPort}`);
      await client.subscribe(['switchboard/#', 'homeassistant/#']);
      // Slower than the README's five a second, so that a stall on a busy machine cannot fold CANCEL into the clear
      // (state topics publish the latest value at most every 100 ms).
      const result = await RuntimeProcess.run([...replay.slice(2), '--rate', '2', '--url', `mqtt://127.0.0.1:${brokerPort}`, '--metrics', `http://127.0.0.1:${httpPort}/metrics`], { cwd: ROOT });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.endsWith(summary), `the replay ends with the README's summary:\n${summary}\ngot:\n${result.stdout}`);

      const STATE = 'switchboard/homelink/BRIGHT_HOMES_Flat_3';
      await client.waitFor((r) => r.some((m) => m.topic === `${STATE}/alarm` && m.payload.length === 0), 20000, 'the property removed at the end');
      const types = client.on('switchboard/events/+').map((m) => m.topic.split('/').pop());
      assert.deepEqual([...new Set(types)].sort(), ['homelink_alert', 'homelink_device', 'homelink_event', 'homelink_notification', 'homelink_property', 'homelink_reading']);
      assert.equal(types.length, 15, 'an event per message but the repeat and the older copy');

      const statuses = client.on(`${STATE}/A7E2C410-5B1D0E22/alerts`).filter((m) => m.payload.length > 0).map((m) => m.json<{ alertstatus: string }[]>().map((a) => a.alertstatus).join());
      const fire = statuses.indexOf('FIRE_ALARM');
      assert.ok(fire >= 0, `FIRE_ALARM published: ${statuses.join(' | ')}`);
      assert.deepEqual(statuses.slice(fire, fire + 4), ['FIRE_ALARM', 'CANCEL', 'FIRE_ALARM', ''], 'hushed to CANCEL, raised again, then cleared');
      assert.ok(statuses.slice(fire + 4).includes('LOW_BATTERY_HEAD'), 'the maintenance alert listed');

      const alarm = client.on(`${STATE}/alarm`).map((m) => m.text).filter((v, i, all) => i === 0 || v !== all[i - 1]);
      assert.deepEqual(alarm, ['OFF', 'ON', 'OFF', ''], 'the property alarm ON with the fire alarm only, then removed');
      assert.ok(client.on(`${STATE}/problem`).some((m) => m.text === 'ON'), 'problem ON for the low battery');

      const notification = client.on('switchboard/events/homelink_notification')[0]!.text;
      for (const raw of ['priya.shah@brighthomes.example', '+447700900461', '"priya.shah"', 'P-0042']) assert.ok(!notification.includes(raw), `${raw} masked in ${notification}`);
      assert.ok(client.received.every((m) => !m.text.includes('priya.shah@brighthomes.example')), 'the email nowhere');

      const configs = client.on('homeassistant/+/+/+/config');
      for (const component of ['binary_sensor', 'sensor', 'event']) assert.ok(configs.some((m) => m.topic.split('/')[1] === component && m.payload.length > 0), `a Home Assistant ${component} config`);
      const last = new Map(configs.map((m) => [m.topic, m.payload.length]));
      assert.ok([...last.values()].every((n) => n === 0), 'every config emptied once the property is removed');

      // Then the PlaceOS fixtures: the status page's state lists the systems by name, with their statuses, after privacy.
      assert.deepEqual(placeos.slice(0, 3), ['node', 'dist/cli/switchboard.js', 'replay']);
      const placeosRun = await RuntimeProcess.run([...placeos.slice(2), '--rate', '0', '--url', `mqtt://127.0.0.1:${brokerPort}`, '--metrics', `http://127.0.0.1:${httpPort}/metrics`], { cwd: ROOT });
      assert.equal(placeosRun.code, 0, placeosRun.stderr);
      assert.match(placeosRun.stdout, /rejected 2\b/, 'the two lines that are not PlaceOS messages');
      type Shown = { name: string; values: { name: string; value?: unknown }[] };
      let systems: Shown[] = [];
      await waitUntil(
        async () => {
          const page = (await (await fetch(`http://127.0.0.1:${httpPort}/status/state`)).json()) as { board: { others: Shown[] } };
          systems = page.board.others;
          const shown = systems.some((d) => d.name === 'Cisco VC' && d.values.length >= 2) && systems.some((d) => d.name === 'Level 3 Huddle' && d.values.some((v) => v.name.endsWith('current_booking')));
          return shown ? true : undefined;
        },
        { ms: 20000, intervalMs: 200, what: 'the PlaceOS systems on the status page', context: () => JSON.stringify(systems) },
      );
      const huddle = systems.find((d) => d.name === 'Level 3 Huddle')!;
      assert.equal(huddle.values.find((v) => v.name === "M'Odule 1 power")?.value, 'ON');
      assert.equal(systems.find((d) => d.name === 'Cisco VC')!.values.find((v) => v.name === 'Display 1 power')?.value, 'ON');
      const booking = JSON.stringify(huddle.values.find((v) => v.name.endsWith('current_booking'))!.value);
      assert.ok(booking.includes('Quarterly review') && !booking.includes('sam.okoro@corp.example'), `the booking shown, its emails masked: ${booking}`);
    } finally {
      await client?.close();
      await runtime.kill('SIGTERM');
      await dir.remove();
    }
  });
});
