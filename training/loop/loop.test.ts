import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readState } from '../../ab/state.ts';
import { openJobQueue } from '../../core/queue/open.ts';
import { waitFor } from '../../core/testing/wait-for.ts';
import { EXPERIMENTS_DIR } from '../../feed/for-you/config.ts';
import { parseExperiment } from '../cli/experiment.ts';
import { DecisionLog } from '../registry/decisions.ts';
import { openRegistry } from '../registry/open.ts';
import { runningCanary } from './canary.ts';
import { runCycle } from './cycle.ts';
import { injectFault } from './fault.ts';
import { DEFAULT_GATE_POLICY, embeddingChecks } from './gate.ts';
import { startTrainerWorker, TRAIN_QUEUE } from './worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const experiment = parseExperiment(
  [
    'name: tiny-loop',
    'data:',
    '  source: synthetic',
    '  users: 200',
    '  videos: 150',
    '  examples: 4000',
    'models:',
    '  - type: most_popular',
    '  - type: ranker',
    '    params: { epochs: 1 }',
  ].join('\n'),
);

function vectors(rows: number, dim: number, f: (r: number, j: number) => number): Float32Array {
  const v = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) v[r * dim + j] = f(r, j);
  return v;
}

describe('gate: item vectors', () => {
  const healthy = vectors(300, 8, (r, j) => Math.sin(r * 7.3 + j * 1.9));
  it('passes varied vectors', () => {
    expect(embeddingChecks({ dim: 8, vectors: healthy }, DEFAULT_GATE_POLICY).every((c) => c.passed)).toBe(true);
  });
  it('refuses NaN, zero and collapsed vectors', () => {
    const nan = injectFault({ 'video_embeddings.f32': Buffer.from(healthy.buffer) }, 'nan', { embeddingDim: 8 });
    const nanV = new Float32Array(new Uint8Array(nan['video_embeddings.f32']!).buffer);
    expect(embeddingChecks({ dim: 8, vectors: nanV }, DEFAULT_GATE_POLICY)[0]!.passed).toBe(false);
    const zero = vectors(300, 8, () => 0);
    expect(embeddingChecks({ dim: 8, vectors: zero }, DEFAULT_GATE_POLICY).some((c) => !c.passed)).toBe(true);
    const constant = vectors(300, 8, (_r, j) => 1 + j + 1e-4 * Math.random());
    const checks = embeddingChecks({ dim: 8, vectors: constant }, DEFAULT_GATE_POLICY);
    expect(checks.find((c) => c.check === 'embeddings_not_degenerate')?.passed).toBe(false);
  });
  it('shuffles rows without changing the multiset of vectors', () => {
    const out = injectFault({ 'video_embeddings.f32': Buffer.from(healthy.buffer) }, 'shuffle', { embeddingDim: 8 });
    const v = new Float32Array(new Uint8Array(out['video_embeddings.f32']!).buffer);
    expect(v).not.toEqual(healthy);
    expect([...v].sort()).toEqual([...healthy].sort());
  });
});

