import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { freePort } from '../helpers/broker.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, ROOT, tempDir } from '../helpers/paths.js';
import { RuntimeProcess } from '../helpers/runtime.js';

/** The README's "Watch it work" section, its commands and the summary it shows. */
async function section(): Promise<{ sub: string; replay: string[]; summary: string; text: string }> {
  const readme = await readFile(fixture('README.md'), 'utf8');
  const start = readme.indexOf('### Watch it work');
  assert.ok(start >= 0, 'the README has a "Watch it work" section');
  const text = readme.slice(start, readme.indexOf('\n#', start + 1));
  const blocks = [...text.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const commands = blocks[0]!.trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
  return { sub: commands[0]!, replay: commands[1]!.split(' '), summary: blocks[1]!, text };
}

describe('the README\'s "Watch it work", followed with the shipped configuration (on free ports)', function () {
  this.timeout(120000);

  it('shows everything it promises: events, alertstatus, the alarm, the masked email, Home Assistant configs, the summary', async () => {
    const { sub, replay, summary } = await section();
    assert.equal(sub, "npx mqtt sub -t 'switchboard/#' -t 'homeassistant/#' -v");
    assert.deepEqual(replay.slice(0, 3), ['node', 'dist/core/cli.js', 'replay']);

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

      await client.waitForCount('switchboard/events/homelink_alert', 3);
      const types = client.on('switchboard/events/+').map((m) => m.topic.split('/').pop());
      assert.deepEqual([...new Set(types)].sort(), ['homelink_alert', 'homelink_device', 'homelink_event', 'homelink_insight', 'homelink_notification', 'homelink_property', 'homelink_reading', 'homelink_unknown']);
      assert.equal(types.length, 10, 'an event per message but the repeat and the older copy');

      const statuses = client.on('switchboard/homelink/JOE_BLOGGS_Home/D6FCD4F0/alerts').map((m) => m.json<{ alertstatus: string }[]>().map((a) => a.alertstatus).join());
      const fire = statuses.indexOf('FIRE_ALARM');
      assert.ok(fire >= 0, `FIRE_ALARM published: ${statuses.join(' | ')}`);
      assert.deepEqual(statuses.slice(fire), ['FIRE_ALARM', 'CANCEL', ''], 'then CANCEL, then cleared');

      await client.waitFor((r) => r.filter((m) => m.topic === 'switchboard/homelink/JOE_BLOGGS_Home/alarm').map((m) => m.text).join().endsWith('ON,OFF,ON'), 10000, 'the property alarm ON, OFF, ON');

      const notification = client.on('switchboard/events/homelink_notification')[0]!.text;
      assert.ok(notification.includes('Contact tenant ********************'), notification);
      assert.ok(!notification.includes('jane.doe@example.com'));

      const configs = client.on('homeassistant/+/+/+/config').map((m) => m.topic.split('/')[1]);
      for (const component of ['binary_sensor', 'sensor', 'event']) assert.ok(configs.includes(component), `a Home Assistant ${component} config (got ${configs.join(', ')})`);
    } finally {
      await client?.close();
      await runtime.kill('SIGTERM');
      await dir.remove();
    }
  });
});
