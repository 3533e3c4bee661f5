import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGAGEMENT_TOPIC } from '../engagement/events.ts';
import { type HeadlessBrowser, launchChromium } from './testing/chromium.ts';
import { makeUploadClip, type RealApp, startRealApp } from './testing/real-app.ts';

// End to end: the real embedded app (every area, SQLite, local files), real uploads transcoded by the
// real worker with ffmpeg, and the real client in Debian's Chromium. Run scripts/install-browser.sh first.

let dir: string;
let real: RealApp;
let browser: HeadlessBrowser | undefined;
let page: Page;
const videoIds: string[] = [];
const mediaResponses: { url: string; status: number }[] = [];
const eventPosts: number[] = [];
const problems: string[] = [];

interface FeedPage {
  items: { id: string; playback: { master_url: string }; author: { handle: string } }[];
}

/** Waits until item `i` is active with decoded frames and a clock that moves. */
async function expectPlaying(i: number): Promise<void> {
  await page.waitForFunction(
    (index) => {
      const item = document.querySelector(`.item[data-index="${index}"]`);
      const v = item?.querySelector('video');
      return !!v && item!.classList.contains('active') && v.readyState >= 2 && !v.paused;
    },
    i,
    { timeout: 15_000 },
  );
  const from = await page.evaluate(
    (index) => document.querySelector<HTMLVideoElement>(`.item[data-index="${index}"] video`)!.currentTime,
    i,
  );
  await page.waitForFunction(
    ({ index, t0 }) => document.querySelector<HTMLVideoElement>(`.item[data-index="${index}"] video`)!.currentTime > t0,
    { index: i, t0: from },
    { timeout: 10_000 },
  );
}

const itemId = (i: number) => page.getAttribute(`.item[data-index="${i}"]`, 'data-id');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-web-e2e-'));
  const [clipA, clipB] = await Promise.all([
    makeUploadClip(dir, 'a', 'null', 3),
    makeUploadClip(dir, 'b', 'negate', 3),
  ]);
  real = await startRealApp('web-e2e', { threads: 1 });
  const { token } = await real.call<{ token: string }>('POST', '/auth/register', {
    body: { handle: 'e2e_creator', password: 'correct horse battery', display_name: 'E2E Creator' },
  });
  for (const [file, caption] of [
    [clipA!, 'first clip'],
    [clipB!, 'second clip'],
  ] as const) {
    videoIds.push(await real.uploadDirect(token, file, caption));
  }
  await Promise.all(videoIds.map((id) => real.waitReady(token, id, 60_000)));
  // The feed serves from a catalogue refreshed every ~2 s: wait until both uploads are in it.
  const until = Date.now() + 20_000;
  for (;;) {
    const feed = await real.call<FeedPage>('GET', '/feed?limit=10', { deviceId: 'e2e-probe' });
    if (videoIds.every((id) => feed.items.some((it) => it.id === id))) break;
    if (Date.now() > until) throw new Error(`feed still lacks the uploads: ${JSON.stringify(feed.items)}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/media/')) mediaResponses.push({ url: r.url(), status: r.status() });
    if (url.pathname === '/api/v1/events' && r.request().method() === 'POST') eventPosts.push(r.status());
  });
  await page.goto(`${real.base}/`);
}, 150_000);

afterAll(async () => {
  // The app has no forceCloseConnections: the browser's keep-alive sockets must be gone before close.
  await browser?.close();
  await real?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('web client against the real app', () => {
  it('plays the first uploaded video with HLS from the real media origin', async () => {
    await expectPlaying(0);
    expect(videoIds).toContain(await itemId(0));
    const first = (await itemId(0))!;
    const mine = mediaResponses.filter((r) => r.url.startsWith(`${real.base}/media/videos/${first}/`));
    expect(mine.some((r) => r.url.endsWith('.m3u8'))).toBe(true);
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.every((r) => r.status === 200)).toBe(true);
    expect(await page.textContent('.item[data-index="0"] .handle')).toBe('@e2e_creator');
  }, 30_000);

  it('ArrowDown moves to the second video, which plays while the first pauses', async () => {
    await page.keyboard.press('ArrowDown');
    await expectPlaying(1);
    const [a, b] = [await itemId(0), await itemId(1)];
    expect(new Set([a, b])).toEqual(new Set(videoIds));
    expect(
      await page.evaluate(() => document.querySelector<HTMLVideoElement>('.item[data-index="0"] video')!.paused),
    ).toBe(true);
  }, 30_000);

  it('client events reach POST /api/v1/events and land in the engagement log', async () => {
    await page.evaluate(() => window.foryou!.events.flush());
    await expect.poll(() => eventPosts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(eventPosts.every((s) => s === 202)).toBe(true);
    const logged = async () =>
      (await real.deps.events.read(ENGAGEMENT_TOPIC, 0, 0, 1000)).map(
        (e) => e.value as { type: string; videoId: string; actor: string },
      );
    await expect
      .poll(async () => (await logged()).filter((e) => e.type === 'play_start').map((e) => e.videoId), {
        timeout: 10_000,
      })
      .toEqual(expect.arrayContaining(videoIds));
    const fromBrowser = (await logged()).filter((e) => e.type === 'play_start');
    expect(fromBrowser.every((e) => e.actor.startsWith('d:web-'))).toBe(true);
  }, 30_000);

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
