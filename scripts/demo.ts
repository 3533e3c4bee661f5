/**
 * The demo: a platform that has lived through a simulated week, so a newcomer sees what it is for.
 *   bash scripts/start.sh --demo              (this file, on ./data-demo, serving http://127.0.0.1:8080)
 *   npm run demo:check                         (the same into a temporary folder, verified, bench/results/demo.json)
 * Phases, each with a progress bar: start the platform (simulated clock on); seed real clips through
 * the upload API (ffmpeg, one look per topic); simulated users for a week through the API; train the
 * two-tower and the ranker on the platform's own log and promote them; measure the demo login's feed.
 * Re-running on the same folder is idempotent: a finished demo only starts the platform again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { progressBar } from '../core/cli/progress.ts';
import { ForyouClient } from '../platform/client/index.ts';
import { SIM_PASSWORD, seedRealCatalogue, signIn } from '../sim/catalogue.ts';
import { type PlatformProcess, simPlatformEnv, startPlatform } from '../sim/platform-process.ts';
import { makeUser, type SimUser } from '../sim/population.ts';
import { armsOf, Simulation } from '../sim/runner.ts';
import { servingVersions, trainCycle, waitForModels } from '../sim/train-cycle.ts';
import { loadWorld, resized, type World } from '../sim/world.ts';

/** The demo login (a simulated user like the others, with a clear taste). */
export const DEMO_LOGIN = { handle: 'demo', password: SIM_PASSWORD } as const;

/** What a finished demo measured (also bench/results/demo.json for demo:check). */
export interface DemoResult {
  url: string;
  login: { handle: string; password: string };
  videos: number;
  creators: number;
  users: number;
  days: number;
  seed_s: number;
  simulate_s: number;
  train_s: number;
  total_s: number;
  demo_top_topics: string[];
  /** Share of the demo user's first 20 For You items in their latent top-3 topics. */
  personalised_topic_share: number;
  /** The same share for the most-popular order of the catalogue. */
  popular_topic_share: number;
  /** Items the demo user was served over the week (the catalogue they could run through). */
  demo_user_served: number;
  /** The demo user's first 20 items: each one's topic and the sources that proposed it. */
  demo_feed: { topic: string | null; sources: string[] }[];
  serving: { model: string; index: string };
  /** The training cycle's gate against the popularity baseline, and what it promoted. */
  promoted: string[];
  gate: string[];
  /** The simulated week's ground truth (every user, first and last day): affinity, watch, returns, repeats. */
  week: { all_days: unknown; first_day: unknown; last_day: unknown };
}

/** Demo sizes; the defaults meet the "≥ 300 clips, ≥ 8 topics, ≥ 30 creators, a week". */
export interface DemoOptions {
  dataDir: string;
  port?: number;
  world?: string;
  videos?: number;
  users?: number;
  days?: number;
  quiet?: boolean;
}

/**
 * The demo persona: a viewer whose tastes differ from the crowd's, so that what the feed does for
 * them is personalisation and not popularity. Their three topics are the three the world's day-0
 * population cares least about (summed latent interest, read from the world's seed before anything
 * runs; nothing measured), loved 0.5 / 0.3 / 0.15, with the two creators whose main topics are the
 * first two. A persona who loved the crowd's favourites would be served their topics by the
 * most-popular order too (55 % of its first 20 items were in the earlier persona's top-3 topics).
 */
export function demoPersona(world: World): SimUser {
  const n = world.catalogue.topics.length;
  const mass = new Array<number>(n).fill(0);
  for (let i = 0; i < world.users.initial; i++) {
    for (const [t, w] of makeUser(world, i, 0).interests.entries()) mass[t]! += w;
  }
  const niche = mass
    .map((m, t) => [m, t] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, 3)
    .map(([, t]) => t);
  const interests = Array.from({ length: n }, () => 0.05 / Math.max(1, n - 3));
  for (const [i, w] of [0.5, 0.3, 0.15].entries()) interests[niche[i]!] = w;
  const sum = interests.reduce((a, b) => a + b, 0);
  // Creators 0..topics-1 have topic i as their main topic (makeCreators).
  const loved = niche.slice(0, 2).filter((t) => t < world.catalogue.creators);
  return {
    index: 1_000_000,
    handle: DEMO_LOGIN.handle,
    interests: interests.map((x) => x / sum),
    lovedCreators: new Set(loved),
    arrivalDay: 0,
    // As active as the average person; the demo keeps them coming every day.
    activity: { level: 0, wander: 0 },
  };
}

