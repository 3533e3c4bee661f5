/**
 * Offline replay of the serving pipeline over KuaiRand's test (or validation) days:
 *   npm run bench:replay -- --data ../shared/data/kuairand-pure [--split test|validation]
 *     [--users 2000] [--no-models] [--epochs 2] [--sweep-ranker-weight 0,0.25,0.5]
 * Each (user, day) asks for a page at the time of the user's first impression that day, with features
 * as of then (the shared definitions folded over the log, through the serving features hydrator), the
 * catalogue = KuaiRand's videos, and the For You parts the server builds its pipeline from
 * (`forYouSources`, `forYouRanking`). The page is scored against what the user long-viewed or liked
 * from then to the end of that day: NDCG@10 and recall@50, for most-popular and for an ablation that
 * adds one stage at a time. Trains a two-tower and a ranker on the train split unless --no-models.
 * Writes bench/results/replay.json (test) or bench/results/replay-validation.json.
 */

import { MemoryCache } from '../core/cache/cache.memory.ts';
import { FEATURE_NAMES } from '../feature-store/definitions.ts';
import { loadFeedConfig } from '../feed/for-you/config.ts';
import { featuresHydrator } from '../feed/for-you/hydrators/features.hydrator.ts';
import { catalogCandidates, feedSettingsSlots, forYouRanking, forYouSources } from '../feed/for-you/pipelines.ts';
import { VALUE_MODEL_SETTINGS } from '../feed/for-you/scorers/value-model.settings.ts';
import { emptyViewer, type FeedQuery, type PipelineConfig, type Scorer } from '../feed/for-you/types.ts';
import { runPipeline } from '../feed/pipeline/runner.ts';
import { patchSettings, settingsOf } from '../feed/pipeline/settings.ts';
import { RankerHolder } from '../ranking/ranker-holder.ts';
import { mulberry32 } from '../retrieval/ann/synthetic-vectors.ts';
import { hashedContentEmbedder } from '../retrieval/content-embedding.ts';
import { buildSnapshot, type IndexSnapshot, withQueryTower } from '../retrieval/index-holder.ts';
import { DEFAULT_KUAIRAND_DIR, loadKuaiRand } from '../training/data/kuairand.loader.ts';
import { ndcgAtK, recallAtK } from '../training/eval/metrics.ts';
import { trainRanker } from '../training/models/ranker/train.ts';
import { trainTwoTower } from '../training/models/two-tower/train.ts';
import { OfflineState, replayKeys } from '../training/replay/offline-state.ts';
import { type ReplaySplit, ReplayTrending, replayCatalog, replayRequests } from '../training/replay/requests.ts';
import { argFlag, argValue, printTable, writeResults } from './report.ts';

/** Retrieval order: candidates by their best source rank, no model and no rules. */
const retrievalOrder: Scorer = {
  id: 'retrieval_order',
  version: () => 'retrieval-order',
  async score(_q, candidates) {
    for (const c of candidates) c.score = -Math.min(...c.sources.map((s) => s.rank));
  },
};

/** The retrieval prior alone (what the value model adds the ranker to). */
const priorOnly: Scorer = {
  id: 'prior',
  version: () => 'prior',
  async score(_q, candidates) {
    for (const c of candidates) c.score = c.prior ?? 0;
  },
};

