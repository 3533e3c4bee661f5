/**
 * Media benchmark:
 *  - ladder: a generated 1080×1920 vertical clip (30 s; 6 s with --quick) through the full H.264 HLS
 *    ladder, two ways in the same run: the baseline, one ffmpeg per rung in parallel (each decoding the
 *    source), and the transcode worker itself (download, probe, the `lowest` pass with every image, then
 *    the `ladder` pass decoding once for every upper rung, uploads, master playlists): wall time,
 *    realtime factor (clip seconds per wall second), CPU core-seconds per minute of video from ffmpeg's
 *    own `-benchmark` rusage, time to playable (from the job's start, the upload acknowledged, to the
 *    first moment the API says ready and the master, its first rendition's playlist and that playlist's
 *    first segment all answer 200: a client can start the video from its beginning), and whether each
 *    higher rung advertises more BANDWIDTH than the one below;
 *  - CDN: many segments requested under a Zipf(1.1) popularity, straight from the origin and through
 *    the nginx cache: requests/s, MB/s and the cache hit ratio.
 * The test pattern is easier to encode than camera footage: treat the CPU figures as a lower bound.
 * Writes bench/results/media.json.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { newId } from '../core/ids.ts';
import { seededRandom as rng } from '../core/random.ts';
import { runFfmpeg } from '../platform/media/ffmpeg.adapter.ts';
import { probe } from '../platform/media/ffprobe.adapter.ts';
import { measureBandwidth, parseMediaPlaylist } from '../platform/media/hls.ts';
import { type LadderPlan, planLadder, rungArgs } from '../platform/media/ladder.ts';
import { mediaContentType } from '../platform/media/media-keys.ts';
import {
  buildMediaApp,
  makeClip,
  openMediaTestEnv,
  startNginx,
  TEST_USER_HEADER,
  waitFor,
} from '../platform/media/testing/media.testkit.ts';
import { transcodeHandler } from '../platform/media/transcode.worker.ts';
import { validateProbe } from '../platform/media/validate.ts';
import { videosRepo } from '../platform/media/videos.repo.ts';
import { writeResults } from './lib/results.ts';
import { formatTable } from './lib/table.ts';
import { loadThrough, zipfSampler } from './media/cdn-load.ts';

const quick = process.argv.includes('--quick');
const CLIP_S = quick ? 6 : 30;
const VIDEOS = quick ? 20 : 60;
const REQUESTS = quick ? 1500 : 6000;
const CONCURRENCY = 16;
const ZIPF_S = 1.1;
const cores = availableParallelism();

interface LadderRun {
  mode: string;
  wallS: number;
  cpuS: number;
  realtime: number;
  coreSPerMin: number;
}

async function runLadder(
  src: string,
  demuxer: string,
  plan: LadderPlan,
  outRoot: string,
  parallel: boolean,
): Promise<LadderRun> {
  await rm(outRoot, { recursive: true, force: true });
  // Every ffmpeg may use every core: when the small rungs finish, the big one gets the whole machine.
  const threads = cores;
  const one = async (i: number) => {
    const rung = plan.rungs[i]!;
    const outDir = join(outRoot, rung.name);
    await mkdir(outDir, { recursive: true });
    const args = rungArgs(plan, rung, { input: src, demuxer, outDir, threads, preset: 'veryfast' });
    return runFfmpeg({ input: src, demuxer, outputArgs: args, timeoutMs: 30 * 60_000 });
  };
  const started = performance.now();
  const stats = [];
  if (parallel) {
    // As the worker runs them: at most `cores` rungs at once, the biggest first.
    const order = plan.rungs.map((_, i) => i).reverse();
    const lane = async () => {
      for (let i = order.shift(); i !== undefined; i = order.shift()) stats.push(await one(i));
    };
    await Promise.all(Array.from({ length: Math.min(cores, plan.rungs.length) }, lane));
  } else {
    for (let i = 0; i < plan.rungs.length; i++) stats.push(await one(i));
  }
  const wallS = (performance.now() - started) / 1000;
  const cpuS = stats.reduce((s, x) => s + (x.cpuS ?? 0), 0);
  return {
    mode: parallel ? 'parallel' : 'serial',
    wallS,
    cpuS,
    realtime: CLIP_S / wallS,
    coreSPerMin: cpuS / (CLIP_S / 60),
  };
}

/** Peak BANDWIDTH of each rung the baseline wrote, from its local playlists and segment sizes. */
async function localBandwidths(outRoot: string, plan: LadderPlan): Promise<number[]> {
  return Promise.all(
    plan.rungs.map(async (r) => {
      const dir = join(outRoot, r.name);
      const segs = parseMediaPlaylist(await readFile(join(dir, 'index.m3u8'), 'utf8'));
      const sized = await Promise.all(
        segs.map(async (x) => ({ durationS: x.durationS, bytes: (await readFile(join(dir, x.uri))).length })),
      );
      return measureBandwidth(sized).peak;
    }),
  );
}

