import { type FeatureState, strongestTags } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import { viewAffinity } from '../../../feature-store/signals.ts';
import type { Catalog } from '../../../retrieval/catalog.ts';
import type { FeedQuery, QueryHydrator, TopicEvidence } from '../types.ts';
import { viewerStateOf } from './viewer-state.ts';

/** Learned tags the viewer context keeps (strongest first). */
export const LEARNED_TAGS = 8;

/**
 * Per hashtag: what the viewer's last views of it said (the sum of each view's affinity, `viewAffinity`)
 * and how many of those views carried it (the topic bandit's evidence). Affinity and impressions cover
 * the same views (the feature store keeps each viewer's newest 50), so their ratio is an affinity per
 * impression however long the history is, and it follows a taste that moves. Without the catalogue the
 * views' hashtags are unknown (no evidence).
 */
export function topicEvidenceOf(
  state: FeatureState,
  query: Pick<FeedQuery, 'actor' | 'nowMs'>,
  catalog?: Pick<Catalog, 'get'>,
): Map<string, TopicEvidence> {
  const out = new Map<string, TopicEvidence>();
  const us = state.users.get(query.actor);
  if (!us || !catalog) return out;
  for (const [videoId, view] of us.views) {
    const tags = catalog.get(String(videoId))?.hashtags ?? [];
    if (tags.length === 0) continue;
    const a = viewAffinity(view);
    for (const t of new Set(tags.map((x) => x.toLowerCase()))) {
      const e = out.get(t) ?? { affinity: 0, shown: 0 };
      e.affinity += a;
      e.shown++;
      out.set(t, e);
    }
  }
  return out;
}

/**
 * The viewer's recent engagement history, recent impressions, the tags their engagement favours and
 * the per-hashtag evidence of the topic bandit, from the online feature store.
 */
export function historyHydrator(featureStore: FeatureStore, catalog?: Pick<Catalog, 'get'>): QueryHydrator {
  return {
    id: 'history',
    async hydrate(query) {
      const [history, state] = await Promise.all([
        featureStore.history(query.actor),
        viewerStateOf(featureStore, query),
      ]);
      const recent = state.users.get(query.actor)?.recent ?? [];
      return {
        history,
        recentImpressions: new Set(recent.map((r) => String(r.video))),
        learnedTags: strongestTags(state, query.actor, query.nowMs, LEARNED_TAGS),
        topicEvidence: topicEvidenceOf(state, query, catalog),
      };
    },
  };
}
