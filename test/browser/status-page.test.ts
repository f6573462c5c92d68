import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startBroker, TestClient, type TestBroker } from '../../testing/index.js';
import { Harness } from '../helpers/harness.js';
import { fixture, tempDir } from '../helpers/paths.js';

/** Debian's chromium; the test never downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fixture('artifacts');

interface FixtureLine {
  note: string;
  topic: string;
  payload: unknown;
  retain?: boolean;
}

async function fixtureLines(...path: string[]): Promise<FixtureLine[]> {
  return (await readFile(fixture(...path), 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FixtureLine);
}

const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;

/**
 * What a fixture line's note says its alert becomes: `alertstatus X` or `back to X` (an alertstatus), or
 * `cleared` at the end (null); undefined for the other lines.
 */
function expectedStatus(note: string): string | null | undefined {
  const status = /alertstatus\s+([A-Z_]+)|back to ([A-Z_]+)/.exec(note);
  if (status) return status[1] ?? status[2];
  return /(?:->|:)\s*cleared$/.test(note) ? null : undefined;
}

describe('The status page in a browser (headless Chromium)', () => {
  let h: Harness;
  let profile: { path: string; remove(): Promise<void> };
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    profile = await tempDir('switchboard-chromium-');
    browser = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  });

  after(async () => {
    await browser?.close();
    await profile?.remove();
  });

  beforeEach(async () => {
    h = await Harness.create();
    page = await browser.newPage();
  });

  afterEach(async () => {
    await page?.close();
    await h.close();
  });

  it('shows connections and plugins, then follows the HomeLINK fixtures: the alarm appears, goes to CANCEL and clears, without a reload', async () => {
    const lines = await fixtureLines('plugins', 'homelink', 'fixtures', 'stream.jsonl');
    const runtime = await h.start({
      plugins: {
        privacy: { rules: [{ name: 'emails', detectors: ['email'], action: 'mask' }] },
        homelink: { topicRoot: lines[0]!.topic.split('/')[0] },
        'status-page': {},
      },
    });
    await page.goto(`${runtime.runtime.http.url}/`);
    let loads = 0;
    page.on('load', () => loads++);
    await page.locator('#connections tr[data-connection="local"] .badge', { hasText: 'connected' }).waitFor();
    await page.locator('#plugins tr[data-plugin="homelink"]', { hasText: `${lines[0]!.topic.split('/')[0]}/#` }).waitFor();
    await page.locator('#plugins tr[data-plugin="privacy"] .badge', { hasText: 'running' }).waitFor();

    const seen: (string | null)[] = [];
    let alarmed: string | null = null;
    let shot = false;
    for (const line of lines) {
      await h.client.publish(line.topic, line.payload as object);
      const status = expectedStatus(line.note);
      if (status === undefined) continue;
      if (status === null) {
        // Cleared: the device that was in alarm lists no alarm any more.
        assert.ok(alarmed, `"${line.note}" clears an alarm the fixtures raised before`);
        const device = page.locator(`[data-device="${alarmed}"]`);
        await device.locator('[data-alertstatus]').first().waitFor({ state: 'detached' });
        await page.locator(`[data-device="${alarmed}"][data-condition="ok"]`).waitFor();
      } else {
        const badge = page.locator(`.device [data-alertstatus="${status}"]`).first();
        await badge.waitFor();
        alarmed = await page.locator('.device', { has: page.locator(`[data-alertstatus="${status}"]`) }).first().getAttribute('data-device');
        const condition = status === 'CANCEL' ? 'silenced' : 'alarm';
        await page.locator(`[data-device="${alarmed}"][data-condition="${condition}"]`).waitFor();
        await page.locator(`.hub[data-condition="${condition}"]`).first().waitFor();
        if (condition === 'alarm' && !shot) {
          await mkdir(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: join(ARTIFACTS, 'status-page-alarm.png'), fullPage: true });
          shot = true;
        }
      }
      seen.push(status);
    }
    assert.ok(seen.includes('CANCEL') && seen.includes(null) && seen.some((s) => s !== null && s !== 'CANCEL'), `the fixtures raise, silence and clear an alarm: ${JSON.stringify(seen)}`);

    // The live tail shows events after privacy: the notification's email masked, never raw.
    await page.locator('#events tr[data-event="homelink_notification"]').first().waitFor();
    const tail = await page.locator('#events').innerText();
    const emails = new Set(lines.flatMap((l) => JSON.stringify(l.payload).match(EMAIL) ?? []));
    assert.ok(emails.size > 0, 'the fixtures hold an email address');
    for (const email of emails) assert.ok(!tail.includes(email), `${email} is not in the tail raw`);
    assert.match(tail, /homelink_alert/);
    assert.equal(loads, 0, 'the page was never reloaded');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });

  it('shows PlaceOS systems as their messages arrive, named from metadata, values after privacy, without a reload', async () => {
    const lines = await fixtureLines('plugins', 'placeos', 'fixtures', 'stream.jsonl');
    const runtime = await h.start({
      plugins: {
        privacy: { rules: [{ name: 'people', detectors: ['email', 'phone'], action: 'mask' }] },
        placeos: {},
        'status-page': {},
      },
    });
    await page.goto(`${runtime.runtime.http.url}/`);
    let loads = 0;
    page.on('load', () => loads++);
    await page.locator('#plugins tr[data-plugin="placeos"] .badge', { hasText: 'running' }).waitFor();
    assert.equal(await page.locator('#devices-section').isHidden(), true, 'no systems yet: the section is hidden');

    const line = (pattern: RegExp): FixtureLine => {
      const found = lines.find((l) => pattern.test(l.topic));
      assert.ok(found, `the fixtures have a line on ${pattern}`);
      return found;
    };
    const send = (l: FixtureLine): Promise<void> => h.client.publish(l.topic, l.payload as object, { retain: l.retain ?? false });
    const nameOf = (l: FixtureLine): string => {
      const p = l.payload as { name?: string; value?: { name?: string } };
      return (p.value?.name ?? p.name)!;
    };
    const system = (name: string) => page.locator('#devices .system', { has: page.locator('.hub-name', { hasText: name }) });
    const row = (name: string, capability: string) => system(name).locator('tr', { has: page.locator('td', { hasText: capability }) });

    // The deployed shape: metadata, then a display's power, an object value, the same status removed, a booking.
    const huddle = nameOf(line(/^placeos\/org\/metadata\/cs-9445$/));
    for (const l of [line(/metadata\/cs-9445$/), line(/metadata\/12345$/), line(/\/power$/)]) await send(l);
    await row(huddle, "M'Odule 1 power").locator('td', { hasText: /^ON$/ }).waitFor();
    assert.equal(await page.locator('#devices-section').isVisible(), true);
    const inputs = lines.filter((l) => l.topic.endsWith('/inputs'));
    assert.equal(inputs.length, 2, 'the fixtures set a status, then remove it');
    await send(inputs[0]!);
    await row(huddle, "M'Odule 1 inputs").locator('td', { hasText: 'hdmi' }).waitFor();
    await send(inputs[1]!);
    await row(huddle, "M'Odule 1 inputs").waitFor({ state: 'detached' });
    const booking = line(/current_booking$/);
    await send(booking);
    await row(huddle, 'Bookings 1 current_booking').locator('td', { hasText: 'Quarterly review' }).waitFor();
    const card = await system(huddle).innerText();
    const emails = JSON.stringify(booking.payload).match(EMAIL) ?? [];
    assert.ok(emails.length > 0, 'the booking holds an email address');
    for (const email of emails) assert.ok(!card.includes(email), `${email} is not on the page raw: ${card}`);

    // The documented shape: ms, values as serialized JSON strings.
    const vc = nameOf(line(/^placeos\/acme\/metadata\/sys-vc1$/));
    for (const l of lines.filter((l) => l.topic.startsWith('placeos/acme/'))) await send(l);
    await row(vc, 'Display 1 power').locator('td', { hasText: /^ON$/ }).waitFor();
    await row(vc, 'VidConf 1 call_status').locator('td', { hasText: 'connected' }).waitFor();
    assert.ok(!(await system(vc).innerText()).includes('+44 20 7946 0958'), 'the phone number is masked');

    assert.equal(await page.locator('#alarms [data-device^="placeos_"]').count(), 0, 'systems are not on the alarm board');
    assert.equal(loads, 0, 'the page was never reloaded');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-placeos.png'), fullPage: true });
  });

  it('shows a bridge between two brokers: its connections, what it forwards each way, echoes dropped and its notifications, without a reload', async () => {
    let remote: TestBroker | undefined = await startBroker();
    const port = remote.port;
    let far: TestClient | undefined;
    try {
      const runtime = await h.start({
        connections: { cloud: { url: remote.url, reconnect: { minDelay: 0.1, maxDelay: 0.5 } } },
        // A plain aedes refuses clients' publishes under $SYS/ (mosquitto's default topic; the embedded broker allows Switchboard's own).
        plugins: { 'mosquitto-bridge': { bridges: [{ name: 'to-cloud', remote: 'cloud', notificationTopic: 'bridges/to-cloud/state', topics: ['up/# out 1', 'down/# in 1', 'echo/# both 0'] }] }, 'status-page': {} },
      });
      await page.goto(`${runtime.runtime.http.url}/`);
      let loads = 0;
      page.on('load', () => loads++);
      const bridge = page.locator('#bridges tr[data-bridge="to-cloud"]');
      await bridge.locator('td[data-side="local"] .badge', { hasText: 'connected' }).waitFor();
      await bridge.locator('td[data-side="cloud"] .badge', { hasText: 'connected' }).waitFor();
      await page.locator('#bridges tr[data-bridge="to-cloud"][data-notification="1"]').waitFor();
      assert.match(await bridge.innerText(), /bridges\/to-cloud\/state/, 'the notification topic is shown');

      far = await TestClient.connect(remote.url);
      await far.subscribe('up/#');
      for (let i = 0; i < 3; i++) await h.client.publish(`up/sensor/${i}`, `${i}`);
      await far.waitForCount('up/#', 3);
      await bridge.locator('[data-forwarded="out"]', { hasText: /→ 3$/ }).waitFor();
      for (let i = 0; i < 2; i++) await far.publish(`down/command/${i}`, `${i}`);
      await h.client.waitForCount('down/#', 2);
      await bridge.locator('[data-forwarded="in"]', { hasText: /← 2$/ }).waitFor();
      // A both-way line on a 3.1.1 broker without bridge mode: the remote sends the copy back, and the bridge drops it.
      await h.client.publish('echo/ping', 'x', { qos: 0 });
      await bridge.locator('[data-dropped="echo"]', { hasText: /: 1$/ }).waitFor();
      await bridge.locator('[data-dropped="loop"]', { hasText: /: 0$/ }).waitFor();
      await bridge.locator('[data-forwarded="out"]', { hasText: /→ 4$/ }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, 'status-page-bridge.png'), fullPage: true });

      // The remote broker goes away, then returns on the same port.
      await far.close();
      far = undefined;
      await remote.close();
      remote = undefined;
      await bridge.locator('td[data-side="cloud"] .badge', { hasText: /^(?!connected$)/ }).waitFor();
      await page.locator('#bridges tr[data-bridge="to-cloud"][data-notification="0"]').waitFor();
      remote = await startBroker(port);
      await page.locator('#bridges tr[data-bridge="to-cloud"][data-notification="1"]').waitFor({ timeout: 20000 });
      await bridge.locator('td[data-side="cloud"] .badge', { hasText: /^connected$/ }).waitFor();
      assert.equal(loads, 0, 'the page was never reloaded');
    } finally {
      await far?.close();
      await remote?.close();
    }
  });

  it('is refused without the credentials when its auth is set, and served with them', async () => {
    const runtime = await h.start({ plugins: { 'status-page': { auth: { type: 'basic', username: 'ops', password: 's3cret-pass' } } } });
    const base = runtime.runtime.http.url!;
    const basic = `Basic ${Buffer.from('ops:s3cret-pass').toString('base64')}`;
    for (const path of ['/', '/status.js', '/status/state', '/status/stream']) {
      const refused = await fetch(`${base}${path}`, { headers: { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` } });
      assert.equal(refused.status, 401, path);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the health check stays open for Docker and systemd');
    await page.setExtraHTTPHeaders({ authorization: basic });
    const served = await page.goto(`${base}/`);
    assert.equal(served?.status(), 200);
    await page.locator('#connections tr[data-connection="local"] .badge', { hasText: 'connected' }).waitFor();
  });

  it('under apiKey and bearer, asks for the key or token and sends it in its header, never in the address, and stays live', async () => {
    const modes = [
      { type: 'apiKey', header: 'x-ops-key', key: 'ops-key-0123456789abcdef' },
      { type: 'bearer', token: 'ops-token-0123456789abcdef' },
    ] as const;
    for (const [i, auth] of modes.entries()) {
      const runtime = await h.start({ plugins: { placeos: {}, 'status-page': { auth } } });
      const base = runtime.runtime.http.url!;
      const secret = auth.type === 'apiKey' ? auth.key : auth.token;
      const headers: Record<string, string> = auth.type === 'apiKey' ? { [auth.header]: secret } : { authorization: `Bearer ${secret}` };
      for (const path of ['/status/state', '/status/stream']) assert.equal((await fetch(`${base}${path}`)).status, 401, `${auth.type} ${path} without the credential`);
      assert.equal((await fetch(`${base}/status/state`, { headers })).status, 200, `${auth.type}: with the credential`);
      const shell = await fetch(`${base}/`);
      assert.equal(shell.status, 200, 'the page itself holds no state');
      assert.ok(!(await shell.text()).includes(secret));

      const page = await browser.newPage();
      try {
        const urls: string[] = [];
        page.on('request', (r) => urls.push(r.url()));
        await page.goto(`${base}/`);
        await page.locator('#signin').waitFor();
        await page.fill('#signin-secret', 'not-the-right-one-0123456789');
        await page.click('#signin button');
        await page.locator('#signin-refused').waitFor();
        assert.equal(await page.locator('#connections tbody tr').count(), 0, 'nothing shown without the credential');
        await page.fill('#signin-secret', secret);
        await page.click('#signin button');
        await page.locator('#connections tr[data-connection="local"] .badge', { hasText: 'connected' }).waitFor();
        await page.locator('#live.on').waitFor();
        assert.equal(await page.locator('#signin').isHidden(), true);
        // Live: what happens now appears without a reload.
        await h.client.publish(`placeos/acme/metadata/sys-${i}`, { name: `Room ${i}` });
        await page.locator('#events tr[data-event="placeos_metadata"]', { hasText: `Room ${i}` }).waitFor();
        assert.ok(urls.length > 0 && urls.every((u) => !u.includes(secret)), `no address carries the credential: ${urls.join(' ')}`);
      } finally {
        await page.close();
      }
      await h.stopRuntime();
    }
  });
});
