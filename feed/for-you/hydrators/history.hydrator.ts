import { decayedValue, type FeatureState, strongestTags } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import type { Catalog } from '../../../retrieval/catalog.ts';
import type { FeedQuery, QueryHydrator, TopicEvidence } from '../types.ts';
import { viewerStateOf } from './viewer-state.ts';

/** Learned tags the viewer context keeps (strongest first). */
export const LEARNED_TAGS = 8;

/**
 * Per hashtag: the viewer's decayed affinity and how many of their recent impressions carried it (the
 * topic bandit's evidence). Without the catalogue the impressions' hashtags are unknown (counts 0).
 */
export function topicEvidenceOf(
  state: FeatureState,
  query: Pick<FeedQuery, 'actor' | 'nowMs'>,
  catalog?: Pick<Catalog, 'get'>,
): Map<string, TopicEvidence> {
  const out = new Map<string, TopicEvidence>();
  const us = state.users.get(query.actor);
  if (!us) return out;
  const at = (t: string) => {
    let e = out.get(t);
    if (!e) {
      e = { affinity: 0, shown: 0 };
      out.set(t, e);
    }
    return e;
  };
  for (const [tag, a] of us.tagAffinity)
    at(String(tag).toLowerCase()).affinity += decayedValue(a, state.config.affinityHalfLifeMs, query.nowMs);
  if (catalog)
    for (const r of us.recent)
      for (const t of catalog.get(String(r.video))?.hashtags ?? []) at(t.toLowerCase()).shown++;
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
