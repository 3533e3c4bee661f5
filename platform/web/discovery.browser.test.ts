import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VideoCounters } from '../engagement/counters.ts';
import { markVideoReadyWithoutMedia } from '../media/testing/ready-video.ts';
import { type HeadlessBrowser, launchChromium } from './testing/chromium.ts';
import { type RealApp, startRealApp } from './testing/real-app.ts';

// The discover, hashtag and profile pages of the real client in Chromium over the real embedded app:
// trending tags, suggestions while typing, search results, a hashtag's recent and top grids and a
// profile's grid, with a private video that never shows to others.

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
const videos: Record<string, string> = {};
const problems: string[] = [];
const shots = () => process.env.FORYOU_WEB_SHOTS ?? join(dir, 'shots');

async function openAs(name: string | undefined, path: string): Promise<void> {
  await page.goto(`${real.base}/#blank`);
  const g = name ? who[name] : undefined;
  await page.evaluate(
    (s) => (s ? localStorage.setItem('foryou.session', JSON.stringify(s)) : localStorage.removeItem('foryou.session')),
    g ? { token: g.token, user: g.user, expiresAt: g.expires_at } : null,
  );
  await page.goto('about:blank');
  await page.goto(`${real.base}${path}`);
}

const tiles = () =>
  page
    .locator('#discover .tile, #profile .tile')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.video));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-discovery-web-'));
  real = await startRealApp('discovery-web', { threads: 1 });
  for (const name of ['creator', 'viewer']) {
    who[name] = await real.call<Grant>('POST', '/auth/register', {
      body: { handle: `web_${name}`, password: 'correct horse battery' },
    });
  }
  const post = async (key: string, caption: string, privacy = 'public') => {
    const res = await real.call<{ video_id: string }>('POST', '/videos', {
      token: who.creator!.token,
      body: { caption, privacy },
    });
    await markVideoReadyWithoutMedia(real.deps.metadata, res.video_id);
    // No poster file exists: tiles show the caption instead of a broken image.
    await real.deps.metadata.run('UPDATE videos SET poster_key = NULL WHERE id = $1', [res.video_id]);
    videos[key] = res.video_id;
  };
  await post('sunset', 'Sunset over the bay #beach #golden');
  await post('waves', 'Big waves today #beach #surf');
  await post('secret', 'Only for me #beach', 'private');
  await post('coffee', 'Morning pour-over #coffee');
  await real.call('POST', `/videos/${videos.sunset}/like`, { token: who.viewer!.token });

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.setViewportSize({ width: 420, height: 860 });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // Videos made ready without media have no playlists: the feed behind the pages gets 404s for those.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/media/')) problems.push(`${r.status()} ${r.url()}`);
  });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('discover, hashtag and profile pages', () => {
  it('shows trending hashtags and suggests tags and people while typing', async () => {
    await openAs('viewer', '/#discover');
    await page.locator('#discover .trending .chip', { hasText: '#beach' }).waitFor({ timeout: 10_000 });
    await page.locator('#discover input[name=q]').pressSequentially('#bea');
    await page.locator('#discover .suggestions .chip', { hasText: '#beach' }).waitFor({ timeout: 10_000 });
    await page.locator('#discover input[name=q]').fill('');
    await page.locator('#discover input[name=q]').pressSequentially('@web_c');
    await page.locator('#discover .suggestions .person', { hasText: '@web_creator' }).waitFor({ timeout: 10_000 });
  }, 30_000);

  it('searches videos and people, without the private video', async () => {
    await openAs('viewer', '/#discover');
    await page.locator('#discover input[name=q]').fill('beach');
    await page.locator('#discover input[name=q]').press('Enter');
    await page.waitForFunction(() => location.hash === '#search/beach');
    await page.locator('#discover .tile').first().waitFor({ timeout: 10_000 });
    expect((await tiles()).sort()).toEqual([videos.sunset, videos.waves].sort());
  }, 30_000);

  it('opens a hashtag page with recent and top grids (screenshot)', async () => {
    await openAs('viewer', '/#tag/beach');
    await page.locator('#discover .tag-title', { hasText: '#beach' }).waitFor({ timeout: 10_000 });
    await page.locator('#discover .tile').first().waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([videos.waves, videos.sunset]);
    expect(await page.locator('#discover').textContent()).toContain('2 videos');
    await mkdir(shots(), { recursive: true });
    await page.screenshot({ path: join(shots(), 'hashtag-page.png') });
    // Top ranks by the written-behind counts; the background flush runs every few seconds.
    await new VideoCounters(real.deps).flush();
    await page.locator('#discover [data-sort=top]').click();
    await page.waitForFunction(
      () => document.querySelector('#discover [data-sort=top]')?.getAttribute('aria-selected') === 'true',
    );
    await page.locator('#discover .tile').first().waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([videos.sunset, videos.waves]);
  }, 30_000);

  it("shows a profile's grid: everything to its owner, public videos to others", async () => {
    const path = `/#user/${who.creator!.user.id}`;
    await openAs(undefined, path);
    await page.locator('#profile .handle', { hasText: '@web_creator' }).waitFor({ timeout: 10_000 });
    await page.locator('#profile .tile').first().waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([videos.coffee, videos.waves, videos.sunset]);
    await openAs('creator', path);
    await page.locator('#profile .tile').nth(3).waitFor({ timeout: 10_000 });
    expect(await tiles()).toEqual([videos.coffee, videos.secret, videos.waves, videos.sunset]);
    await page.screenshot({ path: join(shots(), 'profile-grid.png') });
  }, 30_000);

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