async function main(): Promise<void> {
  const dir = argValue('--data') ?? DEFAULT_KUAIRAND_DIR;
  const split = (argValue('--split') ?? 'test') as ReplaySplit;
  if (split !== 'test' && split !== 'validation') throw new Error('--split must be test or validation');
  const maxUsers = Number(argValue('--users') ?? 2000);
  const epochs = Number(argValue('--epochs') ?? 2);
  const ds = await loadKuaiRand({ dir });
  const requests = replayRequests(ds, split, maxUsers);
  process.stdout.write(`replaying ${requests.length} (user, ${split} day) requests over ${ds.videos.length} videos\n`);
  const catalog = replayCatalog(ds, split);
  const offline = new OfflineState(ds);
  const trending = new ReplayTrending(ds);
  const cache = new MemoryCache();
  const holder = new RankerHolder();

  let snapshot: IndexSnapshot | undefined;
  if (!argFlag('--no-models')) {
    const tt = await trainTwoTower(ds, { epochs });
    snapshot = withQueryTower(
      buildSnapshot(
        'two-tower',
        ds.videos.map((_, i) => replayKeys.video(i)),
        tt.videoEmbeddings(),
      ),
      {
        dims: tt.dim,
        embed: async (q) =>
          tt.userEmbedding({ user: Number(q.actor.slice(2)), timeMs: q.nowMs, history: q.history.map(Number) }),
      },
    );
    const rk = await trainRanker(ds, { epochs });
    const d = FEATURE_NAMES.length;
    const noLabels = { click: 0, longView: 0, like: 0, follow: 0, comment: 0, forward: 0, hate: 0, watchRatio: 0 };
    holder.swap({
      version: 'replay-ranker',
      featureDims: d,
      async predict(x, rows, ids) {
        const user = Number(ids?.userId ?? -1);
        return rk.predict(
          Array.from({ length: rows }, (_, i) => ({
            example: { user, video: Number(ids?.videoIds?.[i] ?? -1), timeMs: 0, tab: 0, labels: noLabels },
            features: x.subarray(i * d, (i + 1) * d),
          })),
        );
      },
    });
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
  // The dataset's static profile is what training read for these users; serving passes its own.
  const profiles = async (q: FeedQuery) => ds.users[Number(q.userId)]?.nums;
  const full: PipelineConfig = {
    id: 'replay',
    ...catalogCandidates(catalog),
    queryHydrators: [replayViewer],
    sources,
    // Live state (status, privacy) and creator exposure are platform data KuaiRand has none of.
    hydrators: [featuresHydrator(offline.store(), { profiles })],
    ...forYouRanking(holder),
    sideEffects: [],
  };
  const slots = feedSettingsSlots();
  const settings = loadFeedConfig(slots).defaults;
  const withCombine = (combine: Record<string, number>) => patchSettings(slots, settings, { value_model: { combine } });
  const { preRanker: _prior, ...unranked } = full;
  const twoTowerOnly = holder.current() ? ['two_tower'] : sources.map((s) => s.id).filter((id) => id !== 'explore');
  const variants: { name: string; config: PipelineConfig; settings?: typeof settings }[] = [
    {
      name: `retrieval only (${holder.current() ? 'two-tower' : 'sources'}, source order, filters)`,
      config: {
        ...unranked,
        sources: sources.filter((s) => twoTowerOnly.includes(s.id)),
        hydrators: [],
        scorer: retrievalOrder,
        fallbackScorer: retrievalOrder,
        rerankers: [],
      },
    },
    {
      name: '+ all sources, filters, retrieval prior',
      config: { ...full, hydrators: [], scorer: priorOnly, fallbackScorer: priorOnly, rerankers: [] },
    },
    {
      // The previous value model: the ranker's weighted heads alone, over every candidate.
      name: '+ ranker alone (no prior, no cut)',
      config: { ...full, rerankers: [] },
      settings: withCombine({ retrieval_weight: 0, rank_top_n: 5000 }),
    },
    { name: '+ value model (prior + ranker, top-N)', config: { ...full, rerankers: [] } },
    { name: 'full pipeline (+ rerankers)', config: full },
  ];
  // Choosing the value model's ranker weight: run this on the validation days, never on test.
  for (const w of (argValue('--sweep-ranker-weight') ?? '').split(',').filter(Boolean).map(Number)) {
    variants.push({
      name: `value model with ranker_weight ${w}`,
      config: { ...full, rerankers: [] },
      settings: withCombine({ ranker_weight: w }),
    });
  }

  const sums = new Map<string, [number, number]>([
    ['most-popular', [0, 0]],
    ...variants.map((v) => [v.name, [0, 0]] as [string, [number, number]]),
  ]);
  const stages: Record<string, number> = {};
  for (const r of requests) {
    offline.advanceTo(r.timeMs);
    await trending.advanceTo(r.timeMs, cache);
    const query = (s = settings): FeedQuery => ({
      requestId: `replay-${r.user}-${r.timeMs}`,
      feedType: 'for_you',
      actor: replayKeys.actor(r.user),
      userId: String(r.user),
      limit: 50,
      nowMs: r.timeMs,
      sessionId: `replay-${r.user}`,
      sessionSeen: new Set(),
      settings: s,
      arms: [],
      index: snapshot,
      viewer: emptyViewer(),
    });
    const score = (name: string, ids: readonly string[]) => {
      const ranked = ids.map(Number);
      const s = sums.get(name)!;
      s[0] += ndcgAtK(ranked, r.positives, 10);
      s[1] += recallAtK(ranked, r.positives, 50);
    };
    for (const v of variants) {
      const page = await runPipeline(v.config, query(v.settings));
      if (v.config === full) for (const [k, ms] of Object.entries(page.trace.stages)) stages[k] = (stages[k] ?? 0) + ms;
      score(
        v.name,
        page.page.map((c) => c.video.id),
      );
    }
    const seen = new Set((offline.state.users.get(replayKeys.actor(r.user))?.recent ?? []).map((x) => String(x.video)));
    score(
      'most-popular',
      catalog
        .popular()
        .filter((v) => !seen.has(v.id))
        .slice(0, 50)
        .map((v) => v.id),
    );
  }

  const n = Math.max(1, requests.length);
  const rows = [...sums].map(([policy, [ndcg, recall]]) => ({
    policy,
    ndcg_at_10: ndcg / n,
    recall_at_50: recall / n,
  }));
  printTable(`KuaiRand ${split}-day replay, ${requests.length} requests`, rows);
  const stageMs = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / n]));
  printTable('Mean ms per pipeline stage (full pipeline)', [stageMs]);
  writeResults(split === 'test' ? 'replay' : 'replay-validation', {
    data: dir,
    split,
    requests: requests.length,
    models: { two_tower: !!holder.current(), ranker: !!holder.current(), epochs },
    value_model: settingsOf(settings, VALUE_MODEL_SETTINGS).combine,
    results: rows,
    stages_ms: stageMs,
  });
}

await main();
