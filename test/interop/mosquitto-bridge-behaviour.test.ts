import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { BridgePair, retained, STATE_TOPIC, type Implementation } from '../helpers/bridge-pair.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { tempDir } from '../helpers/paths.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';
import { InProcessRuntime } from '../helpers/runtime.js';

describe('mosquitto-bridge: behaviour against real mosquitto brokers', function () {
  this.timeout(120000);

  it('re-publishes local retained messages under out topics to the remote at every reconnect, as mosquitto does', async () => {
    const found: Record<string, string[]> = {};
    for (const implementation of ['mosquitto', 'switchboard'] as Implementation[]) {
      const pair = await BridgePair.start(implementation, { lines: ['ret/# out 1 l/ r/', 'in/# in 1'], protocol: '3.1.1' });
      try {
        await pair.publish({ side: 'L', topic: 'l/ret/a', qos: 1, retain: true }, 'A');
        await pair.sync();
        // R has no persistence: restarted, it has forgotten every retained message until the bridge sends them again.
        await pair.R.restart();
        await pair.sync();
        found[implementation] = await retained(pair.R.url, 'r/ret/#', 1);
      } finally {
        await pair.close();
      }
    }
    assert.deepEqual(found.mosquitto, ['r/ret/a=A']);
    assert.deepEqual(found.switchboard, found.mosquitto);
  });

  it('notifications: the same state messages as a mosquitto bridge on each side, through a stop and start of the remote', async () => {
    const found = {} as Record<Implementation, string[][]>;
    for (const implementation of ['mosquitto', 'switchboard'] as Implementation[]) {
      const pair = await BridgePair.start(implementation, { lines: ['n/# out 0'], protocol: '5' });
      const seen: string[] = [];
      const watchers: mqtt.MqttClient[] = [];
      let closedR = false;
      try {
        for (const [side, broker] of [['L', pair.L], ['R', pair.R]] as const) {
          // Comes back by itself after R's restart and subscribes again (clean session): what R holds then arrives retained.
          const w = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 200 });
          watchers.push(w);
          w.on('message', (_t, payload, packet) => seen.push(`${side}|q${packet.qos}|r${packet.retain ? 1 : 0}|${payload.toString()}`));
          if (side === 'R') w.on('close', () => void (closedR = true));
          await w.subscribeAsync({ [STATE_TOPIC]: { qos: 2, rap: true } });
        }
        const until = async (what: string, done: () => boolean): Promise<void> => {
          const deadline = Date.now() + 15000;
          while (!done()) {
            if (Date.now() > deadline) throw new Error(`${implementation}: timed out waiting for ${what}; seen: ${seen.join(', ')}`);
            await new Promise((r) => setTimeout(r, 25));
          }
        };
        const count = (side: 'L' | 'R', payload: string): number => seen.filter((x) => x.startsWith(`${side}|`) && x.endsWith(`|${payload}`)).length;
        await until('the retained 1 on each side', () => count('L', '1') >= 1 && count('R', '1') >= 1);
        const phases: string[][] = [seen.splice(0)];
        await pair.R.stop();
        // What R sent before it closed the watcher's connection has arrived once it saw the close.
        await until('the local 0, and R gone', () => count('L', '0') >= 1 && closedR);
        phases.push(seen.splice(0));
        await pair.R.start();
        await until('the 1 on each side again', () => count('L', '1') >= 1 && count('R', '1') >= 1);
        await pair.sync();
        phases.push(seen.splice(0));
        found[implementation] = phases.map((p) => p.sort());
      } finally {
        for (const w of watchers) await w.endAsync(true);
        await pair.close();
      }
    }
    assert.deepEqual(found.mosquitto, [['L|q1|r1|1', 'R|q1|r1|1'], ['L|q1|r1|0', 'R|q1|r1|0'], ['L|q1|r1|1', 'R|q1|r1|1']]);
    assert.deepEqual(found.switchboard, found.mosquitto);
  });

  it('notifications: retained 1 on both sides when connected, 0 locally when the remote goes, 0 on the remote at a stop', async () => {
    const pair = await BridgePair.start('switchboard', { lines: ['n/# out 0'], protocol: '3.1.1' });
    try {
      assert.deepEqual(await retained(pair.L.url, STATE_TOPIC, 1), [`${STATE_TOPIC}=1`]);
      assert.deepEqual(await retained(pair.R.url, STATE_TOPIC, 1), [`${STATE_TOPIC}=1`]);
      const health = async (): Promise<{ state: string }> => ((await (await fetch(pair.runtime!.healthUrl)).json()) as { plugins: Record<string, { details: { bridges: Record<string, { state: string }> } }> }).plugins['mosquitto-bridge']!.details.bridges.b!;
      assert.equal((await health()).state, 'connected');
      const watcher = await TestClient.connect(pair.L.url);
      await watcher.subscribe(STATE_TOPIC);
      await pair.R.stop();
      await watcher.waitFor((r) => r.some((m) => m.text === '0' && !m.retain), 10000, 'the local 0 when the remote went');
      assert.equal((await health()).state, 'disconnected');
      await pair.R.start();
      await watcher.waitFor((r) => r.filter((m) => m.text === '1').length >= 2, 15000, 'the local 1 when it came back');
      await watcher.close();
      await pair.runtime!.stop();
      pair.runtime = undefined;
      assert.deepEqual(await retained(pair.R.url, STATE_TOPIC, 1), [`${STATE_TOPIC}=0`]);
      assert.deepEqual(await retained(pair.L.url, STATE_TOPIC, 1), [`${STATE_TOPIC}=0`]);
    } finally {
      await pair.close();
    }
  });

  it('a both line does not echo over MQTT 3.1.1 without the bridge bit: the copies coming back are recognised and dropped', async () => {
    const L = await Mosquitto.start({ persistence: false });
    const R = await Mosquitto.start({ persistence: false });
    const dir = await tempDir();
    const watchL = await TestClient.connect(L.url);
    const watchR = await TestClient.connect(R.url);
    let runtime: InProcessRuntime | undefined;
    try {
      await watchL.subscribe('echo/#');
      await watchR.subscribe('echo/#');
      const side = (url: string): object => ({ url, protocolVersion: '3.1.1', bridgeMode: false });
      runtime = await InProcessRuntime.start(dir.path, {
        connections: { local: side(L.url), remote: side(R.url) },
        plugins: { 'mosquitto-bridge': { bridges: [{ name: 'e', remote: 'remote', topics: ['echo/# both 1'] }] } },
      });
      await runtime.healthy(10000);
      await watchL.publish('echo/from-l', 'l', { qos: 1 });
      await watchR.publish('echo/from-r', 'r', { qos: 1 });
      await watchL.publish('echo/end', 'end', { qos: 1 });
      await watchR.waitForCount('echo/end', 1, 10000);
      await watchL.waitForCount('echo/from-r', 1, 10000);
      await watchR.publish('echo/end-r', 'end', { qos: 1 });
      await watchL.waitForCount('echo/end-r', 1, 10000);
      const count = (c: TestClient, t: string): number => c.on(t).length;
      assert.deepEqual(
        [count(watchL, 'echo/from-l'), count(watchR, 'echo/from-l'), count(watchL, 'echo/from-r'), count(watchR, 'echo/from-r')],
        [1, 1, 1, 1],
      );
      assert.match(await runtime.metrics(), /switchboard_mosquitto_bridge_dropped_total\{bridge="e",reason="echo"\} [1-9]/);
      assert.ok(runtime.logs.some((l) => /local and remote connect with MQTT 3\.1\.1 without bridgeMode/.test(l.msg)), 'the start warns that the connections lack the bridge bit');
    } finally {
      await runtime?.stop();
      await watchL.close();
      await watchR.close();
      await L.close();
      await R.close();
      await dir.remove();
    }
  });

  it('two bridges forming a cycle over MQTT 5 stop after one round trip, and say so once each', async () => {
    const L = await Mosquitto.start({ persistence: false });
    const R = await Mosquitto.start({ persistence: false });
    const dirs = [await tempDir(), await tempDir()];
    const runtimes: InProcessRuntime[] = [];
    const watch = { L: await mqtt.connectAsync(L.url, { protocolVersion: 5 }), R: await mqtt.connectAsync(R.url, { protocolVersion: 5 }) };
    const seen = { L: 0, R: 0 };
    try {
      for (const side of ['L', 'R'] as const) {
        watch[side].on('message', (topic) => void (topic === 'cyc/x' && seen[side]++));
        await watch[side].subscribeAsync('cyc/#', { qos: 1 });
      }
      for (const [i, name] of ['a', 'b'].entries()) {
        const side = (url: string): object => ({ url, protocolVersion: '5' });
        const runtime = await InProcessRuntime.start(
          dirs[i]!.path,
          {
          connections: { local: side(L.url), remote: side(R.url) },
          events: { statusTopic: `switchboard/status/${name}` },
          plugins: { 'mosquitto-bridge': { bridges: [{ name, remote: 'remote', topics: ['cyc/# both 1'], notifications: false }] } },
          },
          'debug',
        );
        runtimes.push(runtime);
        await runtime.healthy(10000);
      }
      await watch.L.publishAsync('cyc/x', 'once', { qos: 1 });
      // Each bridge forwards the original to R, and the other's copy back to L, where the other drops it: 3 on L, 2 on R.
      for (const r of runtimes) await r.waitForLog((l) => /loop broken/.test(l.msg), 10000, 'the loop broken');
      await watch.L.publishAsync('cyc/end', 'end', { qos: 1 });
      for (const r of runtimes) await r.waitForLog((l) => l.msg === 'loop broken', 10000, 'the second loop broken, at debug level');
      assert.deepEqual(seen, { L: 3, R: 2 });
      for (const r of runtimes) {
        assert.equal(r.logs.filter((l) => /^loop broken: /.test(l.msg)).length, 1);
        const lines = (await r.metrics()).split('\n').filter((l) => l.startsWith('switchboard_mosquitto_bridge_loops_broken_total{'));
        assert.equal(lines.length, 1, lines.join('\n'));
        // One for cyc/x, one for cyc/end; logged the first time only.
        assert.match(lines[0]!, /\{bridge="[ab]"\} 2$/);
      }
    } finally {
      for (const r of runtimes) await r.stop();
      await watch.L.endAsync(true);
      await watch.R.endAsync(true);
      await L.close();
      await R.close();
      for (const d of dirs) await d.remove();
    }
  });

  it('a Switchboard bridge and a mosquitto bridge (both MQTT 5) forming a cycle stop after one round trip, and say so once', async () => {
    // L logs subscriptions: the mosquitto bridge's one on L shows it is in place.
    const L = await Mosquitto.start({ persistence: false, config: ['log_type subscribe'] });
    const R = await Mosquitto.start({ persistence: false });
    const dir = await tempDir();
    let watch: Record<'L' | 'R', mqtt.MqttClient> | undefined;
    const seen: Record<'L' | 'R', string[]> = { L: [], R: [] };
    let runtime: InProcessRuntime | undefined;
    try {
      // The mosquitto bridge lives in R and bridges to L: the cycle is L -> Switchboard -> R -> mosquitto -> L.
      await R.addConfig([
        'connection m',
        `address 127.0.0.1:${L.port}`,
        'remote_clientid mosquitto-bridge',
        'cleansession true',
        'restart_timeout 1 2',
        'bridge_protocol_version mqttv50',
        'notifications false',
        'topic cyc/# both 1',
      ]);
      await R.restart();
      const deadline = Date.now() + 15000;
      while (!/mosquitto-bridge 1 cyc\/#/.test(L.log)) {
        if (Date.now() > deadline) throw new Error(`the mosquitto bridge did not subscribe on L:\n${L.log}\n${R.log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      watch = { L: await mqtt.connectAsync(L.url, { protocolVersion: 5 }), R: await mqtt.connectAsync(R.url, { protocolVersion: 5 }) };
      for (const side of ['L', 'R'] as const) {
        watch[side].on('message', (topic) => void (topic.startsWith('cyc/') && seen[side].push(topic)));
        await watch[side].subscribeAsync('cyc/#', { qos: 1 });
      }
      const side = (url: string, clientId: string): object => ({ url, clientId, protocolVersion: '5' });
      runtime = await InProcessRuntime.start(
        dir.path,
        {
          connections: { local: side(L.url, 'switchboard-local'), remote: side(R.url, 'switchboard-remote') },
          plugins: { 'mosquitto-bridge': { bridges: [{ name: 's', remote: 'remote', topics: ['cyc/# both 1'], notifications: false }] } },
        },
        'debug',
      );
      await runtime.healthy(10000);
      const broken = (): number => runtime!.logs.filter((l) => /^loop broken/.test(l.msg)).length;
      await watch.L.publishAsync('cyc/x', 'once', { qos: 1 });
      // Each bridge forwards the original to R, and each forwards the other's copy on; Switchboard drops the copies
      // that come back to it, one on each side: 3 copies on L (the original, both bridges' copies of a copy), 3 on R.
      await runtime.waitForLog(() => broken() >= 2, 10000, 'two loops broken for cyc/x');
      await watch.L.publishAsync('cyc/end', 'end', { qos: 1 });
      await runtime.waitForLog(() => broken() >= 4, 10000, 'two loops broken for cyc/end');
      const count = (s: 'L' | 'R', t: string): number => seen[s].filter((x) => x === t).length;
      for (const s of ['L', 'R'] as const) {
        const deadlineEnd = Date.now() + 10000;
        while (count(s, 'cyc/end') < 3 && Date.now() < deadlineEnd) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual([count('L', 'cyc/x'), count('R', 'cyc/x'), count('L', 'cyc/end'), count('R', 'cyc/end')], [3, 3, 3, 3]);
      assert.equal(runtime.logs.filter((l) => /^loop broken: /.test(l.msg)).length, 1, 'one warning; the later ones at debug level');
      assert.match(await runtime.metrics(), /switchboard_mosquitto_bridge_loops_broken_total\{bridge="s"\} 4\n/);
    } finally {
      await runtime?.stop();
      await watch?.L.endAsync(true);
      await watch?.R.endAsync(true);
      await L.close();
      await R.close();
      await dir.remove();
    }
  });

  it('the remote gets 0 through the remote connection\'s will when the runtime is SIGKILLed', async () => {
    const L = await Mosquitto.start({ persistence: false });
    const R = await Mosquitto.start({ persistence: false });
    const runtime = await RestartableRuntime.create({
      connections: { local: { url: L.url, clientId: 'will-local' }, remote: { url: R.url, clientId: 'will-remote', bridgeMode: true } },
      plugins: { 'mosquitto-bridge': { bridges: [{ name: 'w', remote: 'remote', topics: ['w/# out 1'] }] } },
    });
    const topic = '$SYS/broker/connection/will-remote/state';
    const watcher = await TestClient.connect(R.url);
    try {
      await watcher.subscribe(topic);
      await runtime.start();
      await runtime.healthy();
      await watcher.waitFor((r) => r.some((m) => m.text === '1'), 10000, 'the 1 on the remote');
      assert.deepEqual(await retained(R.url, topic, 1), [`${topic}=1`]);
      assert.equal((await runtime.kill()).signal, 'SIGKILL');
      // A killed process publishes nothing: the 0 that arrives is the will, which R sends when the connection drops without a DISCONNECT.
      await watcher.waitFor((r) => r.some((m) => m.text === '0'), 15000, 'the will 0 on the remote');
      assert.deepEqual(watcher.received.map((m) => m.text), ['1', '0']);
      assert.deepEqual(await retained(R.url, topic, 1), [`${topic}=0`]);
      assert.match(R.log, /Client will-remote closed its connection/);
    } finally {
      await watcher.close();
      await runtime.close();
      await L.close();
      await R.close();
    }
  });
});
