import assert from 'node:assert/strict';
import { Harness } from '../../helpers/harness.js';
import { metricValue } from '../../helpers/metrics.js';
import type { InProcessRuntime } from '../../helpers/runtime.js';
import { HomelinkRestServer } from './homelink-rest-server.js';
import { ALARM, FIRE_EVENT_ID, GATEWAY, PROPERTY, alertTopic, fireAlert } from './homelink-payloads.js';

const EVENTS = 'switchboard/events';
const CLIENT = 'switchboard-test-client';
const SECRET = 'switchboard-test-secret';
const BARE_ALARM = ALARM.slice(GATEWAY.length + 1);
const SECOND_ALERT = '7c1e0d52-0000-4000-8000-00000000a0ff';

/** HomeLINK's REST shapes (as python_homelink's test data and HomeLINK's swagger have them). */
function restProperty(reference: string, updatedAt = '2026-01-15T08:00:00.000Z'): Record<string, unknown> {
  return {
    reference,
    createdAt: '2026-01-15T08:00:00.000Z',
    updatedAt,
    postcode: 'LS1 4AB',
    latitude: 53.79,
    longitude: -1.54,
    address: 'Flat 3, 14 Mill Lane Leeds LS1 4AB GB',
    tags: [],
    _rel: { _self: `property/${reference}`, devices: `property/${reference}/devices`, alerts: `property/${reference}/alerts` },
  };
}

function restDevice(serialNumber: string, modelType: string, model: string, reference = PROPERTY): Record<string, unknown> {
  return {
    serialNumber,
    model,
    modelType,
    location: modelType === 'GATEWAY' ? 'HALLWAY1' : 'KITCHEN',
    locationNickname: null,
    manufacturer: 'Ei',
    installationDate: '2024-02-01T00:00:00.000Z',
    installedBy: 'Installer',
    replaceDate: '2034-02-01T00:00:00.000Z',
    createdAt: '2026-01-15T08:01:00.000Z',
    updatedAt: '2026-01-15T08:01:00.000Z',
    metadata: { signalStrength: -50, lastSeenDate: '2026-01-15T08:05:00.000Z', connectivityType: 'EIRF868' },
    status: { operationalStatus: 'GOOD', lastTestedDate: null, dataCollectionStatus: 'ACTIVE' },
    _rel: { _self: `device/${serialNumber}`, property: `property/${reference}`, alerts: `device/${serialNumber}/alerts` },
  };
}

function restAlert(id: string, raisedDate = '2026-01-15T08:10:00.000Z'): Record<string, unknown> {
  return {
    id,
    serialNumber: BARE_ALARM,
    description: `${BARE_ALARM} in location Kitchen: Fire alarm activated`,
    eventType: 'FIRE_ALARM',
    propertyReference: PROPERTY,
    model: 'EI3028',
    modelType: 'FIRECOALARM',
    location: 'KITCHEN',
    locationNickname: null,
    insightId: null,
    raisedDate,
    severity: 'HIGH',
    category: 'ALARM',
    type: 'DEVICE',
    status: 'ACTIVE',
    _rel: { property: `property/${PROPERTY}`, _self: `alert/${id}`, device: `device/${BARE_ALARM}` },
  };
}

interface AlertEvent {
  id: string;
  data: { alertstatus: string | null; device_info: { identifiers: string[][] }; payload: { eventId: string } };
}

