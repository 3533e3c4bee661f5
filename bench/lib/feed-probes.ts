/**
 * bench:feed's probes beside the load: the per-stage breakdown (in-process pages with explain), how
 * soon a new upload is servable, and how soon a like reaches the viewer's next page.
 */
import { newId } from '../../core/ids.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { FeatureStore } from '../../feature-store/ports.ts';
import type { FeedRuntime } from '../../platform/feed/feed-runtime.ts';
import { median, quantile } from '../report.ts';
import type { SeededUser, SeededVideo } from './feed-seed.ts';

/**
 * Median (and p99) ms per stage and median per source over 100 in-process first pages with explain,
 * one after another before the load, and candidates ranked.
 */
export async function stageBreakdown(
  runtime: FeedRuntime,
  users: readonly SeededUser[],
  expectModel: string,
): Promise<{
  stages: Record<string, number>;
  stagesP99: Record<string, number>;
  sources: Record<string, number>;
  ranked: number;
}> {
  const stages: Record<string, number[]> = {};
  const sourceMs: Record<string, number[]> = {};
  const add = (m: Record<string, number[]>, k: string, ms: number) => {
    m[k] = [...(m[k] ?? []), ms];
  };
  const ranked: number[] = [];
  for (let i = 0; i < 100; i++) {
    const u = users[i % users.length]!;
    const page = await runtime.service.page({
      requestId: newId(),
      feedType: 'for_you',
      actor: `u:${u.id}`,
      userId: u.id,
      limit: 10,
      explain: true,
    });
    for (const [k, ms] of Object.entries((page.explain?.stages_ms ?? {}) as Record<string, number>)) {
      add(stages, k, ms);
    }
    for (const [k, s] of Object.entries((page.explain?.sources ?? {}) as Record<string, { ms: number }>)) {
      add(sourceMs, k, s.ms);
    }
    if (i === 0 && page.model_version !== expectModel) {
      throw new Error(`the feed served with ${page.model_version}, not ${expectModel}`);
    }
    ranked.push(Number(page.explain?.ranked ?? 0));
  }
  const medians = (m: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]));
  const p99 = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, quantile(v, 0.99)]));
  return { stages: medians(stages), stagesP99: p99, sources: medians(sourceMs), ranked: median(ranked) };
}

/** ms from a new ready video's commit until the catalogue and the index both hold it (p50 / max). */
export async function uploadServable(
  db: MetadataStore,
  runtime: FeedRuntime,
  authors: readonly SeededUser[],
  probes: number,
): Promise<{ p50: number; max: number }> {
  const servable: number[] = [];
  for (let i = 0; i < probes; i++) {
    const id = newId();
    const now = Date.now();
    await db.run(
      `INSERT INTO videos (id, author_id, hashtags, status, duration_ms, version, created_at, processed_at)
       VALUES ($1, $2, $3, 'ready', 15000, 1, $4, $4)`,
      [id, authors[i]!.id, JSON.stringify(['tag1']), now],
    );
    const s = performance.now();
    while (!(runtime.catalog.get(id) && runtime.index.current()?.keyOf.has(id)) && performance.now() - s < 60_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    servable.push(performance.now() - s);
  }
  return { p50: median(servable), max: Math.max(...servable) };
}

/**
 * A like through HTTP (`POST /videos/:id/like`, then the engagement log and the features consumer, which
 * the caller runs) until the viewer's next page is built with it: the feature store holds the like and
 * a page is requested, which must not come from the scored list stored before the like. Returns the p99
 * and the pages that were served from a stale list (must be 0).
 */
export async function likeToNextPage(opts: {
  base: string;
  featureStore: FeatureStore;
  viewers: readonly SeededUser[];
  videos: readonly SeededVideo[];
}): Promise<{ p50_ms: number; p99_ms: number; probes: number; stale_pages: number }> {
  const ms: number[] = [];
  let stale = 0;
  const page = async (token: string) => {
    const res = await fetch(`${opts.base}/api/v1/feed?limit=10&explain=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`GET /feed answered ${res.status}`);
    return (await res.json()) as { explain?: { scored_cache?: string } };
  };
  for (const [i, viewer] of opts.viewers.entries()) {
    const video = opts.videos[i]!;
    // Twice, so the viewer's scored list is stored before the like.
    await page(viewer.token);
    await page(viewer.token);
    const t0 = performance.now();
    const like = await fetch(`${opts.base}/api/v1/videos/${video.id}/like`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer.token}` },
    });
    if (like.status !== 200) throw new Error(`POST like answered ${like.status}`);
    const folded = async () =>
      (await opts.featureStore.history(`u:${viewer.id}`)).some((h) => h.kind === 'like' && h.video === video.id);
    while (!(await folded())) {
      if (performance.now() - t0 > 10_000) throw new Error('a like did not reach the feature store within 10 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    const next = await page(viewer.token);
    ms.push(performance.now() - t0);
    if (next.explain?.scored_cache === 'hit') stale++;
  }
  return { p50_ms: median(ms), p99_ms: quantile(ms, 0.99), probes: ms.length, stale_pages: stale };
}