describe('learning-loop cycle', () => {
  // One epoch on a tiny synthetic set ranks barely above chance; the test is about the mechanics.
  const policy = { ...DEFAULT_GATE_POLICY, minAuc: 0 };
  const stores = { metadataUrl: `sqlite://${join(dir, 'meta.db')}`, objectsUrl: `file://${join(dir, 'objects')}` };

  it('trains, gates, registers with lineage and promotes; a NaN model is rejected and never promoted', async () => {
    const { registry, close } = await openRegistry(stores);
    try {
      const decisions = new DecisionLog(registry.db);
      const first = await runCycle({ experiment, registry, decisions, policy });
      const lr = first.models.find((m) => m.name === 'ranker')!;
      expect(first.models.map((m) => m.name)).toEqual(['ranker']);
      expect(lr.decision.checks.filter((c) => !c.passed)).toEqual([]);
      expect(lr.promoted).toBe(true);
      const rec = await registry.byStage('ranker', 'production');
      expect(rec?.version).toBe(lr.version);
      const lineage = rec!.metadata.lineage as Record<string, unknown>;
      expect(lineage).toMatchObject({ trainedBy: 'trainer-loop', metricsPeriod: 'validation', fault: null });
      expect(lineage.dataWindow).toMatchObject({ examples: { train: expect.any(Number) } });
      expect(lineage.hyperParameters).toMatchObject({ type: 'ranker' });
      expect((lineage.gate as { passed: boolean }).passed).toBe(true);

      const broken = await runCycle({
        experiment,
        registry,
        decisions,
        policy,
        fault: { model: 'ranker', fault: 'nan' },
      });
      const b = broken.models[0]!;
      expect(b.decision.passed).toBe(false);
      expect(b.decision.checks.find((c) => c.check === 'ranking_metrics_finite')?.passed).toBe(false);
      expect(b.promoted).toBe(false);
      expect((await registry.byStage('ranker', 'production'))?.version).toBe(lr.version);

      expect(lineage.warmStart).toMatch(/^none/);
      // The next cycle begins from production's weights, its users' rows carried by id.
      const next = (await runCycle({ experiment, registry, decisions, policy, noPromote: true })).models[0]!;
      const warm = (await registry.get('ranker', next.version!)).metadata.lineage as {
        warmStart: { from: string; carried: Record<string, { rows: number; of: number } | string> };
      };
      expect(warm.warmStart.from).toBe(`ranker@${lr.version}`);
      expect(warm.warmStart.carried['user.id']).toMatchObject({ rows: expect.any(Number) });
      expect((warm.warmStart.carried['user.id'] as { rows: number }).rows).toBeGreaterThan(100);
      expect(warm.warmStart.carried['h1.w']).toBe('copied');
      // ...and is gated against production scored on the same held-out window, user by user.
      const same = next.decision.checks.find((c) => c.check === 'gauc_long_view_vs_production_same_window');
      expect(same?.detail).toMatch(/paired difference .* over \d+ held-out users/);

      const log = await decisions.list('ranker');
      expect(log.map((d) => d.action)).toEqual(['gate_passed', 'promoted', 'gate_failed', 'gate_passed']);
      expect(log[1]!.actor).toBe('trainer-loop');
      expect(log[2]!.reason).toMatch(/ranking_metrics_finite/);
    } finally {
      await close();
    }
  }, 60_000);

  it('with a canary site, a passing model starts as a canary arm instead of production; a newer one supersedes it', async () => {
    const { registry, close } = await openRegistry({
      metadataUrl: `sqlite://${join(dir, 'canary-meta.db')}`,
      objectsUrl: `file://${join(dir, 'canary-objects')}`,
    });
    const feedConfigDir = join(dir, 'canary-config');
    cpSync(EXPERIMENTS_DIR, feedConfigDir, { recursive: true });
    const canary = { dataDir: join(dir, 'canary-data'), feedConfigDir, share: 0.1 };
    try {
      const decisions = new DecisionLog(registry.db);
      const first = (await runCycle({ experiment, registry, decisions, policy, canary })).models[0]!;
      expect(first).toMatchObject({ promoted: false, canary: true });
      expect(await registry.byStage('ranker', 'production')).toBeUndefined();
      expect(runningCanary(canary, 'ranker')?.version).toBe(first.version);
      const second = (await runCycle({ experiment, registry, decisions, policy, canary })).models[0]!;
      expect(runningCanary(canary, 'ranker')?.version).toBe(second.version);
      expect(Object.values(readState(canary.dataDir)).map((x) => x.status)).toEqual(['running']);
      // The drill can let a broken model past its failed gate: it starts as a canary, never as production.
      const drill = (
        await runCycle({
          experiment,
          registry,
          decisions,
          policy,
          canary,
          fault: { model: 'ranker', fault: 'nan' },
          faultPastGate: true,
        })
      ).models[0]!;
      expect(drill).toMatchObject({ canary: true, promoted: false, fault: 'nan' });
      expect(drill.decision.passed).toBe(false);
      expect(runningCanary(canary, 'ranker')?.version).toBe(drill.version);
      expect(await registry.byStage('ranker', 'production')).toBeUndefined();
      const log = (await decisions.list('ranker'))
        .filter((d) => d.version !== drill.version)
        .map((d) => `${d.version === first.version ? 1 : 2}:${d.action}`);
      // Decisions of one millisecond list in id order, not insertion order.
      expect(log.sort()).toEqual([
        '1:canary_started',
        '1:canary_superseded',
        '1:gate_passed',
        '2:canary_started',
        '2:canary_superseded',
        '2:gate_passed',
      ]);
    } finally {
      await close();
    }
  }, 60_000);

  it('runs cycles as jobs on the embedded queue, one per slot', async () => {
    const queue = await openJobQueue(`sqlite://${join(dir, 'queue.db')}?pollMs=20`);
    const { registry, close } = await openRegistry(stores);
    const results: number[] = [];
    const errors: unknown[] = [];
    const worker = await startTrainerWorker({
      queue,
      everyMs: 3_600_000,
      cycle: async (job) => {
        const r = await runCycle({ experiment, registry, decisions: new DecisionLog(registry.db), noPromote: true });
        results.push(job.data.slot);
        return r;
      },
      onError: (err) => errors.push(err),
    });
    try {
      await waitFor('the first cycle', () => {
        if (errors.length > 0) throw errors[0];
        return results.length === 1;
      });
      const counts = await queue.counts(TRAIN_QUEUE);
      // The next slot's run is waiting an hour; enqueueing the current slot again is a no-op.
      expect(counts.delayed).toBe(1);
      const again = await startTrainerWorker({ queue, everyMs: 3_600_000, cycle: async () => 0 });
      expect(again.enqueued).toBe(worker.enqueued);
      await again.close();
    } finally {
      await worker.close();
      await queue.close();
      await close();
    }
  }, 60_000);
});
