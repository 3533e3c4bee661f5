import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markVideoReadyWithoutMedia } from '../media/testing/ready-video.ts';
import { type HeadlessBrowser, launchChromium } from './testing/chromium.ts';
import { type RealApp, startRealApp } from './testing/real-app.ts';

// A private account in the real client in Chromium over the real embedded app: a stranger sees the
// private note and asks to follow, the owner approves the request on their profile, the new follower
// sees the grid; and the author's controls of who may watch and comment, on the upload form and on a
// posted video's settings sheet.

interface Grant {
  token: string;
  user: { id: string; handle: string; display_name: string };
  expires_at: number;
}

let dir: string;
let real: RealApp;
let browser: HeadlessBrowser | undefined;
let page: Page;
const who: Record<string, Grant> = {};
let videoId = '';
const problems: string[] = [];
const shots = () => process.env.FORYOU_WEB_SHOTS ?? join(dir, 'shots');

async function openAs(name: string, path: string): Promise<void> {
  await page.goto(`${real.base}/#blank`);
  const g = who[name]!;
  await page.evaluate((s) => localStorage.setItem('foryou.session', JSON.stringify(s)), {
    token: g.token,
    user: g.user,
    expiresAt: g.expires_at,
  });
  await page.goto('about:blank');
  await page.goto(`${real.base}${path}`);
}

const tiles = () =>
  page.locator('#profile .tile').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.video));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-private-web-'));
  real = await startRealApp('private-web', { threads: 1 });
  for (const name of ['owner', 'fan']) {
    who[name] = await real.call<Grant>('POST', '/auth/register', {
      body: { handle: `web_${name}`, password: 'correct horse battery' },
    });
  }
  const res = await real.call<{ video_id: string }>('POST', '/videos', {
    token: who.owner!.token,
    body: { caption: 'Behind closed doors' },
  });
  await markVideoReadyWithoutMedia(real.deps.metadata, res.video_id);
  // No poster file exists: tiles show the caption instead of a broken image.
  await real.deps.metadata.run('UPDATE videos SET poster_key = NULL WHERE id = $1', [res.video_id]);
  videoId = res.video_id;

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.setViewportSize({ width: 420, height: 860 });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // 404: the video has no media files; 400: the upload test stops its own request with one.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (400|404)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('a private account in the web client', () => {
  it('the owner makes the account private on their profile', async () => {
    await openAs('owner', `/#user/${who.owner!.user.id}`);
    const box = page.locator('#profile .privacy-panel input[name=private]');
    await box.waitFor({ timeout: 10_000 });
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.locator('#profile .privacy-panel h2', { hasText: 'Follow requests' }).waitFor({ timeout: 10_000 });
    const settings = await real.call<{ private: boolean }>('GET', '/me/settings', { token: who.owner!.token });
    expect(settings.private).toBe(true);
  }, 30_000);

  it('a stranger sees the private note instead of the grid, and asks to follow', async () => {
    await openAs('fan', `/#user/${who.owner!.user.id}`);
    await page.locator('#profile .private-note').waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([]);
    await page.locator('#profile .follow-user', { hasText: 'Follow' }).click();
    await page.locator('#profile .follow-user', { hasText: 'Requested' }).waitFor({ timeout: 10_000 });
  }, 30_000);

  it('the owner approves the request on their profile (screenshot)', async () => {
    await openAs('owner', `/#user/${who.owner!.user.id}`);
    const row = page.locator('#profile .request', { hasText: '@web_fan' });
    await row.waitFor({ timeout: 10_000 });
    await mkdir(shots(), { recursive: true });
    await page.screenshot({ path: join(shots(), 'follow-requests.png') });
    await row.locator('button', { hasText: 'Approve' }).click();
    await page.locator('#profile .requests', { hasText: 'No requests waiting.' }).waitFor({ timeout: 10_000 });
  }, 30_000);

  it('the approved follower sees the grid and is told of the approval', async () => {
    await openAs('fan', `/#user/${who.owner!.user.id}`);
    await page.locator('#profile .tile').first().waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([videoId]);
    await page.locator('#profile .follow-user', { hasText: 'Following' }).waitFor({ timeout: 10_000 });
    await openAs('fan', '/#notifications');
    await page.locator('#notifications', { hasText: 'approved your follow request' }).waitFor({ timeout: 10_000 });
  }, 30_000);

  it('the upload form sends who may watch and who may comment', async () => {
    await openAs('owner', '/#upload');
    let sent: Record<string, unknown> | undefined;
    await page.route('**/api/v1/videos', async (route) => {
      sent = route.request().postDataJSON() as Record<string, unknown>;
      await route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'VALIDATION_FAILED', message: 'stopped by the test' } }),
      });
    });
    const form = page.locator('#upload form');
    await form
      .locator('input[type=file]')
      .setInputFiles({ name: 'clip.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(16) });
    await form.locator('select[name=privacy]').selectOption('friends');
    await form.locator('select[name=comment_setting]').selectOption('followers');
    await form.locator('button[type=submit]').click();
    await page.locator('#upload .upload-status', { hasText: 'stopped by the test' }).waitFor({ timeout: 10_000 });
    await page.unroute('**/api/v1/videos');
    expect(sent).toMatchObject({ privacy: 'friends', comment_setting: 'followers' });
  }, 30_000);

  it("changes a posted video's comment setting from its settings sheet", async () => {
    await openAs('owner', `/#user/${who.owner!.user.id}`);
    await page.locator('#profile .tile').first().waitFor({ timeout: 10_000 });
    // A string, so the test runner does not rewrite the browser's dynamic import.
    await page.evaluate(`(async () => {
      const main = document.querySelector('script[type=module]').src;
      const mod = await import(main.replace(/main\\.ts$/, 'video-settings.ts'));
      await mod.openVideoSettings(${JSON.stringify(videoId)});
    })()`);
    const sheet = page.getByRole('dialog', { name: 'Video settings' });
    await sheet.locator('select[name=comment_setting]').selectOption('off');
    await sheet.locator('button[type=submit]').click();
    await sheet.waitFor({ state: 'detached', timeout: 10_000 });
    const v = await real.call<{ comment_setting: string }>('GET', `/videos/${videoId}`, { token: who.owner!.token });
    expect(v.comment_setting).toBe('off');
  }, 30_000);

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
