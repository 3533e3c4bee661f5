import type { FastifyInstance } from 'fastify';
import { newId } from '../../../core/ids.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import type { Telemetry } from '../../../core/telemetry/telemetry.ts';
import { openFeatureStore } from '../../../feature-store/open.ts';
import type { FeatureStore } from '../../../feature-store/ports.ts';
import type { AppDeps } from '../../api/deps.ts';
import { buildTestApp } from '../../api/testing/harness.ts';
import { engagementRoutes } from '../../engagement/engagement.routes.ts';
import { ServeLog } from '../../engagement/serve-log.ts';
import { feedRoutes } from '../feed.routes.ts';
import { createFeedRuntime, type FeedRuntime, type FeedRuntimeOptions } from '../feed-runtime.ts';

/** A built (not listening) app with the feed and engagement areas over fresh embedded backends. */
export interface FeedTestApp {
  app: FastifyInstance;
  deps: AppDeps;
  featureStore: FeatureStore;
  runtime: FeedRuntime;
  serveLog: ServeLog;
  register(handle: string): Promise<{ id: string; token: string }>;
  cleanup(): Promise<void>;
}

/**
 * Builds the test app; `over` replaces runtime options (a failing cache, no feature store…), `opts`
 * sets config variables and the telemetry (one that keeps its log lines).
 */
export async function buildFeedTestApp(
  name: string,
  over: (deps: AppDeps) => Partial<FeedRuntimeOptions> = () => ({}),
  opts: { config?: Record<string, string>; telemetry?: Telemetry } = {},
): Promise<FeedTestApp> {
  // The feed area is mounted below with a runtime the test controls (fast refresh, injected failures).
  const t = await buildTestApp('embedded', name, opts.config ?? {}, {
    skipAreas: ['feed'],
    ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
  });
  const featureStore = await openFeatureStore('sqlite://:memory:');
  const serveLog = new ServeLog(t.deps, { flushMs: 50 });
  const runtime = createFeedRuntime({
    ...t.deps,
    featureStore,
    serveLog,
    publicBaseUrl: t.deps.config.PUBLIC_BASE_URL,
    catalogRefreshMs: 100,
    modelPollMs: 100,
    ...(t.deps.config.FEED_CONFIG_DIR ? { feedConfigDir: t.deps.config.FEED_CONFIG_DIR } : {}),
    ...over(t.deps),
  });
  await runtime.start();
  await t.app.register(feedRoutes({ ...t.deps, featureStore, feedRuntime: runtime }), { prefix: '/api/v1' });
  // buildApp may already mount the engagement area; mount it here only when it does not.
  if (!t.routes.some((r) => r.url === '/api/v1/videos/:id/like')) {
    await t.app.register(engagementRoutes({ ...t.deps, featureStore, counters: runtime.counters }), {
      prefix: '/api/v1',
    });
  }
  await t.app.ready();
  return {
    app: t.app,
    deps: t.deps,
    featureStore,
    runtime,
    serveLog,
    async register(handle) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { handle, password: 'correct horse battery' },
      });
      if (res.statusCode !== 201) throw new Error(`register ${handle}: ${res.statusCode} ${res.body}`);
      const body = res.json() as { user: { id: string }; token: string };
      return { id: body.user.id, token: body.token };
    },
    async cleanup() {
      await runtime.close();
      await serveLog.close().catch(() => {});
      await featureStore.close();
      await t.cleanup();
    },
  };
}

/** Inserts ready videos (processed now, so the catalogue's incremental refresh sees them) and returns their ids. */
export async function seedVideos(
  db: MetadataStore,
  videos: readonly { authorId: string; createdAt: number; hashtags?: string[]; privacy?: string; id?: string }[],
): Promise<string[]> {
  const ids: string[] = [];
  await db.transaction(async (tx) => {
    for (const v of videos) {
      const id = v.id ?? newId(v.createdAt);
      ids.push(id);
      await tx.run(
        `INSERT INTO videos (id, author_id, hashtags, privacy, status, duration_ms, renditions, poster_key, version, created_at, processed_at, caption)
         VALUES ($1, $2, $3, $4, 'ready', 15000, '[]', $5, 1, $6, $7, $8)`,
        [
          id,
          v.authorId,
          JSON.stringify(v.hashtags ?? []),
          v.privacy ?? 'public',
          `videos/${id}/v1/thumbs/poster.jpg`,
          v.createdAt,
          Date.now(),
          `caption of ${id}`,
        ],
      );
      for (const t of v.hashtags ?? [])
        await tx.run('INSERT INTO video_hashtags (video_id, tag) VALUES ($1, $2)', [id, t]);
    }
  });
  return ids;
}
