import { describe, expect, it } from 'vitest';
import { Catalog } from '../../retrieval/catalog.ts';
import { alreadySeenFilter } from '../for-you/filters/already-seen.filter.ts';
import { catalogCandidates, feedSettingsSlots } from '../for-you/pipelines.ts';
import { fallbackScorer } from '../for-you/scorers/fallback.scorer.ts';
import { topSelector } from '../for-you/selector.ts';
import { ids, query, video } from '../for-you/testing/fixtures.ts';
import type { CandidateSource, PipelineConfig, Scorer } from '../for-you/types.ts';
import { runPipeline } from './runner.ts';
import { patchSettings, slot, sourceBudgetSchema } from './settings.ts';

const catalog = Catalog.fromVideos(
  Array.from({ length: 30 }, (_, i) => video(`v${i}`, { stats: { views: i, likes: 0, comments: 0, shares: 0 } })),
);
const listSource = (id: string, videoIds: string[]): CandidateSource => ({
  id,
  settings: slot(`sources.${id}`, sourceBudgetSchema),
  fetch: async (_q, quota) => videoIds.slice(0, quota).map((videoId, i) => ({ videoId, score: -i })),
});
const throwing: CandidateSource = {
  id: 'two_tower',
  settings: slot('sources.two_tower', sourceBudgetSchema),
  fetch: async () => Promise.reject(new Error('index exploded')),
};
const hanging: CandidateSource = {
  id: 'similar',
  settings: slot('sources.similar', sourceBudgetSchema),
  fetch: () => new Promise(() => {}),
};
const badScorer: Scorer = {
  id: 'ranker',
  version: () => 'm1',
  score: async () => Promise.reject(new Error('onnx failed')),
};

function pipeline(over: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    id: 'test',
    ...catalogCandidates(catalog),
    queryHydrators: [],
    sources: [listSource('trending', ['v1', 'v2', 'v3']), listSource('popular', ['v3', 'v4', 'v5', 'v6'])],
    hydrators: [],
    filters: [alreadySeenFilter],
    scorer: fallbackScorer,
    fallbackScorer,
    rerankers: [],
    selector: topSelector,
    sideEffects: [],
    ...over,
  };
}

