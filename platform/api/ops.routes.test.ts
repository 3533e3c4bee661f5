import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsText } from '../../core/testing/telemetry.ts';
import { waitFor } from '../../core/testing/wait-for.ts';
import { buildFeedTestApp, type FeedTestApp, seedVideos } from '../feed/testing/feed-app.ts';
import { setRole } from './auth/users.repo.ts';
import type { OpsStatus } from './ops-status.ts';
import { METRICS_AUTH } from './testing/harness.ts';

describe('GET /api/v1/ops/status', () => {
  let t: FeedTestApp;
  let admin: string;
  let user: string;
  let moderator: string;

  beforeAll(async () => {
    t = await buildFeedTestApp(
      'ops-status',
      () => ({ loadRanker: async () => Promise.reject(new Error('no ranker artifact under models/ranker/r1')) }),
      { config: { ADMIN_HANDLES: 'Night_Operator, someone_else' } },
    );
    admin = (await t.register('night_operator')).token;
    user = (await t.register('just_a_viewer')).token;
    moderator = (await t.register('a_moderator')).token;
    await setRole(t.deps.metadata, 'a_moderator', 'moderator');
    const author = await t.register('ops_creator');
    await seedVideos(
      t.deps.metadata,
      Array.from({ length: 5 }, (_, i) => ({ authorId: author.id, createdAt: Date.now() - i * 60_000 })),
    );
    // Both models promoted, neither loadable: the ranker's loader fails, the two-tower version has no index.
    const now = Date.now();
    for (const [name, version] of [
      ['ranker', 'r1'],
      ['two_tower', 'tt1'],
    ] as const) {
      await t.deps.metadata.run(
        `INSERT INTO models (id, name, version, stage, artifact_prefix, created_at, promoted_at)
         VALUES ($1, $2, $3, 'production', $4, $5, $5)`,
        [`${name}-${version}`, name, version, `models/${name}/${version}`, now],
      );
    }
    await waitFor(
      'the watchers and the index maintainer to catch up',
      () =>
        t.runtime.rankerWatcher.status().rejected.length > 0 &&
        t.runtime.retrievalWatcher.status().rejected.length > 0 &&
        t.runtime.index.current()?.ids.length === 5,
      10_000,
    );
  });
  afterAll(async () => t?.cleanup());

  const get = (token?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/status',
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });

  it('answers 401 UNAUTHENTICATED without a token', async () => {
    const res = await get();
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('answers 403 FORBIDDEN to a user and to a moderator', async () => {
    for (const token of [user, moderator]) {
      const res = await get(token);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { required: 'admin' } });
    }
  });

  it('shows an admin (from ADMIN_HANDLES) the rejected versions with their errors, the index, lag and queues', async () => {
    const res = await get(admin);
    expect(res.statusCode).toBe(200);
    const body = res.json() as OpsStatus;
    const models = Object.fromEntries(body.models.map((m) => [m.name, m]));
    expect(models.ranker).toMatchObject({
      stage: 'production',
      loaded_version: null,
      last_error: 'no ranker artifact under models/ranker/r1',
      rejected: [{ version: 'r1', error: 'no ranker artifact under models/ranker/r1' }],
    });
    expect(models.two_tower!.rejected[0]).toMatchObject({
      version: 'tt1',
      error: expect.stringMatching(/no ANN index/),
    });
    // With no trained index, the maintainer serves a content index of the catalogue.
    expect(body.index).toMatchObject({ version: 'content-5', size: 5, dims: 64 });
    expect(body.index!.age_s).toBeGreaterThanOrEqual(0);
    expect(body.consumers.map((c) => c.group).sort()).toEqual(['engagement-features', 'engagement-views']);
    expect(body.event_log).toMatchObject({ topic: 'engagement', end_offsets: [expect.any(Number)] });
    expect(body.queues).toEqual([
      { queue: 'media', depth: { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 } },
    ]);
    expect(body.uptime_s).toBeGreaterThanOrEqual(0);
    expect(body.unavailable).toEqual([]);
  });

  it('counts the rejected loads at /metrics', async () => {
    const m = parseMetricsText((await t.app.inject({ url: '/metrics', headers: METRICS_AUTH })).body);
    expect(m.get('foryou_model_loads_total{name="ranker",outcome="rejected"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('foryou_model_loads_total{name="two_tower",outcome="rejected"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('foryou_errors_total{component="model-watcher"}')).toBeGreaterThanOrEqual(2);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await t.app.inject('/docs/json')).json();
    const op = doc.paths['/api/v1/ops/status'].get;
    expect(op.tags).toEqual(['ops']);
    const schema = op.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['models', 'index', 'consumers', 'queues', 'event_log', 'uptime_s']),
    );
  });
});
