import assert from 'node:assert/strict';
import type { AuthenticateError } from 'aedes';
import { freePort } from '../helpers/broker.js';
import { processSuite } from '../helpers/process-suite.js';
import { RuntimeProcess, testConfig, writeConfig } from '../helpers/runtime.js';

describe('Start-up summary and connection failures in the logs', () => {
  const suite = processSuite();

  async function start(local: object, config: Record<string, unknown> = {}): Promise<RuntimeProcess> {
    const file = await writeConfig(suite.dir.path, testConfig({ connections: { local: { reconnect: { minDelay: 0.1, maxDelay: 0.2 }, ...local } }, ...config }));
    suite.child = new RuntimeProcess(['start', '--config', file]);
    return suite.child;
  }

  it('says it is running once connected: addresses, each connection and its state, each plugin and its subscriptions, what next', async () => {
    const p = await start({ url: suite.broker.url }, { plugins: { homelink: { topicRoot: 'joe_bloggs' } } });
    const running = await p.waitForLog((l) => l.msg === 'Switchboard is running', 15000, 'the summary');
    const connected = p.logs.findIndex((l) => l.msg === 'connected');
    assert.ok(connected >= 0 && connected < p.logs.indexOf(running), '"connected" comes first');
    const details = running.details as { http: string; connections: Record<string, { state: string; url: string }>; plugins: Record<string, { state: string; subscribes: string[] }> };
    assert.deepEqual(details.connections.local, { url: suite.broker.url, state: 'connected' });
    assert.deepEqual(details.plugins.homelink, { version: '1.0.0', state: 'running', subscribes: ['local: joe_bloggs/#'] });
    const summary = String(running.summary);
    assert.match(summary, new RegExp(`http +${details.http} +\\(health ${details.http}/healthz, metrics ${details.http}/metrics\\)`));
    assert.match(summary, new RegExp(`connection +local +${suite.broker.url} +connected`));
    assert.match(summary, /plugin +homelink 1\.0\.0 +running; subscribes local: joe_bloggs\/#/);
    assert.match(summary, new RegExp(`next .*mosquitto_sub -h 127\\.0\\.0\\.1 -p ${suite.broker.port} -t 'switchboard/events/#' -v`));
  });

  it('a broker that refuses the connection: one clear line while it lasts, no stack trace, and the summary says so', async () => {
    const port = await freePort();
    const p = await start({ url: `mqtt://127.0.0.1:${port}` });
    const running = await p.waitForLog((l) => l.msg === 'Switchboard is running', 15000, 'the summary');
    const errors = p.logs.filter((l) => l.msg.startsWith('connection error'));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.msg, 'connection error: the broker refused the connection (is it running, on this host and port?)');
    assert.equal(errors[0]!.stack, undefined);
    assert.match(String(running.summary), /connection +local .* (reconnecting|offline|connecting) \(the broker refused the connection/);
  });

  it('bad credentials: "the broker refused the login: bad user name or password"', async () => {
    suite.broker.aedes.authenticate = (_client, _username, _password, done) => {
      const err = new Error('bad credentials') as AuthenticateError;
      err.returnCode = 4;
      done(err, false);
    };
    const p = await start({ url: suite.broker.url, username: 'joe', password: 'wrong' });
    const line = await p.waitForLog((l) => l.msg.startsWith('connection error'), 15000, 'the connection error');
    assert.equal(line.msg, 'connection error: the broker refused the login: bad user name or password');
    assert.equal(line.level, 'warn');
  });
});