describe('runPipeline', () => {
  it('merges sources, records every source of a candidate and the filters removals', async () => {
    const q = query({ sessionSeen: new Set(['v2']) });
    const r = await runPipeline(pipeline(), q);
    expect(new Set(ids(r.page))).toEqual(new Set(['v1', 'v3', 'v4', 'v5', 'v6']));
    expect(r.page.find((c) => c.video.id === 'v3')!.sources.map((s) => s.source)).toEqual(['trending', 'popular']);
    expect(r.trace.removed.already_seen).toEqual(['v2']);
    expect(r.trace.sources.trending!.count).toBe(3);
    expect(Object.keys(r.trace.stages)).toEqual([
      'query_hydrate',
      'sources',
      'hydrate',
      'filter',
      'score',
      'rerank',
      'select',
      'side_effects',
    ]);
  });

  it('still builds a page when a source throws and another never answers (timeout)', async () => {
    const q = query();
    q.settings = patchSettings(feedSettingsSlots(), q.settings, { sources: { similar: { timeout_ms: 20 } } });
    const r = await runPipeline(pipeline({ sources: [throwing, hanging, listSource('popular', ['v7', 'v8'])] }), q);
    expect(ids(r.page).sort()).toEqual(['v7', 'v8']);
    expect(r.trace.sources.two_tower!.error).toBe('index exploded');
    expect(r.trace.sources.similar!.error).toMatch(/timed out/);
    expect(r.trace.errors.map((e) => e.component).sort()).toEqual(['similar', 'two_tower']);
  });

  it('falls back to the fallback scorer when the ranker throws, and reports its version', async () => {
    const r = await runPipeline(pipeline({ scorer: badScorer }), query());
    expect(r.page.length).toBeGreaterThan(0);
    expect(r.trace.scorer).toBe('fallback');
    expect(r.modelVersion).toBe('fallback-v1');
    expect(r.trace.errors).toEqual([{ component: 'ranker', message: 'onnx failed' }]);
    // popularity orders the page: v6 has the most views.
    expect(r.page[0]!.video.id).toBe('v6');
  });

  it('keeps retrieval order when both scorers fail, and skips a failing hydrator and filter', async () => {
    const r = await runPipeline(
      pipeline({
        scorer: badScorer,
        fallbackScorer: { ...badScorer, id: 'fallback' },
        hydrators: [{ id: 'features', hydrate: async () => Promise.reject(new Error('store down')) }],
        filters: [
          {
            id: 'broken',
            apply: () => {
              throw new Error('bug');
            },
          },
        ],
      }),
      query(),
    );
    expect(ids(r.page)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    expect(r.trace.scorer).toBe('retrieval-order');
    expect(r.trace.errors.map((e) => e.component)).toEqual(['features', 'broken', 'ranker', 'fallback']);
  });

  it('drops ids the catalogue does not know and honours each source quota', async () => {
    const q = query();
    q.settings = patchSettings(feedSettingsSlots(), q.settings, { sources: { trending: { quota: 2 } } });
    const r = await runPipeline(pipeline({ sources: [listSource('trending', ['ghost', 'v1', 'v2'])] }), q);
    expect(ids(r.page)).toEqual(['v1']);
  });

  it('awaits blocking side effects and survives a failing one', async () => {
    const seen: string[] = [];
    const r = await runPipeline(
      pipeline({
        sideEffects: [
          { id: 'record', blocking: true, run: async (_q, page) => void seen.push(...ids(page)) },
          { id: 'log', blocking: false, run: async () => Promise.reject(new Error('log down')) },
        ],
      }),
      query(),
    );
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(ids(r.page));
    expect(r.trace.errors).toEqual([{ component: 'log', message: 'log down' }]);
  });
});

describe('runPipeline with a pre-ranker and a page guard', () => {
  it('hydrates only what the pre-ranker keeps, after filtering', async () => {
    const hydrated: string[] = [];
    const r = await runPipeline(
      pipeline({
        sources: [listSource('popular', ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'])],
        preRanker: {
          id: 'prior',
          score: async (_q, cs) => {
            for (const c of cs) c.prior = Number(c.video.id.slice(1));
          },
          keep: (_q, cs) => [...cs].sort((a, b) => b.prior! - a.prior!).slice(0, 3),
        },
        hydrators: [{ id: 'h', hydrate: async (_q, cs) => void hydrated.push(...ids(cs)) }],
      }),
      query({ sessionSeen: new Set(['v6']) }),
    );
    expect(hydrated).toEqual(['v5', 'v4', 'v3']);
    expect(r.trace.removed.already_seen).toEqual(['v6']);
    expect(r.trace.ranked).toBe(3);
    expect(Object.keys(r.trace.stages)).toContain('prerank');
  });

  it('re-checks only the page and fills a failed place with the next candidate', async () => {
    const checked: string[][] = [];
    const q = query({ limit: 2 });
    const r = await runPipeline(
      pipeline({
        sources: [listSource('popular', ['v1', 'v2', 'v3', 'v4'])],
        scorer: {
          ...badScorer,
          score: async (_q, cs) => {
            for (const [i, c] of cs.entries()) c.score = -i;
          },
        },
        pageGuard: {
          hydrator: {
            id: 'live',
            hydrate: async (_q, cs) => {
              checked.push(ids(cs));
              for (const c of cs)
                c.live = {
                  status: 'ready',
                  privacy: 'public',
                  deleted: c.video.id === 'v2',
                  authorPrivate: false,
                };
            },
          },
          filters: [
            {
              id: 'not_ready',
              apply: (_q, cs) => ({
                kept: cs.filter((c) => !c.live?.deleted),
                removed: cs.filter((c) => c.live?.deleted),
              }),
            },
          ],
        },
      }),
      q,
    );
    expect(ids(r.page)).toEqual(['v1', 'v3']);
    expect(checked).toEqual([['v1', 'v2'], ['v3']]);
    expect(r.trace.removed.not_ready).toEqual(['v2']);
  });
});
