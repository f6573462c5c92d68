import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ConfigError } from '../../../core/config/config-error.js';
import { loadConfig } from '../../../core/config/load-config.js';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';
import { InProcessRuntime, testConfig, writeConfig } from '../../helpers/runtime.js';
import { ALARM, FIRE_EVENT_ID, PROPERTY, alarmDeviceAdd, alertTopic, fireAlert, propertyAdd } from './homelink-payloads.js';

const EVENTS = 'switchboard/events';
const TOKEN = 'a-long-enough-webhook-token-0123';
const PATH = '/hooks/homelink';

/** A POST over real HTTP (node:http, so that a body the server stops reading still gets its answer read). */
function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };

describe('homelink: the webhook way in', () => {
  let h: Harness;
  let runtime: InProcessRuntime;
  let url: string;

  beforeEach(async () => {
    h = await Harness.create();
    runtime = await h.start({
      events: { exclude: [] },
      plugins: { homelink: { topicRoot: 'bright_homes', webhook: { path: PATH, auth: { type: 'bearer', token: TOKEN }, maxBodyBytes: 4096 } } },
    });
    url = `${runtime.runtime.http.url}${PATH}`;
  });

  afterEach(async () => {
    await h.close();
  });

  const outcome = async (name: string): Promise<number> => metricValue(await runtime.metrics(), 'switchboard_homelink_webhook_requests_total', { outcome: name }) ?? 0;

  it('takes HomeLINK\'s POSTs (type recognised by field) through the same handling as MQTT: the same events, the same state', async () => {
    for (const payload of [propertyAdd(), alarmDeviceAdd(), fireAlert()]) {
      const res = await post(url, JSON.stringify(payload), bearer);
      assert.equal(res.status, 200, JSON.stringify(res.json));
    }
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1);
    assert.equal(h.client.on(`${EVENTS}/homelink_property`).length, 1);
    assert.equal(h.client.on(`${EVENTS}/homelink_device`).length, 1);
    const alert = h.client.on(`${EVENTS}/homelink_alert`)[0]!.json<{ id: string; data: { sub_type: string; alertstatus: string; device_info: { identifiers: string[][] }; payload: { eventId: string } } }>();
    assert.equal(alert.id, `${FIRE_EVENT_ID}@2026-01-15T08:10:02.000Z`);
    assert.equal(alert.data.sub_type, 'device');
    assert.equal(alert.data.alertstatus, 'FIRE_ALARM');
    assert.deepEqual(alert.data.device_info.identifiers, [['homelink', 'device', ALARM]]);
    await h.client.waitFor((r) => r.some((m) => m.topic === `switchboard/homelink/${PROPERTY}/alarm` && m.text === 'ON'), 5000, 'the property in alarm');
    assert.equal(await outcome('handled'), 3);
    const get = await fetch(url, { headers: bearer });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  it('raises an alert seen by webhook and by MQTT once, whichever comes first', async () => {
    assert.equal((await post(url, JSON.stringify(propertyAdd()), bearer)).status, 200);
    assert.equal((await post(url, JSON.stringify(alarmDeviceAdd()), bearer)).status, 200);
    assert.equal((await post(url, JSON.stringify(fireAlert()), bearer)).status, 200);
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1);
    await h.client.publish(alertTopic('bright_homes'), fireAlert());
    // The other way round: a second alert over MQTT first, then by webhook.
    const second = fireAlert('7c1e0d52-0000-4000-8000-00000000a0ff', '2026-01-15T09:00:00.000Z');
    await h.client.publish(alertTopic('bright_homes'), second);
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 2);
    assert.equal((await post(url, JSON.stringify(second), bearer)).status, 200);
    // A marker after both: once its event is out, the copies before it have been handled.
    assert.equal((await post(url, JSON.stringify(propertyAdd('2026-01-15T10:00:00.000Z')), bearer)).status, 200);
    await h.client.waitForCount(`${EVENTS}/homelink_property`, 2);
    const ids = h.client.on(`${EVENTS}/homelink_alert`).map((m) => m.json<{ data: { payload: { eventId: string } } }>().data.payload.eventId);
    assert.deepEqual(ids, [FIRE_EVENT_ID, '7c1e0d52-0000-4000-8000-00000000a0ff']);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_duplicates_total', { type: 'alert' }), 2);
  });

  it('answers 401 to a request without the credentials, before reading its body, and changes nothing', async () => {
    const none = await post(url, JSON.stringify(fireAlert()));
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="switchboard"');
    assert.deepEqual(none.json, { error: 'missing or wrong credentials' });
    assert.equal((await post(url, JSON.stringify(fireAlert()), { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await post(url, JSON.stringify(fireAlert()), { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status, 401);
    // Larger than the limit too: without credentials, that is not even looked at.
    assert.equal((await post(url, Buffer.alloc(64 * 1024, 0x20))).status, 401);
    assert.equal(await outcome('unauthorized'), 4);
    assert.equal(await outcome('handled'), 0);
    // The same alert with the credentials is taken: the refusals above were about them alone.
    assert.equal((await post(url, JSON.stringify(fireAlert()), { authorization: `bearer  ${TOKEN}` })).status, 200);
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1);
    assert.equal(h.client.on(`${EVENTS}/homelink_alert`).length, 1);
  });

  it('answers 400 with the reason to a malformed body, and 413 to one over the limit, without handling either', async () => {
    const notJson = await post(url, '{"eventId": ', bearer);
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.code, 'invalid_json');
    assert.match(String(notJson.json.error), /^payload is not JSON \(/);
    const array = await post(url, '[1, 2]', bearer);
    assert.equal(array.status, 400);
    assert.equal(array.json.error, 'payload is JSON but not an object (an array)');
    const { eventId: _, ...withoutId } = fireAlert();
    const missing = await post(url, JSON.stringify(withoutId), bearer);
    assert.equal(missing.status, 400);
    assert.equal(missing.json.code, 'missing_field');
    assert.match(String(missing.json.error), /eventId/);
    const badTime = await post(url, JSON.stringify({ ...fireAlert(), actionTimestamp: 'yesterday' }), bearer);
    assert.equal(badTime.status, 400);
    assert.equal(badTime.json.code, 'invalid_timestamp');

    const padded = JSON.stringify({ ...fireAlert(), description: 'x'.repeat(5000) });
    const tooLarge = await post(url, padded, bearer);
    assert.equal(tooLarge.status, 413);
    assert.deepEqual(tooLarge.json, { error: 'the body is larger than 4096 bytes' });
    // Without a Content-Length (chunked), the limit is checked as the body arrives.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...bearer, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(padded.slice(i * 600, (i + 1) * 600));
      req.end();
    });
    assert.equal(chunked, 413);

    assert.equal(await outcome('rejected'), 4);
    assert.equal(await outcome('handled'), 0);
    assert.equal(h.client.on(`${EVENTS}/homelink_alert`).length, 0);
    // Still serving: a good request after them is handled.
    assert.equal((await post(url, JSON.stringify(fireAlert()), bearer)).status, 200);
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1);
  });
});

