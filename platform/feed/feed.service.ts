import type { Cache } from '../../core/cache/ports.ts';
import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { canView, openToAnyone, recommendable } from '../../domain/access.ts';
import { assignArms, type FeedConfig, settingsFor } from '../../feed/for-you/config.ts';
import { liveStateHydrator } from '../../feed/for-you/hydrators/live-state.hydrator.ts';
import { feedSettingsSlots } from '../../feed/for-you/pipelines.ts';
import { withoutSeenLedger } from '../../feed/for-you/reserve-policy.ts';
import { sessionKey } from '../../feed/for-you/side-effects/session-seen.side-effect.ts';
import { TWO_TOWER_SETTINGS } from '../../feed/for-you/sources/two-tower.source.ts';
import {
  type ArmAssignment,
  type Candidate,
  emptyViewer,
  type FeedQuery,
  type FeedType,
  type PipelineConfig,
  type PipelineResult,
} from '../../feed/for-you/types.ts';
import { runPipeline } from '../../feed/pipeline/runner.ts';
import { settingsOf } from '../../feed/pipeline/settings.ts';
import type { Catalog, CatalogStats } from '../../retrieval/catalog.ts';
import type { Retrieval } from '../../retrieval/service/ports.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { FeedTelemetry, PageFallbackReason } from './feed.telemetry.ts';
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
  index_size: number;
  explain?: Record<string, unknown>;
}

/** Spare picks the fallback page takes per slot, so a few dropped by the live re-read still fill it. */
const FALLBACK_SPARE = 3;

/** Whether a video's live row may be on the fallback page: ready, kept, public and recommendable. */
function liveServable(live: NonNullable<Candidate['live']>): boolean {
  const video = {
    privacy: live.privacy,
    authorPrivate: live.authorPrivate,
    ...(live.moderation !== undefined ? { moderation: live.moderation } : {}),
  };
  return live.status === 'ready' && !live.deleted && openToAnyone(video) && recommendable(video);
}

/** What the service needs. `counts` reads live counters (the engagement area's VideoCounters). */
export interface FeedServiceDeps {
  metadata: SqlExecutor;
  cache: Cache;
  clock: Clock;
  secret: string;
  /** PUBLIC_BASE_URL: playback URLs are absolute under it, as in `GET /videos/:id`. */
  publicBaseUrl: string;
  /** Lifetime of the playback tokens on non-public items (PLAYBACK_TOKEN_TTL_S); the default when unset. */
  playbackTokenTtlS?: number;
  catalog: Catalog;
  /** The index a request searches: production's, or the version its arm pins (`sources.two_tower.model_version`). */
  retrieval: Pick<Retrieval, 'view'>;
  config: () => FeedConfig;
  pipelines: Record<FeedType, PipelineConfig>;
  counts?: (videoIds: readonly string[]) => Promise<Map<string, CatalogStats>>;
  /** Told every stage, component and fallback; every part served from a default is logged and counted. */
  telemetry: FeedTelemetry;
  /**
   * The cache's circuit breaker (`FeedBreakers`): while it is open (Redis down or stalled), For You
   * serves the fallback page at once instead of running a pipeline whose every cache step would fail.
   */
  breakers?: { cache: { readonly open: boolean } };
  /** Told each non-empty page's arms before it is returned (experiment exposure logging). */
  onServed?: (actor: string, arms: readonly ArmAssignment[], nowMs: number) => Promise<void>;
}

/**
 * Builds feed pages: resolves the session from the cursor, buckets the viewer into experiment arms,
 * runs the pipeline and turns the page into API items. Anything that still throws (a bug, a backend
 * outage the pipeline could not absorb) yields the fallback page, popular + recent: never a 5xx; so does
 * For You while the cache's circuit is open (Redis down: no session set, seen ledger or exposure counts
 * to build a page from), the page named in `explain.page_fallback`. What
 * was served from a default instead is logged and counted (`foryou_feed_fallbacks_total`,
 * `foryou_errors_total{component="feed"}`).
 */
