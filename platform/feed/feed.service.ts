import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { assignArms, type FeedConfig, settingsFor } from '../../feed/for-you/config.ts';
import { sessionKey } from '../../feed/for-you/side-effects/session-seen.side-effect.ts';
import {
  type Candidate,
  emptyViewer,
  type FeedQuery,
  type FeedType,
  type PipelineConfig,
  type PipelineResult,
} from '../../feed/for-you/types.ts';
import { runPipeline } from '../../feed/pipeline/runner.ts';
import type { Catalog, CatalogStats } from '../../retrieval/catalog.ts';
import type { IndexHolder } from '../../retrieval/index-holder.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { AuthorDirectory, explainItem, explainTrace, type FeedItem, likedBy, playbackUrls } from './items.ts';

/** A feed request after HTTP validation. */
export interface FeedRequest {
  requestId: string;
  feedType: FeedType;
  actor: string;
  userId?: string;
  limit: number;
  cursor?: string;
  explain: boolean;
}

/** The response body of GET /feed. */
export interface FeedPage {
  request_id: string;
  items: FeedItem[];
  next_cursor: string | null;
  model_version: string;
  index_version: string;
  explain?: Record<string, unknown>;
}

/** What the service needs. `counts` reads live counters (the engagement area's VideoCounters). */
export interface FeedServiceDeps {
  metadata: SqlExecutor;
  cache: Cache;
  clock: Clock;
  secret: string;
  catalog: Catalog;
  index: IndexHolder;
  config: () => FeedConfig;
  pipelines: Record<FeedType, PipelineConfig>;
  counts?: (videoIds: readonly string[]) => Promise<Map<string, CatalogStats>>;
}

/**
 * Builds feed pages: resolves the session from the cursor, buckets the viewer into experiment arms,
 * runs the pipeline and turns the page into API items. Anything that still throws (a bug, a backend
 * outage the pipeline could not absorb) yields the fallback page, popular + recent: never a 5xx.
 */
export class FeedService {
  readonly #d: FeedServiceDeps;
  readonly #authors: AuthorDirectory;
  /** Pages answered from the fallback because the pipeline threw. */
  fallbacks = 0;

  constructor(deps: FeedServiceDeps) {
    this.#d = deps;
    this.#authors = new AuthorDirectory(deps.metadata);
  }

  async page(req: FeedRequest): Promise<FeedPage> {
    const d = this.#d;
    const config = d.config();
    const nowMs = d.clock.now();
    const bind = { actor: req.actor, feedType: req.feedType };
    const cursor = req.cursor
      ? decodeCursor(d.secret, req.cursor, bind, { nowMs, maxAgeMs: config.sessionTtlS * 1000 })
      : { s: newId(nowMs), p: -1, t: nowMs };
    const sessionSeen = new Set(await d.cache.sMembers(sessionKey(cursor.s)).catch(() => [] as string[]));
    const arms = assignArms(config, req.actor);
    const query: FeedQuery = {
      requestId: req.requestId,
      feedType: req.feedType,
      actor: req.actor,
      ...(req.userId ? { userId: req.userId } : {}),
      limit: req.limit,
      nowMs,
      sessionId: cursor.s,
      sessionSeen,
      settings: settingsFor(config, arms),
      arms,
      index: d.index.current(),
      viewer: emptyViewer(),
    };
    let result: PipelineResult;
    try {
      result = await runPipeline(d.pipelines[req.feedType], query);
    } catch (err) {
      this.fallbacks++;
      result = await this.#fallback(query, err);
    }
    // Every source timing out (a stalled backend, an overloaded node) leaves For You empty; the fallback
    // page still has something the viewer has not seen. An empty Following feed is a real answer.
    if (result.page.length === 0 && req.feedType === 'for_you') {
      const failed = result.trace.errors.map((e) => e.component);
      this.fallbacks++;
      result = await this.#fallback(
        query,
        new Error(`the pipeline found nothing to show${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}`),
      );
    }
    const items = await this.#items(result.page, nowMs, req.explain, req.userId);
    const next = { s: cursor.s, p: cursor.p + 1, t: nowMs };
    return {
      request_id: req.requestId,
      items,
      next_cursor: items.length > 0 ? encodeCursor(d.secret, next, bind) : null,
      model_version: result.modelVersion,
      index_version: query.index?.version ?? 'none',
      ...(req.explain ? { explain: { arms, ...explainTrace(result) } } : {}),
    };
  }

  /** Popular and recent public videos not yet served in the session, interleaved. */
  async #fallback(query: FeedQuery, err: unknown): Promise<PipelineResult> {
    const d = this.#d;
    const picked = new Map<string, Candidate>();
    const popular = d.catalog.popular();
    const newest = d.catalog.newest();
    for (let i = 0; picked.size < query.limit && (i < popular.length || i < newest.length); i++) {
      for (const v of [popular[i], newest[i]]) {
        if (v?.privacy !== 'public' || query.sessionSeen.has(v.id) || picked.has(v.id)) continue;
        if (picked.size >= query.limit) break;
        picked.set(v.id, {
          video: v,
          sources: [{ source: 'fallback', rank: picked.size, score: 0 }],
          propensity: 1,
          score: 0,
          rules: ['fallback_page'],
        });
      }
    }
    const page = [...picked.values()];
    await d.cache
      .sAdd(
        sessionKey(query.sessionId),
        page.map((c) => c.video.id),
        d.config().sessionTtlS * 1000,
      )
      .catch(() => {});
    return {
      page,
      trace: {
        stages: {},
        sources: {},
        removed: {},
        errors: [{ component: 'pipeline', message: (err as Error).message }],
        scorer: 'fallback-page',
        candidates: page.length,
      },
      modelVersion: 'fallback-page',
    };
  }

  async #items(page: readonly Candidate[], nowMs: number, explain: boolean, viewer?: string): Promise<FeedItem[]> {
    const d = this.#d;
    const ids = page.map((c) => c.video.id);
    const [authors, counts, liked] = await Promise.all([
      this.#authors.get(page.map((c) => c.video.authorId)).catch(() => new Map<string, FeedItem['author']>()),
      (d.counts ? d.counts(ids) : Promise.resolve(new Map<string, CatalogStats>())).catch(
        () => new Map<string, CatalogStats>(),
      ),
      likedBy(d.metadata, viewer, ids).catch(() => new Set<string>()),
    ]);
    return page.map((c) => ({
      id: c.video.id,
      playback: playbackUrls(c.video, { secret: d.secret, nowMs }),
      author: authors.get(c.video.authorId) ?? { id: c.video.authorId, handle: 'unknown', display_name: 'Unknown' },
      caption: c.video.caption,
      hashtags: c.video.hashtags,
      duration_ms: c.video.durationMs,
      stats: counts.get(c.video.id) ?? c.video.stats,
      created_at: c.video.createdAt,
      liked_by_me: liked.has(c.video.id),
      ...(explain ? { explain: explainItem(c) } : {}),
    }));
  }
}
