/**
 * Offline replay of the serving pipeline over KuaiRand's test days:
 *   node training/replay/replay.ts --data ../shared/data/kuairand-pure [--users 2000] [--no-models] [--epochs 2]
 * Each (user, test day) asks for a page at the time of the user's first impression that day, with
 * features as of then (the shared definitions folded over the log), the catalogue = KuaiRand's videos,
 * and the real sources, filters, scorer and rerankers. The page is scored against what the user
 * long-viewed or liked from then to the end of that day: NDCG@10 and recall@50, beside most-popular
 * and retrieval-only. Trains a two-tower and a ranker on the train split unless --no-models (then the
 * two-tower source and the ranker are skipped: the fallback scorer ranks). Writes bench/results/replay.json.
 */
import { createHash } from 'node:crypto';
import { argFlag, argValue, printTable, writeResults } from '../../bench/report.ts';
import { MemoryCache } from '../../core/cache/cache.memory.ts';
import { FEATURE_NAMES } from '../../feature-store/definitions.ts';
import { TRENDING_KEY } from '../../platform/engagement/consumers/features.consumer.ts';
import { loadFeedConfig } from '../../ranking/feed-config.ts';
import { FOR_YOU_FILTERS, FOR_YOU_RERANKERS, forYouSources } from '../../ranking/feed-pipelines.ts';
import { featuresHydrator } from '../../ranking/hydrators/features.hydrator.ts';
import { runPipeline } from '../../ranking/pipeline/runner.ts';
import { emptyViewer, type FeedQuery, type PipelineConfig, type Scorer } from '../../ranking/pipeline/types.ts';
import { RankerHolder } from '../../ranking/ranker-holder.ts';
import { fallbackScorer } from '../../ranking/scorers/fallback.scorer.ts';
import { modelScorer } from '../../ranking/scorers/model.scorer.ts';
import { topSelector } from '../../ranking/selector.ts';
import { mulberry32 } from '../../retrieval/ann/synthetic-vectors.ts';
import { Catalog, type CatalogVideo } from '../../retrieval/catalog.ts';
import { hashedContentEmbedder } from '../../retrieval/content-embedding.ts';
import { buildSnapshot, type IndexSnapshot, withQueryTower } from '../../retrieval/index-holder.ts';
import { DEFAULT_KUAIRAND_DIR, loadKuaiRand } from '../data/kuairand.loader.ts';
import type { Dataset } from '../data/schema.ts';
import { ndcgAtK, recallAtK } from '../eval/metrics.ts';
import { trainRanker } from '../models/ranker/train.ts';
import { trainTwoTower } from '../models/two-tower/train.ts';
import { OfflineState, replayKeys } from './offline-state.ts';

const DAY_MS = 86_400_000;
/** KuaiRand's days are Beijing days (UTC+8). */
const TZ_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;

interface ReplayRequest {
  user: number;
  timeMs: number;
  positives: Set<number>;
}

/** One request per (user, test day) with a positive: at the first impression, positives from then to midnight. */
function testRequests(ds: Dataset, maxUsers: number): ReplayRequest[] {
  const byKey = new Map<string, ReplayRequest>();
  for (const ex of ds.test) {
    const key = `${ex.user}:${Math.floor((ex.timeMs + TZ_MS) / DAY_MS)}`;
    let r = byKey.get(key);
    if (!r) {
      r = { user: ex.user, timeMs: ex.timeMs, positives: new Set() };
      byKey.set(key, r);
    }
    if (ex.labels.longView || ex.labels.like) r.positives.add(ex.video);
  }
  const hash = (k: string) => createHash('sha256').update(k).digest().readUInt32BE(0);
  return [...byKey]
    .filter(([, r]) => r.positives.size > 0)
    .sort((a, b) => hash(a[0]) - hash(b[0]))
    .slice(0, maxUsers)
    .map(([, r]) => r)
    .sort((a, b) => a.timeMs - b.timeMs);
}

