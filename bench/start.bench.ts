/**
 * Video start benchmark: the web client in real Chromium, everything (page, API, media) through the
 * nginx CDN config in front of the real embedded app, per network profile shaped by Chromium's network
 * emulation. Measures, from an item becoming the visible one to its first presented frame:
 *  - cold: the first item of a fresh session (new browser context: empty cache, new device id);
 *  - preloaded: every later item, reached by a swipe after watching the current one for a while
 *    (the client buffers ahead while the viewer watches);
 * plus the share of playing time spent stalled and the media bytes per swipe. The edge is warm (every
 * file fetched once before, as trending videos are); the browser's cache is not.
 * Writes bench/results/start.json: the shipped ladder and client per profile, and any other runs as a
 * comparison (measured with fewer sessions).
 *   npm run bench:start [-- --quick] [--runs 1:default,2:before] [--profiles good_wifi]
 * `--runs` lists first-segment length (s) : player setting pairs; one catalogue is transcoded per length.
 */
import { loadavg } from 'node:os';
import type { Browser } from 'playwright-core';
import { seededRandom } from '../core/random.ts';
import { FIRST_SEGMENT_S } from '../platform/media/ladder.ts';
import { writeResults } from './lib/results.ts';
import { formatTable } from './lib/table.ts';
import { quantile } from './report.ts';
import {
  launchBrowser,
  type NetworkProfile,
  runSession,
  type SessionResult,
  type TuningOverride,
} from './start/sessions.ts';
import { buildStage, type TemplateSpec } from './start/stage.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const PROFILES: readonly NetworkProfile[] = [
  { name: 'good_wifi', downMbit: 20, upMbit: 10, rttMs: 40 },
  { name: 'mobile', downMbit: 9, upMbit: 3, rttMs: 80 },
];
/** Player settings `--runs` can name. `default` is what the client ships (`start-tuning.ts`). */
const OLD_HLS = { startFragPrefetch: true, maxBufferSize: 60_000_000 };
const AHEAD2: TuningOverride = {
  bufferAhead: 2,
  aheadBufferS: 0.5,
  activeBufferS: 8,
  carryBandwidth: false,
  startHints: false,
  posterAfterMs: -1,
  hls: { maxBufferSize: 0 },
};
const AHEAD2_CARRY: TuningOverride = { ...AHEAD2, carryBandwidth: true };
const AHEAD2_CARRY_HINTS: TuningOverride = { ...AHEAD2_CARRY, startHints: true };
const VARIANTS: Record<string, TuningOverride> = {
  default: {},
  // The client before bench:start: the next item buffered as far as hls.js's byte budget allows (60 MB:
  // in practice maxMaxBufferLength, 16 s), the one after with its playlists only.
  before: {
    bufferAhead: 1,
    aheadBufferS: 8,
    activeBufferS: 8,
    carryBandwidth: false,
    startHints: false,
    posterAfterMs: -1,
    hls: OLD_HLS,
  },
  // Each step on top of the one before, every setting spelled out so the shipped defaults do not leak in.
  ahead2: AHEAD2,
  ahead2_carry: AHEAD2_CARRY,
  ahead2_carry_hints: AHEAD2_CARRY_HINTS,
  ahead2_carry_hints_noworker: { ...AHEAD2_CARRY_HINTS, hls: { maxBufferSize: 0, enableWorker: false } },
  // The shipped client without seeking a preloaded item onto its first frame.
  no_park: { parkAtFirstFrame: false },
  // The shipped client preparing the neighbours in the task that starts the item on screen.
  eager_schedule: { scheduleAfterFirstFrame: false },
  lazy_poster: { ...AHEAD2_CARRY_HINTS, posterAfterMs: 250 },
};

/** What to measure: `first-segment-seconds:variant` pairs, by default the shipped ladder and client. */
const RUNS = (flag('--runs') ?? `${FIRST_SEGMENT_S}:default`).split(',').map((r) => {
  const [seg, variant = 'default'] = r.split(':');
  if (!VARIANTS[variant]) throw new Error(`unknown variant ${variant}: ${Object.keys(VARIANTS).join(', ')}`);
  return { firstSegmentS: Number(seg), variant, key: `first_segment_${seg}s/${variant}` };
});
const SHIPPED = `first_segment_${FIRST_SEGMENT_S}s/default`;
const profileNames = flag('--profiles')?.split(',') ?? PROFILES.map((p) => p.name);
const profiles = PROFILES.filter((p) => profileNames.includes(p.name));
/**
 * Fresh sessions per profile that only start their first item (cold samples besides the swipe
 * session's), and swipes; runs other than the shipped one use the `--compare-*` counts.
 */
const COUNTS = {
  shipped: { cold: Number(flag('--cold') ?? (quick ? 4 : 15)), swipes: Number(flag('--swipes') ?? (quick ? 8 : 31)) },
  compare: {
    cold: Number(flag('--compare-cold') ?? (quick ? 4 : 7)),
    swipes: Number(flag('--compare-swipes') ?? (quick ? 8 : 12)),
  },
};
/** Watch time before each swipe: uniform in [min, max] ms, seeded. */
const DWELL_MS = [1500, 4000] as const;
const TEMPLATES: readonly TemplateSpec[] = [
  { width: 720, height: 1280, durationS: 8, noise: 8 },
  { width: 720, height: 1280, durationS: 12, noise: 14 },
  { width: 720, height: 1280, durationS: 16, noise: 4 },
];
const VIDEOS = Math.max(COUNTS.shipped.swipes, COUNTS.compare.swipes) + 12;