describe('homelink: the REST polling way in', () => {
  let h: Harness;
  let server: HomelinkRestServer;
  let runtime: InProcessRuntime;

  beforeEach(async () => {
    h = await Harness.create();
    server = await HomelinkRestServer.start(CLIENT, SECRET);
    server.properties.push(restProperty(PROPERTY), restProperty('BRIGHT_HOMES_Flat_4'));
    server.devices.set(PROPERTY, [restDevice(GATEWAY, 'GATEWAY', 'EI1000G'), restDevice(BARE_ALARM, 'FIRECOALARM', 'EI3028')]);
    server.alerts.set(PROPERTY, [restAlert(FIRE_EVENT_ID)]);
  });

  afterEach(async () => {
    await h.close();
    await server.close();
  });

  async function start(intervalSeconds = 1): Promise<void> {
    runtime = await h.start({
      events: { exclude: [] },
      plugins: { homelink: { topicRoot: 'bright_homes', rest: { clientId: CLIENT, clientSecret: SECRET, intervalSeconds, baseUrl: `${server.url}/v1/`, authUrl: `${server.url}/oauth2` } } },
    });
  }

  const alertEvents = (): AlertEvent[] => h.client.on(`${EVENTS}/homelink_alert`).map((m) => m.json<AlertEvent>());
  const polls = async (outcome: string): Promise<number> => metricValue(await runtime.metrics(), 'switchboard_homelink_rest_polls_total', { outcome }) ?? 0;
  const untilPolls = async (outcome: string, count: number): Promise<void> => {
    const deadline = Date.now() + 20000;
    while ((await polls(outcome)) < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} polls with outcome ${outcome}; logs: ${JSON.stringify(runtime.logs.slice(-20))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('reads every page, maps REST\'s names onto the model, and raises the same events as MQTT, each once', async () => {
    await start();
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1, 10000);
    await h.client.waitForCount(`${EVENTS}/homelink_property`, 2);
    // Two polls more: nothing new, so nothing raised again (what they raised would be out before the alert's event of the next).
    await untilPolls('ok', (await polls('ok')) + 2);
    server.alerts.get(PROPERTY)!.push(restAlert(SECOND_ALERT, '2026-01-15T09:00:00.000Z'));
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 2, 10000);
    // Two pages of properties, two of the first property's devices: every page was asked for.
    assert.deepEqual(server.seen('/v1/property').slice(0, 2).map((r) => r.page), [1, 2]);
    assert.deepEqual(server.seen(`/v1/property/${PROPERTY}/devices`).slice(0, 2).map((r) => r.page), [1, 2]);
    assert.equal(h.client.on(`${EVENTS}/homelink_property`).length, 2, 'each property once, however many polls');
    const devices = h.client.on(`${EVENTS}/homelink_device`).map((m) => m.json<{ data: { device_info: { identifiers: string[][]; model: string } } }>().data.device_info);
    // The bare REST serial of the alarm became its MQTT serial <gateway>-<serial>; the gateway kept its own.
    assert.deepEqual(devices.map((d) => d.identifiers[0]![2]).sort(), [ALARM, GATEWAY].sort());
    const alerts = alertEvents();
    assert.deepEqual(alerts.map((e) => e.data.payload.eventId), [FIRE_EVENT_ID, SECOND_ALERT]);
    assert.equal(alerts[0]!.data.alertstatus, 'FIRE_ALARM');
    assert.deepEqual(alerts[0]!.data.device_info.identifiers, [['homelink', 'device', ALARM]]);
    await h.client.waitFor((r) => r.some((m) => m.topic === `switchboard/homelink/${PROPERTY}/alarm` && m.text === 'ON'), 5000, 'the property in alarm');
  });

  it('raises an alert seen over REST and over MQTT once, whichever comes first', async () => {
    await start();
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1, 10000);
    // The same alert over MQTT, later: HomeLINK's actionTimestamp is not REST's raisedDate, and still it is one alert.
    await h.client.publish(alertTopic('bright_homes'), fireAlert(FIRE_EVENT_ID, '2026-01-15T08:10:02.000Z'));
    // The other way round: over MQTT first, then listed by REST.
    await h.client.publish(alertTopic('bright_homes'), fireAlert(SECOND_ALERT, '2026-01-15T09:00:02.000Z'));
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 2);
    server.alerts.get(PROPERTY)!.push(restAlert(SECOND_ALERT, '2026-01-15T09:00:00.000Z'));
    const before = await polls('ok');
    await untilPolls('ok', before + 2);
    assert.ok(server.seen(`/v1/property/${PROPERTY}/alerts`).some((r) => r.page === 2), 'REST listed the second alert (on its second page)');
    assert.deepEqual(alertEvents().map((e) => e.data.payload.eventId), [FIRE_EVENT_ID, SECOND_ALERT]);
    assert.equal(metricValue(await runtime.metrics(), 'switchboard_homelink_duplicates_total', { type: 'alert' }), 1, 'the MQTT copy of the REST alert was recognised');
  });

  it('resolves a listed alert once REST stops listing it', async () => {
    await start();
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 1, 10000);
    server.alerts.set(PROPERTY, []);
    await h.client.waitForCount(`${EVENTS}/homelink_alert`, 2, 15000);
    const resolved = alertEvents()[1]!;
    assert.equal(resolved.data.payload.eventId, FIRE_EVENT_ID);
    assert.equal(resolved.data.alertstatus, null);
    await h.client.waitFor((r) => r.some((m) => m.topic === `switchboard/homelink/${PROPERTY}/alarm` && m.text === 'OFF'), 5000, 'the property out of alarm');
  });

  it('fetches a new token when HomeLINK refuses the old one, and goes on', async () => {
    await start();
    await untilPolls('ok', 1);
    assert.equal(server.tokensIssued, 1);
    const okBefore = await polls('ok');
    server.expireTokens();
    await untilPolls('ok', okBefore + 1);
    assert.equal(server.tokensIssued, 2, 'one new token');
    assert.ok(server.requests.some((r) => r.status === 401), 'the old token was refused');
    assert.equal(await polls('auth'), 0, 'a refused token is not a failed poll');
    assert.ok(runtime.logs.some((l) => l.msg === 'HomeLINK REST API refused the token (401): fetching a new one'));
  });

  it('says so once and waits when the credentials are refused', async () => {
    runtime = await h.start({
      plugins: { homelink: { topicRoot: 'bright_homes', rest: { clientId: CLIENT, clientSecret: 'wrong', intervalSeconds: 1, baseUrl: `${server.url}/v1/`, authUrl: `${server.url}/oauth2` } } },
    });
    await untilPolls('auth', 2);
    const lines = runtime.logs.filter((l) => /HomeLINK REST polling failed/.test(l.msg));
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.match(lines[0]!.msg, /HomeLINK refused the API client id and secret \(401\): check rest.clientId and rest.clientSecret; trying again in 2 s$/);
    assert.equal(server.requests.length, 0, 'no API request without a token');
  });

  it('backs off on 429 for as long as Retry-After says, and on 5xx, then polls again', async () => {
    await start();
    await untilPolls('ok', 1);
    server.failures.push({ status: 429, headers: { 'retry-after': '3' } });
    await untilPolls('rate', 1);
    const limited = server.requests.find((r) => r.status === 429)!;
    const okBefore = await polls('ok');
    await untilPolls('ok', okBefore + 1);
    const next = server.requests.find((r) => r.at > limited.at)!;
    assert.ok(next.at - limited.at >= 3000, `the next request came ${next.at - limited.at} ms after the 429, not before Retry-After`);
    assert.ok(runtime.logs.some((l) => l.level === 'warn' && /was rate-limited \(429\); trying again in 3 s \(Retry-After\)$/.test(l.msg)));
    assert.ok(runtime.logs.some((l) => l.msg === 'HomeLINK REST polling works again'));

    server.failures.push({ status: 503 }, { status: 502 });
    await untilPolls('server', 2);
    const failing = runtime.logs.filter((l) => /failed on HomeLINK's side \(50[23]\)/.test(l.msg));
    assert.equal(failing.length, 1, 'one line when polling starts failing, not one per retry');
    assert.match(failing[0]!.msg, /trying again in 2 s$/);
    await untilPolls('ok', okBefore + 2);
  });
});