/** The catalogue as of the test start: every video, with popularity counted on train + validation only. */
function catalogOf(ds: Dataset): Catalog {
  const views = new Float64Array(ds.videos.length);
  const likes = new Float64Array(ds.videos.length);
  for (const ex of [...ds.train, ...ds.validation]) {
    views[ex.video]! += ex.labels.click;
    likes[ex.video]! += ex.labels.like;
  }
  const videos: CatalogVideo[] = ds.videos.map((v, i) => ({
    id: replayKeys.video(i),
    authorId: replayKeys.author(v.author),
    privacy: 'public',
    hashtags: v.tags.filter((t) => t > 0).map(replayKeys.tag),
    createdAt: v.uploadMs,
    durationMs: null,
    version: 1,
    posterKey: null,
    stats: { views: views[i]!, likes: likes[i]!, comments: 0, shares: 0 },
  }));
  return Catalog.fromVideos(videos);
}

/** Retrieval-only: candidates in the order their best source ranked them, no model and no rules. */
const retrievalOrder: Scorer = {
  id: 'retrieval_order',
  version: () => 'retrieval-order',
  async score(_q, candidates) {
    for (const c of candidates) c.score = -Math.min(...c.sources.map((s) => s.rank));
  },
};

async function main(): Promise<void> {
  const dir = argValue('--data') ?? DEFAULT_KUAIRAND_DIR;
  const maxUsers = Number(argValue('--users') ?? 2000);
  const epochs = Number(argValue('--epochs') ?? 2);
  const ds = await loadKuaiRand({ dir });
  const requests = testRequests(ds, maxUsers);
  process.stdout.write(`replaying ${requests.length} (user, test day) requests over ${ds.videos.length} videos\n`);
  const catalog = catalogOf(ds);
  const offline = new OfflineState(ds);
  const cache = new MemoryCache();
  const holder = new RankerHolder();

  let snapshot: IndexSnapshot;
  let twoTower = false;
  if (!argFlag('--no-models')) {
    try {
      const tt = await trainTwoTower(ds, { epochs });
      const ids = ds.videos.map((_, i) => replayKeys.video(i));
      snapshot = withQueryTower(buildSnapshot('two-tower', ids, tt.videoEmbeddings()), {
        dims: tt.dim,
        embed: async (q) =>
          tt.userEmbedding({ user: Number(q.actor.slice(2)), timeMs: q.nowMs, history: q.history.map(Number) }),
      });
      twoTower = true;
      const rk = await trainRanker(ds, { epochs });
      holder.swap({
        version: 'replay-ranker',
        featureDims: FEATURE_NAMES.length,
        async predict(x, rows, ids) {
          const d = FEATURE_NAMES.length;
          const user = Number(ids?.userId ?? -1);
          return rk.predict(
            Array.from({ length: rows }, (_, i) => ({
              example: {
                user,
                video: Number(ids?.videoIds?.[i] ?? -1),
                timeMs: 0,
                tab: 0,
                labels: { click: 0, longView: 0, like: 0, follow: 0, comment: 0, forward: 0, hate: 0, watchRatio: 0 },
              },
              features: x.subarray(i * d, (i + 1) * d),
            })),
          );
        },
      });
    } catch (err) {
      process.stdout.write(
        `models unavailable (${(err as Error).message}); skipping the two-tower source and the ranker\n`,
      );
    }
  }
  snapshot ??= buildSnapshot(
    'content',
    catalog.all().map((v) => v.id),
    await hashedContentEmbedder(32).embed(catalog.all()),
  );

  const replayViewer = {
    id: 'replay_viewer',
    async hydrate(q: FeedQuery) {
      const recent = offline.state.users.get(q.actor)?.recent ?? [];
      return {
        history: [...(offline.histories.get(q.actor) ?? [])],
        recentImpressions: new Set(recent.map((r) => String(r.video))),
        following: offline.follows.get(q.actor) ?? new Set<string>(),
      };
    },
  };
  const sources = forYouSources({ cache, catalog, random: mulberry32(1) });
  const full: PipelineConfig = {
    id: 'replay',
    queryHydrators: [replayViewer],
    sources,
    hydrators: [featuresHydrator(offline.store())],
    filters: FOR_YOU_FILTERS,
    scorer: modelScorer(holder),
    fallbackScorer,
    rerankers: FOR_YOU_RERANKERS,
    selector: topSelector,
    sideEffects: [],
  };
  const retrievalOnly: PipelineConfig = {
    ...full,
    sources: twoTower ? sources.filter((s) => s.id === 'two_tower') : sources.filter((s) => s.id !== 'explore'),
    hydrators: [],
    scorer: retrievalOrder,
    fallbackScorer: retrievalOrder,
    rerankers: [],
  };

  const settings = loadFeedConfig().defaults;
  const sums = { pipeline: [0, 0], retrieval: [0, 0], popular: [0, 0] };
  const stages: Record<string, number> = {};
  const log = [...ds.train, ...ds.validation, ...ds.test].sort((a, b) => a.timeMs - b.timeMs);
  let lo = 0;
  let hi = 0;
  const velocity = new Map<number, number>();
  for (const r of requests) {
    offline.advanceTo(r.timeMs);
    // Trending as the features consumer would have it: engagement velocity over the last hour.
    for (; hi < log.length && log[hi]!.timeMs < r.timeMs; hi++) {
      const l = log[hi]!.labels;
      velocity.set(
        log[hi]!.video,
        (velocity.get(log[hi]!.video) ?? 0) + l.click + 3 * l.like + 4 * l.comment + 5 * l.forward,
      );
    }
    for (; lo < hi && log[lo]!.timeMs < r.timeMs - HOUR_MS; lo++) {
      const l = log[lo]!.labels;
      velocity.set(
        log[lo]!.video,
        velocity.get(log[lo]!.video)! - (l.click + 3 * l.like + 4 * l.comment + 5 * l.forward),
      );
    }
    await cache.del(TRENDING_KEY);
    const top = [...velocity]
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 200);
    if (top.length > 0)
      await cache.zAdd(
        TRENDING_KEY,
        top.map(([v, s]) => ({ member: replayKeys.video(v), score: s })),
      );

    const query = (): FeedQuery => ({
      requestId: `replay-${r.user}-${r.timeMs}`,
      feedType: 'for_you',
      actor: replayKeys.actor(r.user),
      userId: String(r.user),
      limit: 50,
      nowMs: r.timeMs,
      sessionId: `replay-${r.user}`,
      sessionSeen: new Set(),
      settings,
      arms: [],
      index: snapshot,
      viewer: emptyViewer(),
    });
    const score = (name: keyof typeof sums, ids: readonly string[]) => {
      const ranked = ids.map(Number);
      sums[name][0]! += ndcgAtK(ranked, r.positives, 10);
      sums[name][1]! += recallAtK(ranked, r.positives, 50);
    };
    const page = await runPipeline(full, query(), (id) => catalog.get(id));
    for (const [k, ms] of Object.entries(page.trace.stages)) stages[k] = (stages[k] ?? 0) + ms;
    score(
      'pipeline',
      page.page.map((c) => c.video.id),
    );
    const retrieved = await runPipeline(retrievalOnly, query(), (id) => catalog.get(id));
    score(
      'retrieval',
      retrieved.page.map((c) => c.video.id),
    );
    const seen = new Set((offline.state.users.get(replayKeys.actor(r.user))?.recent ?? []).map((x) => String(x.video)));
    score(
      'popular',
      catalog
        .popular()
        .filter((v) => !seen.has(v.id))
        .slice(0, 50)
        .map((v) => v.id),
    );
  }

  const n = Math.max(1, requests.length);
  const rows = [
    { policy: 'most-popular', ndcg_at_10: sums.popular[0]! / n, recall_at_50: sums.popular[1]! / n },
    {
      policy: twoTower ? 'retrieval-only (two-tower)' : 'retrieval-only (sources, unranked)',
      ndcg_at_10: sums.retrieval[0]! / n,
      recall_at_50: sums.retrieval[1]! / n,
    },
    {
      policy: `pipeline (${holder.current() ? 'ranker' : 'fallback scorer'})`,
      ndcg_at_10: sums.pipeline[0]! / n,
      recall_at_50: sums.pipeline[1]! / n,
    },
  ];
  printTable(`KuaiRand test-day replay, ${requests.length} requests`, rows);
  const stageMs = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / n]));
  printTable('Mean ms per pipeline stage', [stageMs]);
  writeResults('replay', {
    data: dir,
    requests: requests.length,
    models: { two_tower: twoTower, ranker: !!holder.current(), epochs },
    results: rows,
    stages_ms: stageMs,
  });
}

await main();
