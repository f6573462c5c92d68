import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Harness } from '../helpers/harness.js';
import { fixture, tempDir } from '../helpers/paths.js';

/** Debian's chromium; the test never downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fixture('artifacts');

interface FixtureLine {
  note: string;
  topic: string;
  payload: unknown;
}

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
    const lines = (await readFile(fixture('plugins', 'homelink', 'fixtures', 'stream.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as FixtureLine);
    const runtime = await h.start({
      plugins: {
        privacy: { rules: [{ name: 'emails', detectors: ['email'], action: 'mask' }] },
        homelink: { topicRoot: lines[0]!.topic.split('/')[0] },
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
    const emails = new Set(lines.flatMap((l) => JSON.stringify(l.payload).match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) ?? []));
    assert.ok(emails.size > 0, 'the fixtures hold an email address');
    for (const email of emails) assert.ok(!tail.includes(email), `${email} is not in the tail raw`);
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
