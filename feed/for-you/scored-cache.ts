import type { RankerHolder } from '../../ranking/ranker-holder.ts';
import type { Catalog } from '../../retrieval/catalog.ts';
import type { ScoredCache } from '../pipeline/types.ts';
import { topicLeaders } from './topic-bandit.ts';
import type { Candidate, FeedQuery } from './types.ts';

/** How long a viewer's scored list serves their next pages; global signals (counters, trending) lag by up to this. */
export const SCORED_CACHE_TTL_MS = 10_000;
/** Viewers whose lists are kept (least recently stored dropped first, and every list once expired). */
const MAX_VIEWERS = 1_000;
/** Best-scored candidates kept per viewer: a session's next three pages of 10 with room for the filters. */
const KEEP = 60;

const joined = (s: Iterable<string>) => [...s].join(',');

/**
 * What the scored list was built from, of the viewer: the experiment arms, the index and ranker
 * versions, the social graph, blocks, "not interested" marks, picked and learned interests, and the
 * newest like or completed watch. A like, a long view, a follow or a block therefore rebuilds the list
 * on the next page; plain watches and skips reach it when the list expires.
 */
export function scoredListKey(query: FeedQuery, rankerVersion: string): string {
  const v = query.viewer;
  let strong = 0;
  let last = '';
  for (const h of v.history) {
    if (h.kind !== 'like' && h.kind !== 'complete') continue;
    strong++;
    last = `${h.kind}:${h.video}@${h.timeMs}`;
  }
  return [
    query.feedType,
    query.index?.version ?? '-',
    rankerVersion,
    query.arms.map((a) => `${a.experiment}=${a.arm}`).join(','),
    `${strong}:${last}`,
    joined(v.following),
    joined(v.friends),
    joined(v.blockedAuthors),
    joined(v.notInterestedVideos),
    joined(v.notInterestedAuthors),
    v.interests.join(','),
    v.learnedTags.join(','),
    topicLeaders(query, 3).join(','),
  ].join('|');
}

interface Stored {
  key: string;
  at: number;
  modelVersion: string;
  /** Scored candidates (no live state, no rules a reranker added) with the score and rules they were stored with. */
  items: { c: Candidate; score: number; rules: string[] }[];
}

/**
 * For You's per-viewer scored list (`ScoredCache`), in process. On a hit every candidate's video is
 * read again from the catalogue (one deleted or removed since is dropped; privacy and labels are
 * current), and the filters, the rerankers and the live page guard run again on the copies.
 */
export function viewerScoredCache(opts: {
  catalog: Pick<Catalog, 'get'>;
  ranker: Pick<RankerHolder, 'current'>;
  ttlMs?: number;
  maxViewers?: number;
  keep?: number;
  /** Monotonic ms (tests pass their own). */
  now?: () => number;
}): ScoredCache<FeedQuery, Candidate> & { readonly size: number } {
  const ttl = opts.ttlMs ?? SCORED_CACHE_TTL_MS;
  const max = opts.maxViewers ?? MAX_VIEWERS;
  const keep = opts.keep ?? KEEP;
  const now = opts.now ?? (() => performance.now());
  const byViewer = new Map<string, Stored>();
  return {
    id: 'viewer_scored',
    get size() {
      return byViewer.size;
    },
    key(query) {
      if (ttl <= 0) return undefined;
      return scoredListKey(query, opts.ranker.current()?.version ?? '-');
    },
    get(key, query) {
      const e = byViewer.get(query.actor);
      if (!e || e.key !== key || now() - e.at > ttl) return undefined;
      const out: Candidate[] = [];
      for (const { c, score, rules } of e.items) {
        const video = opts.catalog.get(c.video.id);
        if (video) out.push({ ...c, video, score, rules: [...rules] });
      }
      return { scored: out, modelVersion: e.modelVersion };
    },
    set(key, scored, query, modelVersion) {
      const items: Stored['items'] = [];
      scored.forEach((c, i) => {
        // Exploration picks are kept whatever their score: the exploration slot places them.
        if (i >= keep && !(c.propensity < 1 && c.sources.length === 1)) return;
        const { live: _live, ...copy } = c;
        // The features are a view into the whole request's feature buffer (every ranked candidate's
        // row); a copy of the kept row lets that buffer go with the request.
        if (copy.features) copy.features = copy.features.slice();
        items.push({ c: { ...copy, rules: [] }, score: c.score, rules: [...c.rules] });
      });
      const t = now();
      byViewer.delete(query.actor);
      // Lists are in the order they were stored: expired ones are dropped from the front, so the map
      // holds the viewers of the last `ttl` ms, not the last `max` viewers whatever their age.
      for (const [actor, e] of byViewer) {
        if (t - e.at <= ttl && byViewer.size < max) break;
        byViewer.delete(actor);
      }
      byViewer.set(query.actor, { key, at: t, modelVersion, items });
    },
  };
}
