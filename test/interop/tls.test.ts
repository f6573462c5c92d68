import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { IClientOptions } from 'mqtt';
import { waitForHealth } from '../helpers/endpoints.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { TestClient } from '../helpers/mqtt.js';
import { fixture, tempDir } from '../helpers/paths.js';
import { InProcessRuntime, type LogLine } from '../helpers/runtime.js';
import { TestCa, type KeyPair } from '../helpers/tls.js';

const RECORDER = fixture('dist', 'test', 'fixtures', 'e2e-plugins', 'recorder.js');
const PASSPHRASE = 'client key passphrase';

describe('mosquitto over TLS', () => {
  let ca: TestCa;
  let clientCert: KeyPair;
  let trusted: Mosquitto;
  let wrongName: Mosquitto;
  let mutual: Mosquitto;
  let dir: { path: string; remove(): Promise<void> };
  let runtime: InProcessRuntime | undefined;
  let client: TestClient | undefined;

  before(async () => {
    ca = await TestCa.create();
    const server = await ca.server('broker', { dns: ['localhost'], ips: ['127.0.0.1'] });
    const elsewhere = await ca.server('elsewhere', { dns: ['broker.elsewhere.invalid'], ips: [] });
    clientCert = await ca.client('switchboard', { passphrase: PASSPHRASE });
    trusted = await Mosquitto.start({ persistence: false, tls: { ca: ca.cert, ...server } });
    wrongName = await Mosquitto.start({ persistence: false, tls: { ca: ca.cert, ...elsewhere } });
    mutual = await Mosquitto.start({ persistence: false, tls: { ca: ca.cert, ...server, requireCertificate: true } });
  });

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await runtime?.stop();
    runtime = undefined;
    await dir.remove();
  });

  after(async () => {
    for (const broker of [trusted, wrongName, mutual]) await broker?.close();
    await ca?.remove();
  });

  function start(url: string, tls: Record<string, unknown>): Promise<InProcessRuntime> {
    return InProcessRuntime.start(dir.path, {
      connections: { local: { url, tls, reconnect: { minDelay: 0.2, maxDelay: 1 } } },
      plugins: { 'e2e-recorder': { module: RECORDER, handlers: [{ id: 'tls', filter: 'secure/#' }] } },
    });
  }

  /** A message published by a client of the broker reaches the runtime's handler, whose report comes back. */
  async function messagesFlow(broker: Mosquitto, clientTls: IClientOptions & ConnectionOptions): Promise<void> {
    client = await TestClient.connect(broker.url, clientTls);
    await client.subscribe('e2e/report/#');
    await client.publish('secure/door', 'locked');
    const [report] = await client.waitForCount('e2e/report/tls', 1, 10000);
    assert.deepEqual(report!.json(), { handler: 'tls', connection: 'local', topic: 'secure/door', payload: 'locked' });
  }

  /** The connection stays down: /healthz says 503 with the connection's error, which was logged. */
  async function refused(code: RegExp): Promise<LogLine> {
    const logged = await runtime!.waitForLog((l) => l.msg.startsWith('connection error') && code.test(String(l.code)), 10000, `a connection error ${code}`);
    const report = await waitForHealth(runtime!.healthUrl, (status, r) => status === 503 && r.connections.local!.lastError !== undefined, 10000, 'the connection error in /healthz');
    assert.notEqual(report.connections.local!.state, 'connected');
    assert.ok(report.problems.some((p) => p.startsWith('connection local is')), JSON.stringify(report.problems));
    return logged;
  }

  it('connects with tls.ca and the server certificate naming 127.0.0.1; messages flow', async () => {
    runtime = await start(trusted.url, { ca: ca.cert });
    await runtime.healthy(10000);
    await messagesFlow(trusted, { ca: await readFile(ca.cert) });
    assert.ok(!runtime.logs.some((l) => l.level === 'warn' && /INSECURE|verifyHostname/.test(l.msg)));
  });

  it('refuses a certificate that names another host while verifyHostname is on', async () => {
    runtime = await start(wrongName.url, { ca: ca.cert });
    const logged = await refused(/^ERR_TLS_CERT_ALTNAME_INVALID$/);
    assert.match(String(logged.err), /127\.0\.0\.1/);
  });

  it('accepts that certificate with verifyHostname: false, and warns', async () => {
    runtime = await start(wrongName.url, { ca: ca.cert, verifyHostname: false });
    await runtime.healthy(10000);
    await runtime.waitForLog((l) => l.level === 'warn' && l.msg.startsWith('tls.verifyHostname is off'));
    await messagesFlow(wrongName, { ca: await readFile(ca.cert), checkServerIdentity: () => undefined });
  });

  it('refuses a certificate from an unknown CA, and with trustAll: true connects and logs INSECURE', async () => {
    runtime = await start(trusted.url, {});
    await refused(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    await runtime.stop();

    runtime = await start(trusted.url, { trustAll: true });
    await runtime.healthy(10000);
    const warning = await runtime.waitForLog((l) => l.level === 'warn' && l.msg.startsWith('INSECURE'));
    assert.match(warning.msg, /tls\.trustAll/);
    await messagesFlow(trusted, { ca: await readFile(ca.cert) });
  });

  it('with require_certificate, is refused without a client certificate and accepted with one (encrypted key)', async () => {
    runtime = await start(mutual.url, { ca: ca.cert });
    // TLS 1.3 reports the missing certificate as an alert after the handshake, older versions as a handshake failure.
    await refused(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE|ECONNRESET|EPIPE)$/);
    await runtime.stop();

    runtime = await start(mutual.url, { ca: ca.cert, cert: clientCert.cert, key: clientCert.key, passphrase: PASSPHRASE });
    await runtime.healthy(10000);
    await messagesFlow(mutual, { ca: await readFile(ca.cert), cert: await readFile(clientCert.cert), key: await readFile(clientCert.key), passphrase: PASSPHRASE });
  });
});
