import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../core/testing/wait-for.ts';
import { installErrorHandling } from '../api/error-handler.ts';
import { type HeadlessBrowser, launchChromium } from './testing/chromium.ts';
import { type FixtureLog, fixtureApi } from './testing/fixture-api.ts';
import { makeHlsClips } from './testing/hls-fixtures.ts';
import { webRoutes } from './web.routes.ts';

// Integration: the real client in Debian's Chromium, real HLS (ffmpeg) through hls.js and MediaSource,
// against the API's shapes served by fixtures. Run scripts/install-browser.sh first.
const VIDEO_IDS = ['vid_alpha', 'vid_bravo', 'vid_charlie', 'vid_delta'];

let dir: string;
let server: FastifyInstance;
let browser: HeadlessBrowser;
let page: Page;
let log: FixtureLog;
let base: string;
const problems: string[] = [];

interface VideoState {
  readyState: number;
  currentTime: number;
  paused: boolean;
  active: boolean;
  firstFrameMs: number | null;
}

function videoState(i: number): Promise<VideoState> {
  return page.evaluate((index) => {
    const item = document.querySelector<HTMLElement>(`.item[data-index="${index}"]`);
    const v = item?.querySelector('video');
    if (!item || !v) throw new Error(`no item ${index}`);
    const ff = item.dataset.firstFrameMs;
    return {
      readyState: v.readyState,
      currentTime: v.currentTime,
      paused: v.paused,
      active: item.classList.contains('active'),
      firstFrameMs: ff === undefined ? null : Number(ff),
    };
  }, i);
}

/** Waits until item `i` is the active one, has decoded frames and its clock moves. */
async function expectPlaying(i: number): Promise<VideoState> {
  await page.waitForFunction(
    (index) => {
      const item = document.querySelector(`.item[data-index="${index}"]`);
      const v = item?.querySelector('video');
      return !!v && item!.classList.contains('active') && v.readyState >= 2 && !v.paused;
    },
    i,
    { timeout: 20_000 },
  );
  const t0 = (await videoState(i)).currentTime;
  await page.waitForFunction(
    ({ index, from }) => {
      const v = document.querySelector<HTMLVideoElement>(`.item[data-index="${index}"] video`);
      return !!v && v.currentTime > from + 0.25;
    },
    { index: i, from: t0 },
    { timeout: 10_000 },
  );
  return videoState(i);
}

