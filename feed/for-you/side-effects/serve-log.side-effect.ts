import { FEATURE_NAMES } from '../../../feature-store/definitions.ts';
import { EXPLORATION_SLOT_RULE } from '../rerankers/exploration-slot.reranker.ts';
import type { Candidate, FeedQuery, PipelineResult, SideEffect } from '../types.ts';

/** One served feed position, with what produced it. */
export interface ServedItem {
  requestId: string;
  position: number;
  userId: string;
  videoId: string;
  modelVersion: string;
  indexVersion: string;
  /** Probability the policy showed this item here (for off-policy estimates); null when unknown. */
  propensity: number | null;
  /** The feature values the scorer used, by name. */
  features: Record<string, number>;
  servedAt: number;
}

/** Where served items go (the engagement area's buffered `ServeLog`). */
export interface ServedItemSink {
  log(items: readonly ServedItem[]): void;
}

/**
 * The logged features of one served item: the ranker's features by name, the head predictions, the
 * score, the retrieval sources, the experiment arms (`arm:<experiment>:<arm>` = 1) and
 * `exploration_slot` = 1 on an exploration-slot item, so any page can be replayed, every arm's items told
 * apart, and the slot's random picks (with their propensity) found for off-policy evaluation;
 * `session_served`, the items served earlier in the feed session, places the page in its session.
 */
export function servedFeatures(query: FeedQuery, c: Candidate): Record<string, number> {
  const out: Record<string, number> = {};
  const f = c.features;
  if (f) for (let i = 0; i < FEATURE_NAMES.length; i++) out[FEATURE_NAMES[i]!] = f[i]!;
  for (const [h, p] of Object.entries(c.heads ?? {})) out[`head:${h}`] = p;
  out.score = c.score;
  for (const s of c.sources) out[`source:${s.source}`] = s.rank;
  for (const a of query.arms) out[`arm:${a.experiment}:${a.arm}`] = 1;
  if (c.rules.some((r) => r.startsWith(`${EXPLORATION_SLOT_RULE} `))) out.exploration_slot = 1;
  // How deep into the feed session the page is (items served on its earlier pages; 0 on its first page):
  // part of the decision's context, as a viewer's reaction depends on what they watched before it.
  out.session_served = query.sessionSeen.size;
  return out;
}

/** Logs every served position with request id, versions, features and propensity; never blocks the page. */
export function serveLogSideEffect(sink: ServedItemSink): SideEffect {
  return {
    id: 'serve_log',
    blocking: false,
    async run(query: FeedQuery, page: readonly Candidate[], result: PipelineResult) {
      sink.log(
        page.map((c, position) => ({
          requestId: query.requestId,
          position,
          userId: query.userId ?? query.actor,
          videoId: c.video.id,
          modelVersion: result.modelVersion,
          indexVersion: query.index?.version ?? 'none',
          propensity: c.propensity,
          features: servedFeatures(query, c),
          servedAt: query.nowMs,
        })),
      );
    },
  };
}