const topTopics = (u: SimUser, k: number) =>
  u.interests
    .map((w, t) => [w, t] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, t]) => t);

/**
 * Runs the demo's phases on `dataDir` with the platform left running (the caller stops it), or, when
 * the folder holds a finished demo, only starts the platform. Returns the platform and the result.
 */
export async function runDemo(o: DemoOptions): Promise<{ platform: PlatformProcess; result: DemoResult }> {
  const started = performance.now();
  const dataDir = resolve(o.dataDir);
  // 150 people are plenty for a week of history; the demo user's feed depends on their own week.
  const world = resized(loadWorld(o.world ?? 'world-a'), {
    ...(o.videos ? { videos: o.videos } : {}),
    users: o.users ?? 150,
    uploadsPerDay: o.videos !== undefined && o.videos < 100 ? 2 : 8,
  });
  const days = o.days ?? 7;
  const done = join(dataDir, 'demo.json');
  const env = simPlatformEnv(dataDir, { PORT: String(o.port ?? 8080), LOG_LEVEL: 'warn' });
  const platform = await startPlatform(env);
  if (existsSync(done)) return { platform, result: JSON.parse(readFileSync(done, 'utf8')) as DemoResult };
  try {
    const bar = (label: string) => (o.quiet ? { update() {}, done() {} } : progressBar(label));
    const manifest = join(dataDir, 'sim-manifest.json');
    let b = bar(`seed ${world.catalogue.videos} clips`);
    const seedStart = performance.now();
    const catalogue = await seedRealCatalogue(platform.base, world, {
      manifest,
      progress: (d, t) => b.update(d, t, d * 2 <= t ? 'uploading' : 'transcoding'),
    });
    const seed_s = (performance.now() - seedStart) / 1000;
    b.done();

    b = bar(`simulate ${days} days`);
    const persona = demoPersona(world);
    const simStart = performance.now();
    const sim = new Simulation({
      baseUrl: platform.base,
      world,
      catalogue,
      days,
      concurrency: 8,
      extraUsers: [{ user: persona, everyDay: true }],
      progress: (p) => b.update(p.day * 24 + p.hour + 1, days * 24, `day ${p.day + 1}, ${p.sessionsDone} sessions`),
    });
    const report = await sim.run();
    const weekMeta = { truths: report.truths, exposure: report.exposure, creators: catalogue.creators.length };
    const simulate_s = (performance.now() - simStart) / 1000;
    b.done(`${report.users} users, ${report.uploads} uploads`);

    b = bar('train on the platform log');
    const probe = new ForyouClient({ baseUrl: platform.base, deviceId: 'demo-probe' });
    const before = await servingVersions(probe);
    const train = await trainCycle(dataDir, { onStep: (s) => b.update(0, 1, s) });
    const serving = await waitForModels(probe, before, train.promoted);
    b.done(
      `${train.promoted.join(' + ') || 'nothing'} promoted in ${train.train_s.toFixed(1)} s (${train.gate.notes.join('; ')})`,
    );

    // The demo user's first 20 items of a new session, and the most-popular order, against their top-3 topics.
    const me = await signIn(platform.base, DEMO_LOGIN.handle);
    const tops = new Set(topTopics(sim.user(DEMO_LOGIN.handle) ?? persona, 3));
    const feed: { id: string; sources: string[] }[] = [];
    for await (const page of me.feedPages({ limit: 10, explain: '1' }, 2))
      for (const i of page.items) {
        const sources = (i.explain?.sources ?? []) as { source: string }[];
        feed.push({ id: i.id, sources: sources.map((x) => x.source) });
      }
    // The live catalogue: the seeded clips and the week's uploads (the manifest holds only the former).
    const cat = catalogue;
    const inTop = (topic: number | undefined) => (topic !== undefined && tops.has(topic) ? 1 : 0);
    const first20 = feed.slice(0, 20);
    const personalised = first20.reduce((s, f) => s + inTop(cat.videos[f.id]?.topic), 0) / Math.max(1, first20.length);
    const popular = sim.popularOrder().slice(0, 20);
    const popularShare = popular.reduce((s, v) => s + inTop(v.topic), 0) / Math.max(1, popular.length);
    const result: DemoResult = {
      url: platform.base,
      login: { ...DEMO_LOGIN },
      videos: Object.keys(cat.videos).length,
      creators: cat.creators.length,
      users: report.users,
      days,
      seed_s,
      simulate_s,
      train_s: train.train_s,
      total_s: (performance.now() - started) / 1000,
      demo_top_topics: [...tops].map((t) => world.catalogue.topics[t]!),
      personalised_topic_share: personalised,
      popular_topic_share: popularShare,
      demo_user_served: (report.truths.find((t) => t.user === persona.index)?.days ?? []).reduce(
        (n, d) => n + (d?.served ?? 0),
        0,
      ),
      demo_feed: first20.map((f) => ({
        topic: world.catalogue.topics[cat.videos[f.id]?.topic ?? -1] ?? null,
        sources: f.sources,
      })),
      serving,
      promoted: train.promoted,
      gate: train.gate.notes,
      week: {
        all_days: report.arms.all,
        first_day: armsOf(weekMeta, { from: 0, to: 1 }).all,
        last_day: armsOf(weekMeta, { from: days - 1 }).all,
      },
    };
    writeFileSync(done, JSON.stringify(result, null, 2));
    return { platform, result };
  } catch (err) {
    await platform.stop();
    throw err;
  }
}

