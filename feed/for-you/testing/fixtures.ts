import type { CatalogVideo } from '../../../retrieval/catalog.ts';
import { loadFeedConfig } from '../config.ts';
import { type Candidate, emptyViewer, type FeedQuery } from '../types.ts';

/** A fixed "now" for fixtures. */
export const NOW = 1_750_000_000_000;

/** A public catalogue video with overridable fields. */
export function video(id: string, o: Partial<CatalogVideo> = {}): CatalogVideo {
  return {
    id,
    authorId: `a-${id}`,
    privacy: 'public',
    hashtags: [],
    caption: '',
    createdAt: NOW - 3_600_000,
    durationMs: 15_000,
    version: 1,
    posterKey: null,
    stats: { views: 0, likes: 0, comments: 0, shares: 0 },
    ...o,
  };
}

/** A candidate of a video proposed by one source. */
export function candidate(v: CatalogVideo, o: Partial<Candidate> = {}): Candidate {
  return { video: v, sources: [{ source: 'test', rank: 0, score: 0 }], propensity: 1, score: 0, rules: [], ...o };
}

/** A signed-in viewer's query with the repository's feed settings. */
export function query(o: Partial<FeedQuery> = {}): FeedQuery {
  return {
    requestId: 'req-1',
    feedType: 'for_you',
    actor: 'u:viewer',
    userId: 'viewer',
    limit: 10,
    nowMs: NOW,
    sessionId: 'sess-1',
    sessionSeen: new Set(),
    settings: loadFeedConfig().defaults,
    arms: [],
    index: undefined,
    viewer: emptyViewer(),
    ...o,
  };
}

/** Ids of candidates, for compact assertions. */
export const ids = (cs: readonly Candidate[]) => cs.map((c) => c.video.id);
