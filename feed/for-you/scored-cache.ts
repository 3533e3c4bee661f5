import type { Cache } from '../../core/cache/ports.ts';
import type { RankerHolder } from '../../ranking/ranker-holder.ts';
import type { Catalog } from '../../retrieval/catalog.ts';
import type { ScoredCache } from '../pipeline/types.ts';
import { decodeScoredList, encodeScoredList, type StoredItem, sharedScoredKey } from './scored-list-codec.ts';
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
  items: StoredItem[];
}

/**
 * For You's per-viewer scored list (`ScoredCache`), in process, and in the shared cache when given. On a
 * hit every candidate's video is read again from the catalogue (one deleted or removed since is dropped;
 * privacy and labels are current), and the filters, the rerankers and the live page guard run again on
 * the copies. With `shared` (the Redis cache every API process reads), a list one process built serves
 * the viewer's next page on another: without it, a session whose pages reach two processes pays for
 * its list twice.
 */
export function viewerScoredCache(opts: {
  catalog: Pick<Catalog, 'get'>;
  ranker: Pick<RankerHolder, 'current'>;
  /** The cache the API processes share; a process's list is written to it and read on a miss here. */
  shared?: Pick<Cache, 'get' | 'set'>;
  /** Called when a write to or read of `shared` fails (the page is built without it). */
  onSharedError?: (err: unknown, what: string) => void;
  ttlMs?: number;
  maxViewers?: number;
  keep?: number;
  /** Monotonic ms (tests pass their own). */
  now?: () => number;
  /** Wall-clock ms, the age of a list another process stored (tests pass their own). */
  wallNow?: () => number;
}): ScoredCache<FeedQuery, Candidate> & { readonly size: number } {
  const ttl = opts.ttlMs ?? SCORED_CACHE_TTL_MS;
  const max = opts.maxViewers ?? MAX_VIEWERS;
  const keep = opts.keep ?? KEEP;
  const now = opts.now ?? (() => performance.now());
  const wallNow = opts.wallNow ?? Date.now;
  const { shared } = opts;
  const byViewer = new Map<string, Stored>();
  const copies = (e: Stored) => {
    const out: Candidate[] = [];
    for (const { c, score, rules } of e.items) {
      const video = opts.catalog.get(c.video.id);
      if (video) out.push({ ...c, video, score, rules: [...rules] });
    }
    return { scored: out, modelVersion: e.modelVersion };
  };
  const remember = (actor: string, e: Stored) => {
    const t = now();
    byViewer.delete(actor);
    // Lists are in the order they were stored: expired ones are dropped from the front, so the map
    // holds the viewers of the last `ttl` ms, not the last `max` viewers whatever their age.
    for (const [other, old] of byViewer) {
      if (t - old.at <= ttl && byViewer.size < max) break;
      byViewer.delete(other);
    }
    byViewer.set(actor, e);
  };
  // Another process's list for this key: kept here too, so this process's next pages read it locally.
  const readShared = async (key: string, actor: string) => {
    const text = await shared!.get(sharedScoredKey(actor)).catch((err: unknown) => {
      opts.onSharedError?.(err, 'reading the shared scored list failed; the list is rebuilt');
      return undefined;
    });
    const got = text === undefined ? undefined : decodeScoredList(text, key, opts.catalog.get.bind(opts.catalog));
    const age = got ? Math.max(0, wallNow() - got.atWallMs) : Number.POSITIVE_INFINITY;
    if (!got || age > ttl) return undefined;
    const e: Stored = { key, at: now() - age, modelVersion: got.modelVersion, items: got.items };
    remember(actor, e);
    return copies(e);
  };
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
      if (e && e.key === key && now() - e.at <= ttl) return copies(e);
      return shared ? readShared(key, query.actor) : undefined;
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
      remember(query.actor, { key, at: now(), modelVersion, items });
      // Best effort: another process that misses it rebuilds the list, as before.
      shared
        ?.set(sharedScoredKey(query.actor), encodeScoredList(key, wallNow(), modelVersion, items), ttl)
        .catch((err: unknown) => opts.onSharedError?.(err, 'storing the shared scored list failed'));
    },
  };
}
