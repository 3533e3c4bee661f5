/**
 * Offline replay of the serving pipeline over KuaiRand's test (or validation) days:
 *   npm run bench:replay -- --data ../shared/data/kuairand-pure [--split test|validation]
 *     [--users 2000] [--no-models] [--epochs 2 (two-tower)] [--sweep-ranker-weight 0,0.25,0.5] [--sweep-patch '[{…}]']
 * Each (user, day) asks for a page at the time of the user's first impression that day, with features
 * as of then (the shared definitions folded over the log, through the serving features hydrator), the
 * catalogue = KuaiRand's videos, and the For You parts the server builds its pipeline from
 * (`forYouSources`, `forYouRanking`). The page is scored against what the user long-viewed or liked
 * from then to the end of that day: NDCG@10 and recall@50, for most-popular and for an ablation that
 * adds one stage at a time. Trains a two-tower and a ranker unless --no-models: on the train days when
 * replaying validation (where knobs such as the value model's ranker weight are chosen), on train +
 * validation when replaying test (the release refit; test is replayed once, never tuned on).
 * Every figure has a 95 % bootstrap interval over requests, and each stage a paired interval of its
 * difference to the stage before it (same requests): a stage whose interval does not clear 0 has not
 * shown that it pays. Writes bench/results/replay.json (test) or bench/results/replay-validation.json.
 */