const round = (x: number) => Math.round(x);
const summary = (xs: readonly number[]) =>
  xs.length === 0
    ? { p50_ms: null, p95_ms: null }
    : { p50_ms: round(quantile(xs, 0.5)), p95_ms: round(quantile(xs, 0.95)) };
const countBy = (xs: readonly number[]) =>
  Object.fromEntries([...new Set(xs)].sort((a, b) => a - b).map((x) => [`${x}p`, xs.filter((y) => y === x).length]));

/** Cold sessions, then one swipe session, on one profile with one player setting. */
async function measure(
  browser: Browser,
  edge: string,
  profile: NetworkProfile,
  tuning: TuningOverride,
  counts: { cold: number; swipes: number },
) {
  const rand = seededRandom(7);
  const dwells = Array.from({ length: counts.swipes }, () => DWELL_MS[0] + rand() * (DWELL_MS[1] - DWELL_MS[0]));
  const sessions: SessionResult[] = [];
  for (let i = 0; i < counts.cold; i++) sessions.push(await runSession(browser, profile, edge, [], tuning));
  const swipe = await runSession(browser, profile, edge, dwells, tuning);
  sessions.push(swipe);
  const cold = sessions.map((s) => s.coldMs);
  const coldNav = sessions.map((s) => s.coldFromNavigationMs);
  const pre = swipe.swipes.map((s) => s.ms);
  return {
    down_mbit: profile.downMbit,
    up_mbit: profile.upMbit,
    rtt_ms: profile.rttMs,
    cold: { ...summary(cold), samples: cold.length },
    cold_from_navigation: { ...summary(coldNav), samples: coldNav.length },
    preloaded: { ...summary(pre), samples: pre.length },
    swipes: swipe.swipes.length + swipe.timeouts,
    swipe_timeouts: swipe.timeouts,
    swipes_buffered_when_swiped: swipe.swipes.filter((s) => s.readyBefore).length,
    rebuffer_ratio: swipe.playingMs > 0 ? Number((swipe.stalledMs / swipe.playingMs).toFixed(4)) : null,
    bytes_per_swipe: round(swipe.mediaBytes / Math.max(1, counts.swipes)),
    start_rung: {
      cold: countBy(sessions.map((s) => s.coldHeight)),
      preloaded: countBy(swipe.swipes.map((s) => s.height)),
    },
    raw: { cold_ms: cold, preloaded_ms: pre },
  };
}

type Measured = Awaited<ReturnType<typeof measure>>;

async function main(): Promise<void> {
  const results: Record<string, Record<string, Measured>> = {};
  const catalogues: Record<string, unknown> = {};
  const rows: (string | number | null)[][] = [];
  // Written after every run, so a run cut short keeps what was measured.
  const save = () => {
    const common = {
      quick,
      method:
        'real Chromium (CDP network emulation), page + API + media through nginx in front of the embedded app; edge warm, browser cache cold per session',
      dwell_ms: DWELL_MS,
      catalogues,
      load_average_1m_at_end: Number(loadavg()[0]!.toFixed(2)),
    };
    const shipped = results[SHIPPED];
    const others = Object.fromEntries(Object.entries(results).filter(([k]) => k !== SHIPPED));
    return shipped
      ? writeResults('start', {
          ...common,
          first_segment_s: FIRST_SEGMENT_S,
          profiles: shipped,
          comparison: { variants: VARIANTS, results: others },
        })
      : writeResults('start-variants', { ...common, variants: VARIANTS, results: others });
  };
  for (const firstSegmentS of [...new Set(RUNS.map((r) => r.firstSegmentS))]) {
    const ladder = `first_segment_${firstSegmentS}s`;
    process.stdout.write(
      `building the stage: ${TEMPLATES.length} templates transcoded (${ladder}), ${VIDEOS} videos…\n`,
    );
    const stage = await buildStage(TEMPLATES, VIDEOS, { firstSegmentS });
    catalogues[ladder] = {
      videos: stage.videoIds.length,
      templates: stage.templates,
      template_transcode_s: round(stage.transcodeS),
    };
    const browser = await launchBrowser();
    try {
      for (const run of RUNS.filter((r) => r.firstSegmentS === firstSegmentS)) {
        const counts = run.key === SHIPPED ? COUNTS.shipped : COUNTS.compare;
        for (const profile of profiles) {
          const out = await measure(browser, stage.edge, profile, VARIANTS[run.variant]!, counts).catch(
            (err: Error) => {
              process.stdout.write(`${profile.name} ${run.key} failed: ${err.message}\n`);
              return undefined;
            },
          );
          if (!out) continue;
          results[run.key] = { ...results[run.key], [profile.name]: out };
          rows.push([
            profile.name,
            run.key,
            out.cold.p50_ms,
            out.cold.p95_ms,
            out.preloaded.p50_ms,
            out.preloaded.p95_ms,
            out.cold.samples,
            out.swipes,
            out.swipe_timeouts,
            out.rebuffer_ratio,
            out.bytes_per_swipe,
            out.cold_from_navigation.p50_ms,
          ]);
          process.stdout.write(`${profile.name} ${run.key}: done (${save()})\n`);
        }
      }
    } finally {
      await browser.close();
      await stage.close();
    }
  }
  process.stdout.write(
    `\nvideo start (ms from visible to first frame), load ${loadavg()[0]!.toFixed(1)}\n${formatTable(
      [
        'profile',
        'ladder/player',
        'cold_p50',
        'cold_p95',
        'preloaded_p50',
        'preloaded_p95',
        'cold_n',
        'swipes',
        'timeouts',
        'rebuffer_ratio',
        'bytes_per_swipe',
        'cold_from_nav_p50',
      ],
      rows,
      4,
    )}\n`,
  );
  process.stdout.write(`wrote ${save()}\n`);
}

await main();