const increasing = (xs: readonly number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

/**
 * Whether a client can start the video now through the public API, as a player would: `GET
 * /api/v1/videos/:id` says ready with a master URL, the master lists a rendition, and that rendition's
 * playlist and first segment answer 200 from the origin.
 */
async function playableThroughApi(app: FastifyInstance, id: string): Promise<boolean> {
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
  const res = await get(`/api/v1/videos/${id}`, { [TEST_USER_HEADER]: 'bench' });
  const master = res.statusCode === 200 ? (res.json().playback?.master_url as string | undefined) : undefined;
  if (!master) return false;
  const masterUrl = new URL(master);
  const m = await get(masterUrl.pathname);
  const variant =
    m.statusCode === 200 ? m.body.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) : undefined;
  if (!variant) return false;
  const playlistUrl = new URL(variant.trim(), masterUrl);
  const pl = await get(playlistUrl.pathname);
  const first = pl.statusCode === 200 ? parseMediaPlaylist(pl.body)[0] : undefined;
  if (!first) return false;
  return (await get(new URL(first.uri, playlistUrl).pathname)).statusCode === 200;
}

/** The transcode worker's handler on one upload of `src`: wall, CPU, time to playable, advertised bandwidths. */
async function runWorker(env: Awaited<ReturnType<typeof openMediaTestEnv>>, src: string) {
  const app = await buildMediaApp(env.deps);
  const repo = videosRepo(env.deps.metadata);
  const id = newId();
  await env.deps.objects.put(`uploads/${id}/source`, await readFile(src));
  await repo.create({
    id,
    authorId: 'bench',
    caption: '',
    hashtags: [],
    musicId: null,
    privacy: 'public',
    sourceKey: `uploads/${id}/source`,
    createdAt: Date.now(),
  });
  await repo.markProcessing(id);
  let cpuS = 0;
  const passes: Record<string, number> = {};
  const handler = transcodeHandler(env.deps, {
    onStepDone: (_v, step, stats) => {
      cpuS += stats.cpuS ?? 0;
      passes[step] = stats.wallMs / 1000;
    },
  });
  // From the upload acknowledged (the job starts at once on an idle worker) to the first moment a client
  // can start playing it from its beginning.
  const started = performance.now();
  let settled = false;
  const done = handler({
    id: 'bench',
    queue: 'media',
    name: 'transcode',
    data: { videoId: id, version: 1 },
    attempt: 1,
  }).finally(() => {
    settled = true;
  });
  const playableS = await waitFor(
    'the video to be playable',
    async () => {
      if (await playableThroughApi(app, id)) return (performance.now() - started) / 1000;
      if (settled) {
        const v = await repo.get(id);
        throw new Error(`the bench video ended ${v?.status} ${v?.failureCode}`);
      }
      return undefined;
    },
    30 * 60_000,
    25,
  );
  await done;
  const wallS = (performance.now() - started) / 1000;
  await app.close();
  const video = (await repo.get(id))!;
  return {
    mode: 'worker (2 passes)',
    wallS,
    cpuS,
    realtime: CLIP_S / wallS,
    coreSPerMin: cpuS / (CLIP_S / 60),
    playableS,
    passes,
    bandwidths: video.renditions.map((r) => r.bandwidth),
  };
}