describe('homelink: webhook configuration', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await h.close();
  });

  async function problems(webhook: unknown, http?: object): Promise<string[]> {
    const file = await writeConfig(h.dir.path, testConfig({ ...(http ? { http } : {}), plugins: { homelink: { topicRoot: 'x', webhook } } }));
    try {
      await loadConfig({ file, env: {} });
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
  }

  it('refuses a webhook without auth, and each kind of auth without its secret', async () => {
    assert.deepEqual(await problems({}), ['plugins.homelink.webhook.auth: is required']);
    assert.deepEqual(await problems({ auth: { type: 'basic', username: 'homelink' } }), ['plugins.homelink.webhook.auth.password: is required']);
    assert.deepEqual(await problems({ auth: { type: 'apiKey' } }), ['plugins.homelink.webhook.auth.key: is required']);
    assert.deepEqual(await problems({ auth: { type: 'bearer', token: 'short' } }), ['plugins.homelink.webhook.auth.token: must NOT have fewer than 16 characters']);
    assert.deepEqual(await problems({ auth: { type: 'none' } }), []);
  });

  it('does not start with a webhook while the HTTP server is off', async () => {
    await assert.rejects(
      InProcessRuntime.start(h.dir.path, { connections: { local: { url: h.broker.url } }, http: { enabled: false }, plugins: { homelink: { topicRoot: 'x', webhook: { auth: { type: 'bearer', token: TOKEN } } } } }),
      /plugin "homelink" failed to set up: plugin "homelink" serves POST \/homelink\/webhook on the HTTP server, which is off: set http.enabled to true/,
    );
  });

  it('takes basic and API-key credentials as HomeLINK\'s dashboard sends them', async () => {
    for (const auth of [
      { type: 'basic', username: 'homelink', password: 'correct horse battery' },
      { type: 'apiKey', header: 'X-HomeLINK-Key', key: 'an-api-key-of-some-length' },
    ]) {
      const runtime = await h.start({ plugins: { homelink: { topicRoot: 'bright_homes', webhook: { auth } } } });
      const url = `${runtime.runtime.http.url}/homelink/webhook`;
      const good: Record<string, string> = auth.type === 'basic' ? { authorization: `Basic ${Buffer.from('homelink:correct horse battery').toString('base64')}` } : { 'x-homelink-key': 'an-api-key-of-some-length' };
      const bad: Record<string, string> = auth.type === 'basic' ? { authorization: `Basic ${Buffer.from('homelink:wrong').toString('base64')}` } : { 'x-homelink-key': 'an-api-key-of-some-lengtX' };
      assert.equal((await post(url, JSON.stringify(propertyAdd()), bad)).status, 401, auth.type);
      assert.equal((await post(url, JSON.stringify(propertyAdd()), good)).status, 200, auth.type);
      await h.stopRuntime();
    }
  });
});