function printResult(r: DemoResult): void {
  process.stdout.write(
    [
      '',
      `foryou demo ready: ${r.url}`,
      `  log in as "${r.login.handle}" with password "${r.login.password}"`,
      `  ${r.videos} clips by ${r.creators} creators, ${r.users} simulated users over ${r.days} simulated days`,
      `  the demo user likes ${r.demo_top_topics.join(', ')}: ${(r.personalised_topic_share * 100).toFixed(0)} % of their first 20 For You items are in those topics (most-popular order: ${(r.popular_topic_share * 100).toFixed(0)} %)`,
      '  tap "?" on a video for why it was chosen. Ctrl-C stops the platform.',
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: './data-demo' },
      port: { type: 'string', default: '8080' },
      check: { type: 'boolean', default: false },
      videos: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string' },
      screenshot: { type: 'string' },
    },
  });
  const sizes = {
    ...(values.videos ? { videos: Number(values.videos) } : {}),
    ...(values.users ? { users: Number(values.users) } : {}),
    ...(values.days ? { days: Number(values.days) } : {}),
  };
  if (values.check) {
    const dir = mkdtempSync(join(tmpdir(), 'foryou-demo-check-'));
    const { freePortSync } = await import('../sim/free-port.ts');
    const { platform, result } = await runDemo({ dataDir: dir, port: await freePortSync(), ...sizes });
    try {
      if (values.screenshot) {
        const { screenshotDemoFeed } = await import('./demo-screenshot.ts');
        await screenshotDemoFeed(result.url, values.screenshot, result.login);
      }
    } finally {
      await platform.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    printResult(result);
    const ok = result.personalised_topic_share >= 2 * result.popular_topic_share && result.videos >= 300;
    const out = new URL('../bench/results/demo.json', import.meta.url).pathname;
    writeFileSync(out, `${JSON.stringify({ ...result, url: undefined, passed: ok }, null, 2)}\n`);
    process.stdout.write(`wrote ${out}: ${ok ? 'personalised ≥ 2× popular' : 'NOT personalised enough'}\n`);
    process.exit(ok ? 0 : 1);
  }
  const { platform, result } = await runDemo({ dataDir: values.data, port: Number(values.port), ...sizes });
  printResult(result);
  const stop = () => void platform.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise<void>((r) => platform.child.on('exit', () => r()));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