async function main(): Promise<void> {
  const env = await openMediaTestEnv('file');
  try {
    process.stdout.write(`generating a ${CLIP_S} s 1080×1920 clip…\n`);
    const src = await makeClip(join(env.dir, 'clip.mp4'), { width: 1080, height: 1920, durationS: CLIP_S });
    const verdict = validateProbe(await probe(src));
    if (!verdict.ok) throw new Error(`the generated clip failed validation: ${verdict.code}`);
    const v = verdict.info.video!;
    const plan = planLadder({
      displayWidth: v.displayWidth,
      displayHeight: v.displayHeight,
      fps: v.fps,
      hasAudio: true,
    });

    const parallel = await runLadder(src, verdict.demuxer, plan, join(env.dir, 'ladder'), true);
    const baselineBandwidths = await localBandwidths(join(env.dir, 'ladder'), plan);
    const worker = await runWorker(env, src);
    process.stdout.write(
      `\nladder (${plan.rungs.map((r) => r.name).join(', ')}) on ${cores} cores, ${CLIP_S} s clip, load ${loadavg()[0]!.toFixed(1)}\n${formatTable(
        ['mode', 'wall_s', 'cpu_s', 'realtime_x', 'core_s_per_min', 'playable_s', 'bandwidth_monotonic'],
        [
          [
            'baseline: 1 ffmpeg per rung',
            parallel.wallS,
            parallel.cpuS,
            parallel.realtime,
            parallel.coreSPerMin,
            null,
            String(increasing(baselineBandwidths)),
          ],
          [
            worker.mode,
            worker.wallS,
            worker.cpuS,
            worker.realtime,
            worker.coreSPerMin,
            worker.playableS,
            String(increasing(worker.bandwidths)),
          ],
        ],
        2,
      )}\nBANDWIDTH per rung: baseline ${baselineBandwidths.join(' < ')}; worker ${worker.bandwidths.join(' < ')}\n`,
    );

    // CDN: the 480p segments of the run above, stored as VIDEOS public videos.
    const segDir = join(env.dir, 'ladder', '480p');
    const segments = (await readdir(segDir)).filter((f) => f.endsWith('.m4s')).sort();
    const segBodies = await Promise.all(segments.map((f) => readFile(join(segDir, f))));
    const paths: string[] = [];
    for (let i = 0; i < VIDEOS; i++) {
      const id = newId();
      await env.deps.metadata.run(
        `INSERT INTO videos (id, author_id, status, privacy, version, created_at) VALUES ($1, 'bench', 'ready', 'public', 1, $2)`,
        [id, Date.now()],
      );
      for (const [j, f] of segments.entries()) {
        await env.deps.objects.put(`videos/${id}/v1/480p/${f}`, segBodies[j]!, { contentType: mediaContentType(f) });
        paths.push(`/media/videos/${id}/v1/480p/${f}`);
      }
    }
    const rand = rng(42);
    // Popularity rank is independent of upload order.
    const ranked = [...paths].sort(() => rand() - 0.5);
    const draw = zipfSampler(ranked.length, ZIPF_S, rand);
    const workload = Array.from({ length: REQUESTS }, () => ranked[draw()]!);

    let originRequests = 0;
    const app = await buildMediaApp(env.deps, { onRequest: () => originRequests++ });
    const origin = await app.listen({ host: '127.0.0.1', port: 0 });
    const nginxDir = join('/tmp', `foryou-bench-nginx-${process.pid}`);
    const nginx = await startNginx(nginxDir, new URL(origin).host);
    try {
      const direct = await loadThrough(origin, workload, CONCURRENCY);
      const before = originRequests;
      const cdn = await loadThrough(nginx.base, workload, CONCURRENCY);
      const cdnOrigin = originRequests - before;
      process.stdout.write(
        `\nsegments: ${ranked.length} objects (${(segBodies[0]!.length / 1024).toFixed(0)} KiB each), ${REQUESTS} requests, Zipf s=${ZIPF_S}, ${CONCURRENCY} concurrent\n${formatTable(
          [
            'path',
            'req_per_s',
            'MB_per_s',
            'hit_ratio',
            'steady_hit_ratio',
            'compulsory_miss',
            'origin_requests',
            'errors',
          ],
          [
            ['origin', direct.rps, direct.mbps, null, null, null, REQUESTS, direct.errors],
            [
              'nginx (cold start)',
              cdn.rps,
              cdn.mbps,
              cdn.hitRatio,
              cdn.steadyStateHitRatio,
              cdn.compulsoryMissRatio,
              cdnOrigin,
              cdn.errors,
            ],
          ],
          2,
        )}\n`,
      );
      const path = writeResults('media', {
        quick,
        clip_s: CLIP_S,
        rungs: plan.rungs.map((r) => ({ name: r.name, width: r.width, height: r.height, kbps: r.videoKbps })),
        ladder_realtime_factor: Number(worker.realtime.toFixed(3)),
        baseline_ladder_realtime_factor: Number(parallel.realtime.toFixed(3)),
        time_to_playable_s: Number(worker.playableS.toFixed(2)),
        ladder_bandwidth_monotonic: increasing(worker.bandwidths),
        core_s_per_min: Number(worker.coreSPerMin.toFixed(1)),
        baseline_core_s_per_min: Number(parallel.coreSPerMin.toFixed(1)),
        load_average_1m_at_end: Number(loadavg()[0]!.toFixed(2)),
        ladder: {
          baseline_parallel_per_rung: { ...parallel, bandwidths: baselineBandwidths },
          worker,
        },
        cdn: {
          objects: ranked.length,
          requests: REQUESTS,
          zipf_s: ZIPF_S,
          concurrency: CONCURRENCY,
          origin_only: direct,
          through_nginx: { ...cdn, origin_requests: cdnOrigin },
          steady_state_hit_ratio: Number(cdn.steadyStateHitRatio.toFixed(4)),
          compulsory_miss_ratio: Number(cdn.compulsoryMissRatio.toFixed(4)),
        },
        cache_hit_ratio: Number(cdn.hitRatio.toFixed(4)),
      });
      process.stdout.write(`\nwrote ${path}\n`);
    } finally {
      nginx.proc.kill('SIGTERM');
      await app.close();
      await rm(nginxDir, { recursive: true, force: true });
    }
  } finally {
    await env.cleanup();
  }
}

await main();