export class FeedService {
  readonly #d: FeedServiceDeps;
  /** The feed's settings slots, to relax the seen ledger for a viewer who has seen everything. */
  readonly #slots = feedSettingsSlots();
  readonly #authors: AuthorDirectory;

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
    const cacheDown = req.feedType === 'for_you' && d.breakers?.cache.open === true;
    let sessionKnown = !cacheDown;
    const sessionSeen = new Set(
      cacheDown
        ? []
        : await d.cache.sMembers(sessionKey(cursor.s)).catch((err) => {
            sessionKnown = false;
            d.telemetry.failed(err, 'reading the session set failed; the page may repeat items', {
              requestId: req.requestId,
            });
            return [] as string[];
          }),
    );
    const arms = assignArms(config, req.actor);
    const settings = settingsFor(config, arms);
    // An arm's pinned retrieval version once loaded; production until then (the serve log says which).
    const pin = settingsOf(settings, TWO_TOWER_SETTINGS).model_version;
    const index = d.retrieval.view(pin);
    const query: FeedQuery = {
      requestId: req.requestId,
      feedType: req.feedType,
      actor: req.actor,
      ...(req.userId ? { userId: req.userId } : {}),
      limit: req.limit,
      nowMs,
      sessionId: cursor.s,
      sessionSeen,
      settings,
      arms,
      index,
      viewer: emptyViewer(),
    };
    const pipeline = d.pipelines[req.feedType];
    // Without the session set the fallback page skips the picks of the session's earlier pages instead.
    const skip = sessionKnown ? 0 : (cursor.p + 1) * req.limit;
    let pageFallback: PageFallbackReason | undefined;
    let result: PipelineResult;
    if (cacheDown) {
      pageFallback = 'cache_unavailable';
      const err = new Error('the cache is unavailable (circuit open)');
      d.telemetry.pageFallback(pipeline.id, pageFallback, req.requestId, err);
      result = await this.#fallback(query, err, skip);
    } else {
      try {
        result = await runPipeline(pipeline, query, d.telemetry.observer);
      } catch (err) {
        pageFallback = 'pipeline_error';
        d.telemetry.pageFallback(pipeline.id, pageFallback, req.requestId, err);
        result = await this.#fallback(query, err, skip);
      }
    }
    // A viewer shown everything the seen ledger excludes (a small catalogue, a heavy user): rank again
    // without the ledger, so what they saw longest ago comes back personalised (counted as a fallback).
    const relaxed =
      !cacheDown && result.page.length === 0 && req.feedType === 'for_you' && withoutSeenLedger(this.#slots, settings);
    if (relaxed) {
      pageFallback = 'seen_exhausted';
      d.telemetry.pageFallback(pipeline.id, pageFallback, req.requestId, new Error('every candidate was seen'));
      try {
        result = await runPipeline(
          pipeline,
          { ...query, settings: relaxed, viewer: emptyViewer() },
          d.telemetry.observer,
        );
      } catch (err) {
        pageFallback = 'pipeline_error';
        d.telemetry.pageFallback(pipeline.id, pageFallback, req.requestId, err);
        result = await this.#fallback(query, err, skip);
      }
    }
    // Every source timing out (a stalled backend, an overloaded node) leaves For You empty; the fallback
    // page still has something the viewer has not seen. An empty Following feed is a real answer.
    if (result.page.length === 0 && req.feedType === 'for_you' && !cacheDown) {
      const failed = result.trace.errors.map((e) => e.component);
      const err = new Error(
        `the pipeline found nothing to show${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}`,
      );
      pageFallback = 'empty_page';
      d.telemetry.pageFallback(pipeline.id, pageFallback, req.requestId, err);
      result = await this.#fallback(query, err, skip);
    }
    const items = await this.#items(result.page, nowMs, req.explain, req.userId, req.requestId);
    if (items.length > 0 && arms.length > 0 && !cacheDown) await d.onServed?.(req.actor, arms, nowMs);
    const next = { s: cursor.s, p: cursor.p + 1, t: nowMs };
    return {
      request_id: req.requestId,
      items,
      next_cursor: items.length > 0 ? encodeCursor(d.secret, next, bind) : null,
      model_version: result.modelVersion,
      index_version: query.index?.version ?? 'none',
      index_size: query.index?.size ?? 0,
      ...(req.explain
        ? { explain: { arms, ...explainTrace(result), ...(pageFallback ? { page_fallback: pageFallback } : {}) } }
        : {}),
    };
  }