/** A finger drag through the touch pipeline (Input.dispatchTouchEvent); negative `dy` swipes up. */
async function swipe(dy: number): Promise<void> {
  const cdp = await browser.context.newCDPSession(page);
  const x = 195;
  const y = dy < 0 ? 640 : 200;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
  for (let i = 1; i <= 10; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + (dy * i) / 10 }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

async function flushEvents(): Promise<void> {
  await page.evaluate(() => window.foryou!.events.flush());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'foryou-web-browser-'));
  const clips = await makeHlsClips(join(dir, 'media'), [
    { name: 'a', filter: 'null', seconds: 4 },
    { name: 'b', filter: 'negate', seconds: 4 },
  ]);
  const fixture = fixtureApi(clips, VIDEO_IDS);
  log = fixture.log;
  server = Fastify();
  installErrorHandling(server);
  await server.register(webRoutes());
  await server.register(fixture.plugin);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const addr = server.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}/?debug=1`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('web client in Chromium', () => {
  it('plays the first video muted on load and measures its time to first frame', async () => {
    const s = await expectPlaying(0);
    expect(s.readyState).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => document.querySelector<HTMLVideoElement>('.item.active video')!.muted)).toBe(true);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.item.active')?.dataset.firstFrameMs);
    const ff = (await videoState(0)).firstFrameMs;
    expect(ff).toBeGreaterThan(0);
    expect(await page.textContent('#debug')).toContain('1st frame');
    expect(log.feedRequests[0]).toMatchObject({ feedType: 'for_you', deviceId: expect.stringMatching(/^web-/) });
    console.log(`first item: ${ff} ms from visible to first frame`);
  }, 60_000);

  it('buffers the next item before it is on screen', async () => {
    await page.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('.item[data-index="1"] video')?.readyState ?? 0) >= 2,
      undefined,
      { timeout: 15_000 },
    );
  }, 30_000);

  it('ArrowDown moves to the next item, which plays while the first pauses', async () => {
    await page.keyboard.press('ArrowDown');
    const next = await expectPlaying(1);
    expect(next.active).toBe(true);
    const first = await videoState(0);
    expect(first.paused).toBe(true);
    expect(first.active).toBe(false);
    console.log(`second item (preloaded): ${(await videoState(1)).firstFrameMs} ms to first frame`);
  }, 60_000);

  it('a touch swipe up moves one item down, and a wheel gesture moves back up', async () => {
    await swipe(-450);
    await expectPlaying(2);
    expect((await videoState(1)).paused).toBe(true);
    await page.mouse.move(195, 400);
    await page.mouse.wheel(0, -120);
    await expectPlaying(1);
    expect((await videoState(2)).paused).toBe(true);
  }, 60_000);

  it('posts impression, play_start, progress and skip events with unique client_event_ids as the device', async () => {
    await flushEvents();
    await expect.poll(() => log.eventBatches.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const events = log.eventBatches.flatMap((b) => b.events);
    expect(log.eventBatches.every((b) => !b.bearer && b.deviceId?.startsWith('web-'))).toBe(true);
    const ids = events.map((e) => e.client_event_id);
    expect(new Set(ids).size).toBe(ids.length);
    const types = (id: string) => events.filter((e) => e.video_id === id).map((e) => e.type);
    expect(types('vid_alpha')).toEqual(expect.arrayContaining(['impression', 'play_start', 'progress']));
    expect(types('vid_bravo')).toEqual(expect.arrayContaining(['impression', 'play_start']));
    const progress = events.find((e) => e.video_id === 'vid_alpha' && e.type === 'progress')!;
    expect(progress.watch_ms).toBeGreaterThan(0);
    expect(progress).toMatchObject({ request_id: 'req-fixture-1', position: 0 });
    // Item 2 was left after a short look: a skip.
    expect(types('vid_charlie')).toContain('skip');
  }, 30_000);

  it('like asks to sign in, then toggles with POST and DELETE; a double-tap likes', async () => {
    const like = '.item.active .rail-btn.heart';
    await page.click(like);
    await page.waitForSelector('.sheet form.auth-form');
    await page.click('.auth-form button.link');
    await page.fill('.auth-form input[name=handle]', 'browser_tester');
    await page.fill('.auth-form input[name=password]', 'correct horse battery');
    await page.click('.auth-form button[type=submit]');
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', like);
    expect(await page.textContent(`${like} .count`)).toBe('42');
    await waitFor('the like request', () => log.likes.length > 0, 10_000);
    expect(log.likes).toEqual([{ method: 'POST', videoId: 'vid_bravo' }]);

    await page.click(like);
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'false', like);
    expect(await page.textContent(`${like} .count`)).toBe('41');
    // The button flips optimistically, before the request reaches the server: wait for the request itself.
    await waitFor('the unlike request', () => log.likes.at(-1)?.method === 'DELETE', 10_000);
    expect(log.likes.at(-1)).toEqual({ method: 'DELETE', videoId: 'vid_bravo' });

    const box = (await page.locator('.item.active video').boundingBox())!;
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', like);
    await waitFor('the double-tap like request', () => log.likes.at(-1)?.method === 'POST', 10_000);
    expect(log.likes.at(-1)).toEqual({ method: 'POST', videoId: 'vid_bravo' });
    expect(await page.locator('.item.active .burst').count()).toBeGreaterThan(0);

    // Signed in now: the next batch goes out with the bearer token.
    const before = log.eventBatches.length;
    await page.keyboard.press('ArrowDown');
    await expectPlaying(2);
    await flushEvents();
    await expect.poll(() => log.eventBatches.length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(log.eventBatches.slice(before).every((b) => b.bearer)).toBe(true);
  }, 60_000);

  it('uploads: create, PUT with progress to the signed URL, complete, poll until ready, then plays it first', async () => {
    await page.click('[data-nav=upload]');
    await page.waitForSelector('#upload:not([hidden])');
    const file = await readFile(join(dir, 'media', 'a', 'seg000.ts'));
    await page.setInputFiles('#upload input[type=file]', { name: 'clip.mp4', mimeType: 'video/mp4', buffer: file });
    await page.fill('#upload textarea[name=caption]', 'my upload');
    await page.click('#upload button[type=submit]');
    await page.waitForFunction(() => document.querySelector('.upload-status')?.textContent === 'Ready!', undefined, {
      timeout: 20_000,
    });
    const steps = log.uploads.map((u) => u.step);
    expect(steps.slice(0, 3)).toEqual(['create', 'put', 'complete']);
    expect(steps.filter((s) => s === 'poll').length).toBeGreaterThanOrEqual(3);
    expect(log.uploads[1]).toMatchObject({ bytes: file.length, contentType: 'video/mp4' });
    expect(await page.evaluate(() => document.querySelector('progress')!.value)).toBe(1);
    // The finished video opens at the top of the feed and plays.
    await page.waitForSelector('.item[data-index="0"][data-id="vid_up0"]');
    await expectPlaying(0);
    expect(await page.textContent('.item[data-index="0"] .handle')).toBe('@browser_tester');
  }, 60_000);

  it('tells the uploader why processing refused their file, with the code', async () => {
    await page.click('[data-nav=upload]');
    await page.waitForSelector('#upload:not([hidden])');
    const file = await readFile(join(dir, 'media', 'a', 'seg000.ts'));
    await page.setInputFiles('#upload input[type=file]', { name: 'cut.mp4', mimeType: 'video/mp4', buffer: file });
    await page.fill('#upload textarea[name=caption]', 'broken');
    await page.click('#upload button[type=submit]');
    await page.waitForFunction(
      () => /TRUNCATED_FILE/.test(document.querySelector('.upload-status')?.textContent ?? ''),
      undefined,
      {
        timeout: 20_000,
      },
    );
    expect(await page.textContent('.upload-status')).toBe(
      'The video file is incomplete: it stops before the length it claims. Upload it again. (the file says it lasts 5.0 s but only 1.6 s of video could be read) [TRUNCATED_FILE]',
    );
    await page.click('[data-nav=home]');
    await page.waitForSelector('.item.active');
  }, 60_000);

  it('renders a full-screen item with rail and caption (screenshot)', async () => {
    const shots = process.env.FORYOU_WEB_SHOTS ?? join(dir, 'shots');
    const file = join(shots, 'feed.png');
    await page.screenshot({ path: file });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    const box = (await page.locator('.item.active').boundingBox())!;
    expect(box.width).toBe(390);
    expect(box.height).toBeGreaterThan(700);
  });

  it('logged no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
