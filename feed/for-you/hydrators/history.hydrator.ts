import { strongestTags } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import type { QueryHydrator } from '../types.ts';
import { viewerStateOf } from './viewer-state.ts';

/** Learned tags the viewer context keeps (strongest first). */
export const LEARNED_TAGS = 8;

/**
 * The viewer's recent engagement history, recent impressions and the tags their engagement favours,
 * from the online feature store.
 */
export function historyHydrator(featureStore: FeatureStore): QueryHydrator {
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
      };
    },
  };
}
