import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Harness } from '../helpers/harness.js';
import { fixture, tempDir } from '../helpers/paths.js';

/** Debian's chromium; the test never downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fixture('artifacts');
const EMAIL = 'jane.doe@example.com';

interface FixtureLine {
  note: string;
  topic: string;
  payload: unknown;
}

/** The alertstatus a fixture line says its alert ends in: `-> alertstatus X`, or null for `-> cleared`. */
function expectedStatus(note: string): string | null | undefined {
  const status = /->\s*alertstatus\s+([A-Z_]+)/.exec(note);
  if (status) return status[1];
  return /->\s*cleared/.test(note) ? null : undefined;
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
    const runtime = await h.start({
      plugins: {
        privacy: { rules: [{ name: 'emails', detectors: ['email'], action: 'mask' }] },
        homelink: { topicRoot: 'joe_bloggs' },
      },
    });
    await page.goto(`${runtime.runtime.http.url}/`);
    let loads = 0;
    page.on('load', () => loads++);
    await page.locator('#connections tr[data-connection="local"] .badge', { hasText: 'connected' }).waitFor();
    await page.locator('#plugins tr[data-plugin="homelink"]', { hasText: 'joe_bloggs/#' }).waitFor();
    await page.locator('#plugins tr[data-plugin="privacy"] .badge', { hasText: 'running' }).waitFor();

    const lines = (await readFile(fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as FixtureLine);
    const seen: (string | null)[] = [];
    let shot = false;
    for (const line of lines) {
      await h.client.publish(line.topic, line.payload as object);
      const status = expectedStatus(line.note);
      if (status === undefined) continue;
      const p = line.payload as { deviceSerialNumber?: string; eventId?: string; relatedEventId?: string };
      const device = page.locator(`[data-device="homelink_device_${p.deviceSerialNumber}"]`);
      if (status === null) {
        // Cleared: the device lists no alert any more, and says so.
        await device.locator('.device-head .badge', { hasText: 'OK' }).waitFor();
        assert.equal(await device.locator('[data-alertstatus]').count(), 0);
      } else {
        await device.locator(`[data-alertstatus="${status}"]`).waitFor();
        if (status !== 'CANCEL') {
          await page.locator('.hub.alarm .hub-head', { hasText: 'IN ALARM' }).first().waitFor();
          if (!shot) {
            await mkdir(ARTIFACTS, { recursive: true });
            await page.screenshot({ path: join(ARTIFACTS, 'status-page-alarm.png'), fullPage: true });
            shot = true;
          }
        } else {
          await device.locator('.device-head .badge', { hasText: 'SILENCED' }).waitFor();
        }
      }
      seen.push(status);
    }
    assert.ok(seen.includes('CANCEL') && seen.includes(null) && seen.some((s) => s !== null && s !== 'CANCEL'), `the fixtures raise, silence and clear an alarm: ${JSON.stringify(seen)}`);

    // The live tail shows events after privacy: the notification's email masked, never raw.
    await page.locator('#events tr[data-event="homelink_notification"]').first().waitFor();
    const tail = await page.locator('#events').innerText();
    assert.ok(!tail.includes(EMAIL), 'no raw email in the tail');
    assert.match(tail, /homelink_alert/);
    assert.equal(loads, 0, 'the page was never reloaded');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });

  it('is refused without the credentials when http.auth is set, and served with them', async () => {
    const runtime = await h.start({ http: { auth: { type: 'basic', username: 'ops', password: 's3cret-pass' } } });
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
});
