import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../core/testing/wait-for.ts';
import { setRole } from '../api/auth/users.repo.ts';
import { type HeadlessBrowser, launchChromium } from './testing/chromium.ts';
import { makeUploadClip, type RealApp, startRealApp } from './testing/real-app.ts';

// End to end, the moderation walk: a viewer reports a video with the report dialog, a moderator removes
// it from the moderation queue page, and the video is gone from every surface (video API, feeds,
// profile, comments) with its manifest URL answering 404; the creator reads why on the notifications
// page. The real embedded app, a real upload transcoded by ffmpeg, the real client in Debian's Chromium.

interface Grant {
  token: string;
  user: { id: string; handle: string; display_name: string };
  expires_at: number;
}
interface FeedPage {
  items: { id: string; playback: { master_url: string } }[];
}

let dir: string;
let real: RealApp;
let browser: HeadlessBrowser | undefined;
let page: Page;
let videoId = '';
let masterUrl = '';
const who: Record<string, Grant> = {};
const problems: string[] = [];
const shots = () => process.env.FORYOU_WEB_SHOTS ?? join(dir, 'shots');

/** Opens `path` signed in as `name` (the client keeps its session in localStorage). */
async function openAs(name: string, path: string): Promise<void> {
  const g = who[name]!;
  await page.goto(`${real.base}/#blank`);
  await page.evaluate((s) => localStorage.setItem('foryou.session', JSON.stringify(s)), {
    token: g.token,
    user: g.user,
    expiresAt: g.expires_at,
  });
  // Through a blank page: a change of the hash alone is not a new document, and the client reads the
  // session when it loads.
  await page.goto('about:blank');
  await page.goto(`${real.base}${path}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-moderation-e2e-'));
  const clip = await makeUploadClip(dir, 'a', 'null', 3);
  real = await startRealApp('moderation-e2e', { threads: 1 });
  for (const name of ['creator', 'viewer', 'moderator']) {
    who[name] = await real.call<Grant>('POST', '/auth/register', {
      body: { handle: `e2e_${name}`, password: 'correct horse battery' },
    });
  }
  expect(await setRole(real.deps.metadata, 'e2e_moderator', 'moderator')).toBe(true);
  expect((await real.call<{ role: string }>('GET', '/me', { token: who.moderator!.token })).role).toBe('moderator');
  videoId = await real.uploadDirect(who.creator!.token, clip, 'a clip to report #walk');
  await real.waitReady(who.creator!.token, videoId, 60_000);
  await real.call('POST', `/users/${who.creator!.user.id}/follow`, { token: who.viewer!.token });
  const item = await waitFor(
    'the upload in the feed',
    async () =>
      (await real.call<FeedPage>('GET', '/feed?limit=10', { deviceId: 'e2e-probe' })).items.find(
        (i) => i.id === videoId,
      ),
    20_000,
    250,
  );
  masterUrl = item.playback.master_url;
  expect((await fetch(masterUrl)).status).toBe(200);
  // Before the walk, the video is on every list surface it is checked gone from afterwards.
  for (const path of listSurfaces()) expect({ path, ids: await listed(path) }).toEqual({ path, ids: [videoId] });

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A 404 of the removed video is what the walk expects; anything else is a problem.
    if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** The card lists a removed video must leave: search, its hashtag page (both orders), the author's grid. */
const listSurfaces = () => [
  '/search/videos?q=clip',
  '/hashtags/walk/videos?sort=recent',
  '/hashtags/walk/videos?sort=top',
  `/users/${who.creator!.user.id}/videos`,
];
const listed = async (path: string, token?: string) =>
  (await real.call<{ items: { id: string }[] }>('GET', path, token ? { token } : {})).items.map((i) => i.id);

describe('report → moderator removes → gone everywhere', () => {
  it('a viewer reports the video with the report dialog', async () => {
    await openAs('viewer', `/?v=${videoId}`);
    await page.locator(`.item[data-id="${videoId}"] .report`).first().click();
    const dialog = page.getByRole('dialog', { name: 'Report this video' });
    await dialog.getByText('Harassment or bullying').click();
    await dialog.getByRole('button', { name: 'Report' }).click();
    await page.getByText('Thanks. A moderator will review it.').waitFor({ timeout: 10_000 });
    const c = await real.deps.metadata.get<{ report_count: number }>(
      'SELECT report_count FROM moderation_cases WHERE target_id = $1',
      [videoId],
    );
    expect(c?.report_count).toBe(1);
  }, 30_000);

  it('the moderator removes it from the moderation queue page', async () => {
    await openAs('moderator', '/#moderation');
    const row = page.locator(`.case[data-target="${videoId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('harassment ×1');
    await mkdir(shots(), { recursive: true });
    await page.screenshot({ path: join(shots(), 'moderation-queue.png') });
    await row.locator('input[name=reason]').fill('targets a person');
    await row.locator('.act-remove').click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('[data-nav=moderation]').isVisible()).toBe(true);
  }, 30_000);

  it('the video is gone from every surface and its manifest URL answers 404', async () => {
    const status = async (path: string, token?: string) =>
      (await fetch(`${real.base}/api/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }))
        .status;
    for (const g of [who.creator!.token, who.viewer!.token, undefined]) {
      expect(await status(`/videos/${videoId}`, g)).toBe(404);
      expect(await status(`/videos/${videoId}/comments`, g)).toBe(404);
    }
    expect((await fetch(masterUrl)).status).toBe(404);
    const forYou = await real.call<FeedPage>('GET', '/feed?limit=20', { deviceId: 'e2e-after' });
    expect(forYou.items.map((i) => i.id)).not.toContain(videoId);
    const following = await real.call<FeedPage>('GET', '/feed?feed_type=following&limit=20', {
      token: who.viewer!.token,
    });
    expect(following.items.map((i) => i.id)).not.toContain(videoId);
    const profile = await real.call<{ video_count: number }>('GET', `/users/${who.creator!.user.id}`, {
      token: who.creator!.token,
    });
    expect(profile.video_count).toBe(0);
    for (const path of listSurfaces()) {
      for (const token of [who.creator!.token, who.viewer!.token, undefined]) {
        expect({ path, ids: await listed(path, token) }).toEqual({ path, ids: [] });
      }
    }
  }, 30_000);

  it('the shared link no longer opens it in the browser', async () => {
    await openAs('viewer', `/?v=${videoId}`);
    await page.getByText('No such video.').waitFor({ timeout: 10_000 });
    expect(await page.locator(`.item[data-id="${videoId}"]`).count()).toBe(0);
  }, 30_000);

  it('the creator reads why on the notifications page, with a way to appeal', async () => {
    await openAs('creator', '/#notifications');
    const note = page.locator('.note[data-type=moderation]');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toContain('Your video was removed: targets a person');
    expect(await note.locator('.appeal').isVisible()).toBe(true);
    await page.screenshot({ path: join(shots(), 'notifications.png') });
  }, 30_000);

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
