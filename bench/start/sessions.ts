/**
 * Viewer sessions in real Chromium for `bench:start`: each in a fresh browser context (empty HTTP
 * cache, new device id) with the network shaped by Chromium's own emulation (CDP
 * `Network.emulateNetworkConditions`: added latency per request and a throughput cap). Times come from
 * the client itself: `data-first-frame-ms` on an item, from the item becoming the visible one to its
 * first presented frame (`requestVideoFrameCallback`).
 */
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../platform/web/testing/chromium.ts';

/** A network as the viewer's device sees it. */
export interface NetworkProfile {
  name: string;
  downMbit: number;
  upMbit: number;
  rttMs: number;
}

/** What one session measured. */
export interface SessionResult {
  /** First item: visible → first frame. */
  coldMs: number;
  /** First item: navigation start → first frame (page, hls.js, feed call and the start itself). */
  coldFromNavigationMs: number;
  /** Later items, one per swipe: visible → first frame, and whether it could play through when swiped to. */
  swipes: { ms: number; readyBefore: boolean; height: number }[];
  /** The first item's starting picture height. */
  coldHeight: number;
  /** Swipes that produced no frame within the timeout. */
  timeouts: number;
  /** Bytes of media (playlists, segments, posters) received, as sent on the wire. */
  mediaBytes: number;
  /** Of the time the item on screen should have been playing, how much it was stalled. */
  stalledMs: number;
  playingMs: number;
}

// Samples the item on screen every 100 ms: playing time, and stalled time (readyState below
// HAVE_FUTURE_DATA while it should play). Starts counting at the item's first frame.
const STALL_SAMPLER = `
  window.__startBench = { stalledMs: 0, playingMs: 0 };
  setInterval(() => {
    const item = document.querySelector('.item.active');
    const v = item && item.querySelector('video');
    if (!v || !item.dataset.firstFrameMs || v.paused || v.ended) return;
    window.__startBench.playingMs += 100;
    if (v.readyState < 3) window.__startBench.stalledMs += 100;
  }, 100);
`;

/** Launches Debian's Chromium once; sessions get fresh contexts of it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** Player settings a session runs with instead of the client's defaults (`start-tuning.ts`). */
export type TuningOverride = Record<string, unknown>;

async function openSession(browser: Browser, profile: NetworkProfile, edge: string, tuning: TuningOverride) {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.rttMs,
    downloadThroughput: (profile.downMbit * 1e6) / 8,
    uploadThroughput: (profile.upMbit * 1e6) / 8,
  });
  const media = new Set<string>();
  let mediaBytes = 0;
  cdp.on('Network.requestWillBeSent', (e) => {
    if (new URL(e.request.url).pathname.startsWith('/media/')) media.add(e.requestId);
  });
  cdp.on('Network.loadingFinished', (e) => {
    if (media.has(e.requestId)) mediaBytes += e.encodedDataLength;
  });
  await page.addInitScript(STALL_SAMPLER);
  if (Object.keys(tuning).length > 0) await page.addInitScript(`window.foryouStartTuning = ${JSON.stringify(tuning)};`);
  await page.goto(`${edge}/`);
  return { context, page, bytes: () => mediaBytes };
}

interface FirstFrame {
  ms: number;
  at: number;
  /** The picture height it started with (which rung). */
  height: number;
}

/** Waits for item `i`'s first frame; its ms and its moment on the page clock, or undefined on timeout. */
async function firstFrame(page: Page, i: number, timeoutMs: number): Promise<FirstFrame | undefined> {
  const handle = await page
    .waitForFunction(
      (index) => {
        const el = document.querySelector<HTMLElement>(`.item[data-index="${index}"]`);
        return el?.dataset.firstFrameMs
          ? {
              ms: Number(el.dataset.firstFrameMs),
              at: Number(el.dataset.firstFrameAt),
              height: el.querySelector('video')?.videoHeight ?? 0,
            }
          : null;
      },
      i,
      { timeout: timeoutMs, polling: 20 },
    )
    .catch(() => undefined);
  return handle ? ((await handle.jsonValue()) as FirstFrame) : undefined;
}

/**
 * One session: open the feed, wait for the first item's first frame, then `dwellsMs.length` swipes
 * (ArrowDown, the client's one-item step), each after watching the current item for its dwell.
 */
export async function runSession(
  browser: Browser,
  profile: NetworkProfile,
  edge: string,
  dwellsMs: readonly number[],
  tuning: TuningOverride = {},
): Promise<SessionResult> {
  const { context, page, bytes } = await openSession(browser, profile, edge, tuning);
  try {
    const first = await firstFrame(page, 0, 30_000);
    if (!first) throw new Error(`the first item never showed a frame on ${profile.name}`);
    const swipes: SessionResult['swipes'] = [];
    let timeouts = 0;
    for (const [n, dwell] of dwellsMs.entries()) {
      await page.waitForTimeout(dwell);
      const i = n + 1;
      const readyBefore = await page.evaluate(
        (index) =>
          (document.querySelector<HTMLVideoElement>(`.item[data-index="${index}"] video`)?.readyState ?? 0) >= 3,
        i,
      );
      await page.keyboard.press('ArrowDown');
      const ff = await firstFrame(page, i, 15_000);
      if (ff) swipes.push({ ms: ff.ms, readyBefore, height: ff.height });
      else timeouts++;
    }
    const stall = await page.evaluate(
      () => (window as unknown as { __startBench: { stalledMs: number; playingMs: number } }).__startBench,
    );
    return {
      coldMs: first.ms,
      coldHeight: first.height,
      coldFromNavigationMs: first.at,
      swipes,
      timeouts,
      mediaBytes: bytes(),
      stalledMs: stall.stalledMs,
      playingMs: stall.playingMs,
    };
  } finally {
    await context.close();
  }
}