  /**
   * Popular and recent public videos not yet served in the session, interleaved; none of a blocked author.
   * The catalogue may be seconds behind, so the picks are re-read live (a video deleted, made private or
   * removed by a moderator since is dropped); when that read fails too, the catalogue's view serves.
   */
  async #fallback(query: FeedQuery, err: unknown, skip = 0): Promise<PipelineResult> {
    const d = this.#d;
    const picked = new Map<string, Candidate>();
    const popular = d.catalog.popular();
    const newest = d.catalog.newest();
    const want = query.limit * FALLBACK_SPARE;
    // `skip` servable picks are passed over first: the earlier pages of a session whose set is unknown.
    const passed = new Set<string>();
    for (let i = 0; picked.size < want && (i < popular.length || i < newest.length); i++) {
      for (const v of [popular[i], newest[i]]) {
        if (!v || query.sessionSeen.has(v.id) || picked.has(v.id) || passed.has(v.id)) continue;
        // Public and recommendable only (the fallback has no fresh relations to judge the rest by), never a
        // blocked author's.
        const relation = { follows: false, mutual: false, blocked: query.viewer.blockedAuthors.has(v.authorId) };
        const access = { ...v, authorPrivate: v.authorPrivate ?? false };
        if (!openToAnyone(access) || !recommendable(v) || !canView(query.userId, access, relation)) continue;
        if (picked.size >= want) break;
        if (passed.size < skip) {
          passed.add(v.id);
          continue;
        }
        picked.set(v.id, {
          video: v,
          sources: [{ source: 'fallback', rank: picked.size, score: 0 }],
          propensity: 1,
          score: 0,
          rules: ['fallback_page'],
        });
      }
    }
    let candidates = [...picked.values()];
    try {
      await liveStateHydrator(d.metadata).hydrate(query, candidates);
      candidates = candidates.filter((c) => !c.live || liveServable(c.live));
    } catch (liveErr) {
      d.telemetry.failed(liveErr, 'the fallback page could not be re-read live; serving the catalogue view', {
        requestId: query.requestId,
      });
    }
    const page = candidates.slice(0, query.limit);
    await d.cache
      .sAdd(
        sessionKey(query.sessionId),
        page.map((c) => c.video.id),
        d.config().sessionTtlS * 1000,
      )
      .catch((err) =>
        d.telemetry.failed(err, 'storing the fallback page in the session failed; the next page may repeat it', {
          requestId: query.requestId,
        }),
      );
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

  async #items(
    page: readonly Candidate[],
    nowMs: number,
    explain: boolean,
    viewer: string | undefined,
    requestId: string,
  ): Promise<FeedItem[]> {
    const d = this.#d;
    const ids = page.map((c) => c.video.id);
    const orDefault =
      <T>(fallback: T, what: string) =>
      (err: unknown): T => {
        d.telemetry.failed(err, `reading ${what} failed; items served without them`, { requestId });
        return fallback;
      };
    const [authors, counts, liked] = await Promise.all([
      this.#authors
        .get(page.map((c) => c.video.authorId))
        .catch(orDefault(new Map<string, FeedItem['author']>(), 'authors')),
      (d.counts ? d.counts(ids) : Promise.resolve(new Map<string, CatalogStats>())).catch(
        orDefault(new Map<string, CatalogStats>(), 'live counters'),
      ),
      likedBy(d.metadata, viewer, ids).catch(orDefault(new Set<string>(), 'likes')),
    ]);
    return page.map((c) => ({
      id: c.video.id,
      playback: playbackUrls(c.video, {
        secret: d.secret,
        nowMs,
        viewerId: viewer,
        publicBaseUrl: d.publicBaseUrl,
        ...(d.playbackTokenTtlS ? { tokenTtlS: d.playbackTokenTtlS } : {}),
      }),
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
