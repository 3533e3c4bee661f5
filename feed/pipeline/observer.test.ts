import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../../core/testing/import-graph.ts';
import { Catalog } from '../../retrieval/catalog.ts';
import { catalogCandidates, feedSettingsSlots } from '../for-you/pipelines.ts';
import { fallbackScorer } from '../for-you/scorers/fallback.scorer.ts';
import { topSelector } from '../for-you/selector.ts';
import { query, video } from '../for-you/testing/fixtures.ts';
import type { CandidateSource, PipelineConfig } from '../for-you/types.ts';
import type { ComponentRun, PipelineObserver } from './observer.ts';
import { runPipeline } from './runner.ts';
import { patchSettings, slot, sourceBudgetSchema } from './settings.ts';

const catalog = Catalog.fromVideos(Array.from({ length: 10 }, (_, i) => video(`v${i}`)));
const source = (id: string, fetch: CandidateSource['fetch']): CandidateSource => ({
  id,
  settings: slot(`sources.${id}`, sourceBudgetSchema),
  fetch,
});

/** Keeps everything it is told. */
function recorder() {
  const stages: { pipeline: string; stage: string; ms: number }[] = [];
  const runs: ComponentRun[] = [];
  const fallbacks: string[][] = [];
  const observer: PipelineObserver = {
    stage: (pipeline, stage, ms) => void stages.push({ pipeline, stage, ms }),
    component: (run) => void runs.push(run),
    fallback: (pipeline, requestId, from, to) => void fallbacks.push([pipeline, requestId, from, to]),
  };
  return { observer, stages, runs, fallbacks };
}

function pipeline(over: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    id: 'obs',
    ...catalogCandidates(catalog),
    queryHydrators: [{ id: 'viewer', hydrate: async () => ({}) }],
    sources: [source('trending', async () => [{ videoId: 'v1', score: 1 }])],
    hydrators: [{ id: 'features', hydrate: async () => {} }],
    filters: [{ id: 'keep_all', apply: (_q, c) => ({ kept: c, removed: [] }) }],
    scorer: fallbackScorer,
    fallbackScorer,
    rerankers: [],
    selector: topSelector,
    sideEffects: [{ id: 'log', blocking: true, run: async () => {} }],
    ...over,
  };
}

describe('PipelineObserver', () => {
  it('is told every stage and every component with its time, and nothing failed', async () => {
    const r = recorder();
    await runPipeline(pipeline(), query({ requestId: 'req-1' }), r.observer);
    expect(r.stages.map((s) => s.stage)).toEqual([
      'query_hydrate',
      'sources',
      'hydrate',
      'filter',
      'score',
      'rerank',
      'select',
      'side_effects',
    ]);
    expect(r.stages.every((s) => s.pipeline === 'obs' && s.ms >= 0)).toBe(true);
    expect(r.runs.map((c) => `${c.stage}/${c.component}`)).toEqual([
      'query_hydrate/viewer',
      'sources/trending',
      'hydrate/features',
      'filter/keep_all',
      'score/fallback',
      'side_effects/log',
    ]);
    expect(r.runs.every((c) => c.requestId === 'req-1' && c.failure === undefined && c.ms >= 0)).toBe(true);
    expect(r.fallbacks).toEqual([]);
  });

  it('tells a timeout from an error, and reports the scorer fallback', async () => {
    const q = query({ requestId: 'req-2' });
    q.settings = patchSettings(feedSettingsSlots(), q.settings, { sources: { similar: { timeout_ms: 20 } } });
    const r = recorder();
    const result = await runPipeline(
      pipeline({
        sources: [
          source('two_tower', async () => Promise.reject(new Error('index exploded'))),
          source('similar', () => new Promise(() => {})),
          source('trending', async () => [{ videoId: 'v2', score: 1 }]),
        ],
        scorer: { id: 'ranker', version: () => 'm1', score: async () => Promise.reject(new Error('onnx failed')) },
      }),
      q,
      r.observer,
    );
    expect(result.page.length).toBe(1);
    const failed = Object.fromEntries(r.runs.filter((c) => c.failure).map((c) => [c.component, c.failure!.timedOut]));
    expect(failed).toEqual({ two_tower: false, similar: true, ranker: false });
    expect(r.runs.find((c) => c.component === 'similar')!.ms).toBeGreaterThanOrEqual(15);
    expect(r.fallbacks).toEqual([['obs', 'req-2', 'ranker', 'fallback']]);
  });

  it('keeps the framework free of metrics and logging packages (the host implements the observer)', () => {
    const dir = new URL('./', import.meta.url);
    const framework = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(framework).toContain('runner.ts');
    const bad = framework.flatMap((f) =>
      importsOf(readFileSync(new URL(f, dir), 'utf8'))
        .filter((s) => /^(prom-client|pino)(\/|$)/.test(s) || s.includes('telemetry'))
        .map((s) => `${f} → ${s}`),
    );
    expect(bad).toEqual([]);
  });
});
