/**
 * The notebooks run headless with the real kernel (Deno) under the real nbconvert, on the generated
 * synthetic data and on KuaiRand when `../shared` is present; their committed copies carry outputs; their
 * code type-checks against the project, which Deno's kernel itself never does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeNotebook, listNotebooks, missingTools, NOTEBOOKS_DIR } from './execute.ts';
import { readBenchResult } from './lib/bench-results.ts';
import { kuairandAvailable, kuairandDir, REPO_ROOT } from './lib/data.ts';
import { notebookSettings } from './lib/settings.ts';

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }[];
}
interface Notebook {
  cells: Cell[];
  metadata: { kernelspec?: { name?: string } };
}

const NOTEBOOKS = listNotebooks();
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Notebook;
const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const RUN_S = 240;

describe('notebooks', () => {
  it('exist: the exploration, model-comparison and A/B experiment notebooks at least', () => {
    expect(NOTEBOOKS.map((p) => basename(p))).toEqual(
      expect.arrayContaining(['01-kuairand-explore.ipynb', '02-compare-models.ipynb', '03-ab-experiment.ipynb']),
    );
  });

  it('have what they run with: nbconvert (apt) and the Deno kernel (npm)', () => {
    expect(missingTools()).toBeUndefined();
  });

  describe.each(NOTEBOOKS.map((p) => [basename(p), p]))('%s as committed', (_name, path) => {
    const nb = read(path);
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    const outputs = code.flatMap((c) => c.outputs ?? []);

    it('names the Deno kernel and was executed top to bottom in one session', () => {
      expect(nb.metadata.kernelspec?.name).toBe('deno');
      expect(code.map((c) => c.execution_count)).toEqual(code.map((_, i) => i + 1));
    });

    it('carries its outputs: no errors, sized PNG charts, from the real data rather than the synthetic fallback', () => {
      expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
      // Every output goes through show(): a cell's result travels like a display, and the kernel can drop
      // it as the cell ends, where nothing would notice (show() counts what it sends; see lib/display.ts).
      expect(outputs.filter((o) => o.output_type === 'execute_result')).toEqual([]);
      const images = outputs.filter((o) => o.data && 'image/png' in o.data);
      expect(images.length).toBeGreaterThan(0);
      for (const img of images) expect(img.metadata?.['image/png']).toMatchObject({ width: expect.any(Number) });
      expect(outputs.map((o) => text(o.data?.['text/markdown'] as string[])).join('\n')).not.toContain(
        'the seeded synthetic dataset',
      );
    });
  });

  it(
    'run headless on the generated synthetic data (what a checkout without ../shared gets)',
    async () => {
      for (const path of NOTEBOOKS) {
        const r = await executeNotebook(path, { data: 'synthetic', timeoutS: RUN_S });
        expect(r.log).toBe('');
        expect(r).toMatchObject({ ok: true, lost: 0, outputs: { errors: 0 } });
        expect(r.outputs.images).toBeGreaterThan(0);
      }
    },
    2 * RUN_S * 1000,
  );

  it(
    'run on KuaiRand when ../shared holds it, and say when they fell back to the synthetic data',
    async () => {
      const path = join(NOTEBOOKS_DIR, '01-kuairand-explore.ipynb');
      const present = kuairandAvailable(kuairandDir(notebookSettings({})));
      const r = await executeNotebook(path, { data: 'auto', timeoutS: RUN_S });
      expect(r.log).toBe('');
      expect(r).toMatchObject({ ok: true, lost: 0 });
      // The first output names the data; the committed copy is the KuaiRand run.
      expect(r.firstOutput).toContain(present ? 'KuaiRand-Pure' : 'the seeded synthetic dataset');
    },
    RUN_S * 1000,
  );

  describe('02-compare-models with the multi-seed results format', () => {
    let dir: string;
    beforeAll(() => {
      // The training benchmark's multi-seed report: every metric with `<metric>_ci95` = [lo, hi] beside it.
      dir = mkdtempSync(join(tmpdir(), 'foryou-bench-'));
      const result = readBenchResult('train');
      for (const section of ['retrieval', 'ranking'] as const) {
        const models = result[section] as Record<string, Record<string, number>>;
        for (const metrics of Object.values(models)) {
          for (const [k, v] of Object.entries(metrics)) metrics[`${k}_ci95`] = [v * 0.97, v * 1.03] as never;
        }
      }
      writeFileSync(join(dir, 'train.json'), JSON.stringify(result));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(
      'draws the intervals and says they are over seeds',
      async () => {
        const path = join(NOTEBOOKS_DIR, '02-compare-models.ipynb');
        const r = await executeNotebook(path, { timeoutS: RUN_S, env: { FORYOU_BENCH_RESULTS_DIR: dir } });
        expect(r.log).toBe('');
        expect(r).toMatchObject({ ok: true, lost: 0 });
        expect(r.firstOutput).toContain('95 % confidence intervals over seeds');
      },
      RUN_S * 1000,
    );
  });

  it('type-check against the project (cells in order, as one module)', () => {
    const stamp = `.typecheck-${process.pid}`;
    const files = NOTEBOOKS.map((path) => {
      const file = join(NOTEBOOKS_DIR, `${stamp}-${basename(path, '.ipynb')}.ts`);
      const cells = read(path).cells.filter((c) => c.cell_type === 'code');
      writeFileSync(file, `${cells.map((c) => text(c.source)).join('\n\n')}\nexport {};\n`);
      return file;
    });
    const config = join(NOTEBOOKS_DIR, `${stamp}.json`);
    writeFileSync(config, JSON.stringify({ extends: '../tsconfig.json', include: [], files }));
    try {
      const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      let out = '';
      try {
        execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8', stdio: 'pipe' });
      } catch (err) {
        out = String((err as { stdout?: string }).stdout ?? err);
      }
      expect(out).toBe('');
    } finally {
      for (const f of [...files, config]) rmSync(f, { force: true });
    }
  }, 120_000);
});
