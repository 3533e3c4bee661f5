/**
 * The layering rules of the code base, checked on the real import graph. Layers point down only:
 * platform → feed → retrieval / ranking → domain / feature-store / model-format → core. Serving never imports
 * training (both meet in model-format and feature-store); the simulator speaks only through the typed
 * API client; nothing outside tests forms an import cycle.
 */
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, importsOf } from './import-graph.ts';

/** Rank of each top-level folder: a file may import its own folder or a folder of a lower rank. */
const RANK: Record<string, number> = {
  core: 0,
  'model-format': 1,
  'feature-store': 1,
  domain: 1,
  experiments: 1,
  retrieval: 2,
  ranking: 2,
  feed: 3,
  // A/B experiments: assignment and exposure logging the feed serves with (the platform imports them),
  // and the analysis and reports (the command line in scripts/exp.ts and the benchmark use them).
  ab: 3.5,
  platform: 4,
  training: 5,
  sim: 5,
  bench: 6,
  scripts: 6,
  notebooks: 6,
};

/** Test code may reach anywhere: suites, contract suites and test helpers. */
const isTestCode = (f: string) => /\.test\.ts$|\.contract\.ts$|(^|\/)testing\//.test(f);
const top = (f: string) => (f.includes('/') ? f.slice(0, f.indexOf('/')) : '');

const graph = importGraph();
const runtime = new Map([...graph].filter(([f]) => !isTestCode(f) && top(f) !== ''));

describe('layers', () => {
  it('reads a non-trivial graph (so the rules below can fail)', () => {
    expect(runtime.size).toBeGreaterThan(200);
    expect(
      importsOf("import { a } from './a.ts';\nexport type { B } from '../b.ts';\nawait import('./c.ts');"),
    ).toEqual(['./a.ts', '../b.ts', './c.ts']);
  });

  it('never imports training/ from serving code (retrieval, ranking, feed, platform, feature-store, model-format)', () => {
    const serving = ['retrieval', 'ranking', 'feed', 'platform', 'feature-store', 'model-format', 'core'];
    const bad = [...runtime].flatMap(([f, deps]) =>
      serving.includes(top(f)) ? deps.filter((d) => top(d) === 'training').map((d) => `${f} → ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('points every import down the layers', () => {
    const bad: string[] = [];
    for (const [f, deps] of runtime) {
      const from = RANK[top(f)];
      if (from === undefined) {
        bad.push(`${f}: folder ${top(f)} has no layer`);
        continue;
      }
      for (const d of deps) {
        if (top(d) === top(f)) continue;
        const to = RANK[top(d)];
        if (to === undefined || to >= from) bad.push(`${f} → ${d}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps the pipeline framework free of any product', () => {
    const bad = [...runtime].flatMap(([f, deps]) =>
      f.startsWith('feed/pipeline/')
        ? deps.filter((d) => d.startsWith('feed/') && !d.startsWith('feed/pipeline/')).map((d) => `${f} → ${d}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('lets the simulator reach the platform only through the typed API client', () => {
    const bad = [...runtime].flatMap(([f, deps]) =>
      top(f) === 'sim'
        ? deps
            .filter((d) => !['sim', 'core'].includes(top(d)) && !d.startsWith('platform/client/'))
            .map((d) => `${f} → ${d}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('has no import cycle outside tests', () => {
    expect(cycles(runtime)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