import { relative, resolve } from 'node:path';
import { MemoryCache } from '../core/cache/cache.memory.ts';
import { FEATURE_NAMES, strongestTags } from '../feature-store/definitions.ts';
import { loadFeedConfig } from '../feed/for-you/config.ts';
import { featuresHydrator } from '../feed/for-you/hydrators/features.hydrator.ts';
import { LEARNED_TAGS } from '../feed/for-you/hydrators/history.hydrator.ts';
import { catalogCandidates, feedSettingsSlots, forYouRanking, forYouSources } from '../feed/for-you/pipelines.ts';
import { VALUE_MODEL_SETTINGS } from '../feed/for-you/scorers/value-model.settings.ts';
import { emptyViewer, type FeedQuery, type PipelineConfig, type Scorer } from '../feed/for-you/types.ts';
import { runPipeline } from '../feed/pipeline/runner.ts';
import { patchSettings, settingsOf } from '../feed/pipeline/settings.ts';
import { RankerHolder } from '../ranking/ranker-holder.ts';
import { mulberry32 } from '../retrieval/ann/synthetic-vectors.ts';
import { hashedContentEmbedder } from '../retrieval/content-embedding.ts';
import { buildSnapshot, type IndexSnapshot, withQueryTower } from '../retrieval/index-holder.ts';
import { snapshotView } from '../retrieval/service/snapshot-view.ts';
import { DEFAULT_KUAIRAND_DIR, loadKuaiRand } from '../training/data/kuairand.loader.ts';
import { refitDataset } from '../training/data/split.ts';
import { ndcgAtK, recallAtK } from '../training/eval/metrics.ts';
import { bootstrapMean, formatEstimate, pairedBootstrap, roundEstimate } from '../training/eval/stats.ts';
import { DRIFTING_USER_FEATURES, RANKER_FEATURE_SETS, trainRanker } from '../training/models/ranker/train.ts';
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
  const seed = Number(argValue('--seed') ?? 1);
  const ds = await loadKuaiRand({ dir });
  // Models see the days before the replayed split only: train for validation, train+val for test.
  const fitDs = split === 'test' ? refitDataset(ds) : ds;
  const requests = replayRequests(ds, split, maxUsers);
  process.stdout.write(`replaying ${requests.length} (user, ${split} day) requests over ${ds.videos.length} videos\n`);
  const catalog = replayCatalog(ds, split);
  const offline = new OfflineState(ds);
  const trending = new ReplayTrending(ds);
  const cache = new MemoryCache();
  const holder = new RankerHolder();

  let snapshot: IndexSnapshot | undefined;
  if (!argFlag('--no-models')) {
    const tt = await trainTwoTower(fitDs, { epochs, seed });
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
    // The ranker as bench:train selects it on validation: its default epochs, without the drifting user
    // counters and without the author counters.
    const rk = await trainRanker(fitDs, {
      seed,
      dropFeatures: [...DRIFTING_USER_FEATURES, ...RANKER_FEATURE_SETS.no_author!],
    });
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
        learnedTags: strongestTags(offline.state, q.actor, q.nowMs, LEARNED_TAGS),
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
  // Any other settings to compare on the validation days: a JSON list of patches over the defaults.
  for (const patch of JSON.parse(argValue('--sweep-patch') ?? '[]') as Record<string, unknown>[]) {
    variants.push({
      name: `value model with ${JSON.stringify(patch)}`,
      config: { ...full, rerankers: [] },
      settings: patchSettings(slots, settings, patch),
    });
  }

  // Per request, in request order: what the intervals are computed from.
  const perRequest = new Map<string, { ndcg: number[]; recall: number[] }>([
    ['most-popular', { ndcg: [], recall: [] }],
    ...variants.map((v) => [v.name, { ndcg: [], recall: [] }] as [string, { ndcg: number[]; recall: number[] }]),
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
      surface: r.tab,
      sessionId: `replay-${r.user}`,
      sessionSeen: new Set(),
      settings: s,
      arms: [],
      index: snapshotView(snapshot),
      viewer: emptyViewer(),
    });
    const score = (name: string, ids: readonly string[]) => {
      const ranked = ids.map(Number);
      const s = perRequest.get(name)!;
      s.ndcg.push(ndcgAtK(ranked, r.positives, 10));
      s.recall.push(recallAtK(ranked, r.positives, 50));
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
  const est = (xs: number[]) => roundEstimate(bootstrapMean(xs));
  const rows = [...perRequest].map(([policy, v]) => {
    const nd = est(v.ndcg);
    const rc = est(v.recall);
    return { policy, ndcg_at_10: nd.mean, ndcg_at_10_ci95: nd.ci95, recall_at_50: rc.mean, recall_at_50_ci95: rc.ci95 };
  });
  // The ablation: each stage against the one before it, paired over the same requests.
  // "+ ranker alone" replaces the prior instead of adding to it, so it is a side row, not a step.
  const ablationNames = [0, 1, 3, 4].map((i) => variants[i]!.name);
  const ablation = ablationNames.map((name, i) => {
    const cur = perRequest.get(name)!;
    const nd = est(cur.ndcg);
    const prev = i > 0 ? perRequest.get(ablationNames[i - 1]!)! : undefined;
    const d = prev ? roundEstimate(pairedBootstrap(cur.ndcg, prev.ndcg)) : undefined;
    return {
      stages: name,
      ndcg_at_10: nd.mean,
      ndcg_at_10_ci95: nd.ci95,
      recall_at_50: est(cur.recall).mean,
      ...(d ? { vs_previous: { ndcg_at_10: d.mean, ndcg_at_10_ci95: d.ci95 } } : {}),
    };
  });
  const fullRuns = perRequest.get(ablationNames.at(-1)!)!;
  const first = perRequest.get(ablationNames[0]!)!;
  const fullVsRetrieval = roundEstimate(pairedBootstrap(fullRuns.ndcg, first.ndcg));
  const rankerAlone = roundEstimate(
    pairedBootstrap(perRequest.get(variants[2]!.name)!.ndcg, perRequest.get(variants[1]!.name)!.ndcg),
  );
  // The value model's ranker-weight sweep (validation only): each against the prior alone, paired.
  const prior = perRequest.get(variants[1]!.name)!;
  const sweep = variants.slice(5).map((v) => {
    const d = roundEstimate(pairedBootstrap(perRequest.get(v.name)!.ndcg, prior.ndcg));
    return { variant: v.name, ndcg_vs_prior: d.mean, ndcg_vs_prior_ci95: d.ci95 };
  });
  if (sweep.length > 0) printTable('Value-model sweep against the prior alone (paired NDCG@10)', sweep);
  const fullVsPopular = roundEstimate(pairedBootstrap(fullRuns.ndcg, perRequest.get('most-popular')!.ndcg));
  printTable(
    `KuaiRand ${split}-day replay, ${requests.length} requests (95 % bootstrap CI over requests)`,
    [...perRequest].map(([policy, v]) => ({
      policy,
      'NDCG@10': formatEstimate(bootstrapMean(v.ndcg)),
      'recall@50': formatEstimate(bootstrapMean(v.recall)),
    })),
  );
  printTable(
    'Each stage against the one before it (paired over requests)',
    ablation.map((a) => ({
      stages: a.stages,
      'ΔNDCG@10': a.vs_previous ? `${a.vs_previous.ndcg_at_10} [${a.vs_previous.ndcg_at_10_ci95.join(', ')}]` : '',
    })),
  );
  const stageMs = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / n]));
  printTable('Mean ms per pipeline stage (full pipeline)', [stageMs]);
  writeResults(split === 'test' ? 'replay' : 'replay-validation', {
    // Relative to the checkout, so the results name no machine's folders.
    data: relative(process.cwd(), resolve(dir)),
    split,
    requests: requests.length,
    models: {
      two_tower: !!holder.current(),
      ranker: !!holder.current(),
      two_tower_epochs: epochs,
      seed,
      fit_on: fitDs.name,
    },
    value_model: settingsOf(settings, VALUE_MODEL_SETTINGS).combine,
    intervals: '95 %: percentile bootstrap over requests (1,000 resamples); differences paired over the same requests',
    ablation,
    full_vs_retrieval_only: { ndcg_at_10: fullVsRetrieval.mean, ndcg_at_10_ci95: fullVsRetrieval.ci95 },
    full_vs_most_popular: { ndcg_at_10: fullVsPopular.mean, ndcg_at_10_ci95: fullVsPopular.ci95 },
    ...(sweep.length > 0 ? { sweep } : {}),
    ranker_alone_vs_prior: { ndcg_at_10: rankerAlone.mean, ndcg_at_10_ci95: rankerAlone.ci95 },
    results: rows,
    stages_ms: stageMs,
  });
}

await main();
