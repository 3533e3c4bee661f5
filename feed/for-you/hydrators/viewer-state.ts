import type { FeatureState } from '../../../feature-store/definitions.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import type { FeedQuery } from '../types.ts';

const memo = new WeakMap<FeedQuery, Promise<FeatureState>>();

/**
 * The viewer's feature state (their user row and the global counters), read once per request: the
 * history hydrator (recent impressions) and the features hydrator (user features) both need it.
 */
export function viewerStateOf(featureStore: FeatureStore, query: FeedQuery): Promise<FeatureState> {
  let p = memo.get(query);
  if (!p) {
    p = featureStore.loadState({ users: [query.actor], videos: [] });
    memo.set(query, p);
  }
  return p;
}
