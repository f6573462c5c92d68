import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { Mosquitto } from '../helpers/mosquitto.js';
import { RestartableRuntime } from '../helpers/restartable-runtime.js';

const N = 200;

/** A persistent-session client (QoS 1) that reconnects by itself, recording the payloads it receives. */
async function client(url: string, clientId: string, filter?: string): Promise<{ c: MqttClient; got: Set<string> }> {
  const got = new Set<string>();
  const c = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 200, connectTimeout: 5000 });
  c.on('message', (_topic, payload) => got.add(payload.toString()));
  if (filter) await c.subscribeAsync(filter, { qos: 1 });
  return { c, got };
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mosquitto-bridge: nothing lost across crashes and broker restarts (QoS 1, persistent sessions)', function () {
  this.timeout(180000);

  it(`forwards all ${N} messages each way across a SIGKILL of the runtime, a restart of the remote and of the local broker`, async () => {
    const L = await Mosquitto.start();
    const R = await Mosquitto.start();
    const side = (url: string, clientId: string): object => ({ url, clientId, clean: false, bridgeMode: true, reconnect: { minDelay: 0.2, maxDelay: 1 } });
    const runtime = await RestartableRuntime.create({
      connections: { local: side(L.url, 'bridge-local'), remote: side(R.url, 'bridge-remote') },
      plugins: { 'mosquitto-bridge': { bridges: [{ name: 'nl', remote: 'remote', topics: ['load/# out 1', 'back/# in 1'] }] } },
    });
    const clients: MqttClient[] = [];
    try {
      const sinkR = await client(R.url, 'sink-r', 'load/#');
      const sinkL = await client(L.url, 'sink-l', 'back/#');
      const pubL = await client(L.url, 'pub-l');
      const pubR = await client(R.url, 'pub-r');
      clients.push(sinkR.c, sinkL.c, pubL.c, pubR.c);
      await runtime.start();
      await runtime.healthy();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < N; i++) {
        sends.push(pubL.c.publishAsync(`load/${i % 7}`, `l${i}`, { qos: 1 }), pubR.c.publishAsync(`back/${i % 7}`, `r${i}`, { qos: 1 }));
        if (i === 50) {
          await runtime.kill();
          await runtime.start();
        }
        if (i === 100) await R.restart();
        if (i === 150) await L.restart();
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all(sends);
      const missing = (got: Set<string>, p: string): string[] => Array.from({ length: N }, (_, i) => `${p}${i}`).filter((m) => !got.has(m));
      await until('every message forwarded', () => missing(sinkR.got, 'l').length === 0 && missing(sinkL.got, 'r').length === 0, 90000).catch((err: Error) => {
        const problems = runtime.logs().filter((l) => l.level !== 'info' && l.level !== 'debug');
        throw new Error(`${err.message}: missing on R ${missing(sinkR.got, 'l').join(',')}; missing on L ${missing(sinkL.got, 'r').join(',')}\n${problems.map((l) => JSON.stringify(l)).join('\n')}`);
      });
      assert.deepEqual(runtime.crashes(), []);
    } finally {
      for (const c of clients) await c.endAsync(true);
      await runtime.close();
      await L.close();
      await R.close();
    }
  });
});
