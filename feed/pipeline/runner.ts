import { ignoreRuns, type PipelineObserver } from './observer.ts';
import { type SourceBudget, settingsOf } from './settings.ts';
import type {
  CandidateSource,
  PipelineCandidate,
  PipelineConfig,
  PipelineQuery,
  PipelineResult,
  PipelineTrace,
} from './types.ts';

/** Thrown when a component outlives its time budget. */
export class ComponentTimeout extends Error {
  constructor(id: string, ms: number) {
    super(`${id} timed out after ${ms} ms`);
    this.name = 'ComponentTimeout';
  }
}

/** Resolves like `p`, or rejects with ComponentTimeout after `ms` (the late result is discarded). */
export function withTimeout<T>(p: Promise<T>, id: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ComponentTimeout(id, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The quota and timeout of a source from the request's (bound) settings. */
function budget<Q extends PipelineQuery>(query: Q, source: CandidateSource<Q>): { quota: number; timeoutMs: number } {
  const s = settingsOf(query.settings, source.settings) as SourceBudget;
  return { quota: s.quota, timeoutMs: s.timeout_ms };
}

/** Pages' worth of candidates a stored scored list must still hold after filtering to be served from. */
const STORED_MIN_PAGES = 2;

/** Refills of the page guard before a page is served short rather than slow. */
const GUARD_ROUNDS = 3;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Runs one pipeline for one query. Sources run in parallel, each under its own timeout and quota;
 * every other stage runs in order. A component that throws or times out is recorded in `trace.errors`
 * and skipped (its candidates dropped, its data left at defaults; a failed scorer falls back), so a
 * page is always produced. Every stage and component is timed, every filter's and reranker's removals
 * are kept, and `observer` is told each stage's and component's time and every failure.
 */
export async function runPipeline<Q extends PipelineQuery, C extends PipelineCandidate>(
  config: PipelineConfig<Q, C>,
  query: Q,
  observer: PipelineObserver = ignoreRuns,
): Promise<PipelineResult<C>> {
  const idOf = (c: C) => config.idOf(c);
  const trace: PipelineTrace = { stages: {}, sources: {}, removed: {}, errors: [], scorer: '', candidates: 0 };
  /** Reports a component's run of `ms`; with `failure`, records it as a degradation too. */
  const ran = (stageName: string, component: string, ms: number, failure?: { error: unknown }) => {
    if (failure) trace.errors.push({ component, message: message(failure.error) });
    observer.component({
      pipeline: config.id,
      stage: stageName,
      component,
      requestId: query.requestId,
      ms,
      ...(failure ? { failure: { error: failure.error, timedOut: failure.error instanceof ComponentTimeout } } : {}),
    });
  };
  const since = (t0: number) => performance.now() - t0;
  const stage = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - t0;
      trace.stages[name] = (trace.stages[name] ?? 0) + ms;
      observer.stage(config.id, name, ms);
    }
  };

  await stage('query_hydrate', async () => {
    const t0 = performance.now();
    const parts = await Promise.all(
      config.queryHydrators.map((h) =>
        h.hydrate(query).then(
          (value) => ({ ok: true as const, value, ms: performance.now() - t0 }),
          (error: unknown) => ({ ok: false as const, error, ms: performance.now() - t0 }),
        ),
      ),
    );
    parts.forEach((p, i) => {
      const id = config.queryHydrators[i]!.id;
      if (p.ok) {
        Object.assign(query.viewer, p.value);
        ran('query_hydrate', id, p.ms);
      } else ran('query_hydrate', id, p.ms, { error: p.error });
    });
  });

  const filterAll = (stageName: string, list: C[]): C[] => {
    for (const f of config.filters) {
      const t0 = performance.now();
      try {
        const { kept, removed } = f.apply(query, list);
        const ids = removed.map((c) => idOf(c));
        trace.removed[f.id] = [...(trace.removed[f.id] ?? []), ...ids];
        list = kept;
        ran(stageName, f.id, since(t0));
      } catch (err) {
        ran(stageName, f.id, since(t0), { error: err });
      }
    }
    return list;
  };

  /** Sources → pre-ranker → hydrators → filters → scorer: the scored list, best first. */
  const retrieveAndScore = async (): Promise<C[]> => {
    let candidates: C[] = await stage('sources', async () => {
      const byId = new Map<string, C>();
      const results = await Promise.all(
        config.sources.map(async (source) => {
          const { quota, timeoutMs } = budget(query, source);
          const t0 = performance.now();
          if (quota <= 0) return { source, hits: [] };
          try {
            const hits = await withTimeout(source.fetch(query, quota), source.id, timeoutMs);
            const ms = since(t0);
            trace.sources[source.label?.(query) ?? source.id] = { count: Math.min(hits.length, quota), ms };
            ran('sources', source.id, ms);
            return { source, hits: hits.slice(0, quota) };
          } catch (err) {
            const ms = since(t0);
            trace.sources[source.label?.(query) ?? source.id] = { count: 0, ms, error: message(err) };
            ran('sources', source.id, ms, { error: err });
            return { source, hits: [] };
          }
        }),
      );
      for (const { source, hits } of results) {
        const name = source.label?.(query) ?? source.id;
        hits.forEach((hit, rank) => {
          let c = byId.get(hit.videoId);
          if (!c) {
            c = config.candidate(hit.videoId);
            if (!c) return;
            byId.set(hit.videoId, c);
          }
          c.sources.push({ source: name, rank, score: hit.score });
          // A video also reached deterministically was not shown by chance.
          c.propensity = hit.propensity !== undefined && c.sources.length === 1 ? hit.propensity : 1;
        });
      }
      return [...byId.values()];
    });
    trace.candidates = candidates.length;

    const pre = config.preRanker;
    if (pre) {
      candidates = await stage('prerank', async () => {
        const t0 = performance.now();
        try {
          await pre.score(query, candidates);
          ran('prerank', pre.id, since(t0));
        } catch (err) {
          ran('prerank', pre.id, since(t0), { error: err });
        }
        // Filters run before the cut too, so the kept candidates are ones the viewer may see.
        return pre.keep(query, filterAll('prerank', candidates));
      });
    }
    trace.ranked = candidates.length;

    await stage('hydrate', async () => {
      for (const h of config.hydrators) {
        const t0 = performance.now();
        try {
          await h.hydrate(query, candidates);
          ran('hydrate', h.id, since(t0));
        } catch (err) {
          ran('hydrate', h.id, since(t0), { error: err });
        }
      }
    });

    candidates = await stage('filter', () => filterAll('filter', candidates));

    await stage('score', async () => {
      const t0 = performance.now();
      try {
        await config.scorer.score(query, candidates);
        trace.scorer = config.scorer.id;
        ran('score', config.scorer.id, since(t0));
      } catch (err) {
        ran('score', config.scorer.id, since(t0), { error: err });
        const t1 = performance.now();
        try {
          await config.fallbackScorer.score(query, candidates);
          trace.scorer = config.fallbackScorer.id;
          ran('score', config.fallbackScorer.id, since(t1));
        } catch (err2) {
          // Last resort: keep retrieval order, which is still a sensible page.
          ran('score', config.fallbackScorer.id, since(t1), { error: err2 });
          candidates.forEach((c, i) => {
            c.score = -i;
          });
          trace.scorer = 'retrieval-order';
        }
        observer.fallback(config.id, query.requestId, config.scorer.id, trace.scorer);
      }
      candidates.sort((a, b) => b.score - a.score);
    });
    return candidates;
  };

  // A viewer's next page starts from their stored scored list when nothing it was built from changed.
  const cache = config.scoredCache;
  const cacheKey = cache && trace.errors.length === 0 ? cache.key(query) : undefined;
  const stored = cache && cacheKey !== undefined ? await stage('cache', () => cache.get(cacheKey, query)) : undefined;
  let candidates: C[];
  let kept: C[] | undefined;
  if (stored) {
    kept = await stage('filter', () => filterAll('filter', stored.scored));
    // A list the session has nearly used up is rebuilt rather than served short.
    if (kept.length < query.limit * STORED_MIN_PAGES) {
      kept = undefined;
      trace.removed = {};
    }
  }
  if (kept) {
    trace.scoredCache = 'hit';
    trace.candidates = stored!.scored.length;
    trace.ranked = stored!.scored.length;
    trace.scorer = config.scorer.id;
    candidates = kept;
  } else {
    candidates = await retrieveAndScore();
    if (cache && cacheKey !== undefined) {
      trace.scoredCache = 'miss';
      // Only a healthy list is kept: a failed source or a fallback scorer is retried on the next page.
      if (trace.errors.length === 0 && trace.scorer === config.scorer.id) {
        cache.set(cacheKey, candidates, query, config.scorer.version(query));
      }
    }
  }

  candidates = await stage('rerank', () => {
    let list = candidates;
    for (const r of config.rerankers) {
      const t0 = performance.now();
      try {
        const { kept, removed } = r.rerank(query, list);
        trace.removed[r.id] = removed.map((c) => idOf(c));
        list = kept;
        ran('rerank', r.id, since(t0));
      } catch (err) {
        ran('rerank', r.id, since(t0), { error: err });
      }
    }
    return list;
  });

  const page = await stage('select', async () => {
    const picked = config.selector.select(query, candidates);
    const guard = config.pageGuard;
    if (!guard) return picked;
    const chosen = new Set(picked);
    let rest = candidates.filter((c) => !chosen.has(c));
    const ok: C[] = [];
    let pending = picked;
    for (let round = 0; round < GUARD_ROUNDS && pending.length > 0; round++) {
      const t0 = performance.now();
      try {
        await guard.hydrator.hydrate(query, pending);
        ran('select', guard.hydrator.id, since(t0));
      } catch (err) {
        ran('select', guard.hydrator.id, since(t0), { error: err });
      }
      let kept = pending;
      for (const f of guard.filters) {
        const r = f.apply(query, kept);
        trace.removed[f.id] = [...(trace.removed[f.id] ?? []), ...r.removed.map((c) => idOf(c))];
        kept = r.kept;
      }
      ok.push(...kept);
      const need = pending.length - kept.length;
      pending = rest.slice(0, need);
      rest = rest.slice(need);
    }
    return ok;
  });
  const result: PipelineResult<C> = {
    page,
    trace,
    // A page from a stored list records the version that scored the list (an arm may pin one).
    modelVersion: kept
      ? stored!.modelVersion
      : trace.scorer === config.scorer.id
        ? config.scorer.version(query)
        : config.fallbackScorer.version(query),
  };

  await stage('side_effects', async () => {
    for (const e of config.sideEffects) {
      const t0 = performance.now();
      const run = e.run(query, page, result).then(
        () => ran('side_effects', e.id, since(t0)),
        (err: unknown) => ran('side_effects', e.id, since(t0), { error: err }),
      );
      if (e.blocking) await run;
    }
  });
  return result;
}
