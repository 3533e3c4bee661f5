/**
 * Reads a benchmark's JSON (`bench/results/<name>.json`) into flat metric rows for tables and charts.
 * Every `<metric>` may come with `<metric>_ci95` beside it (the multi-seed training benchmark writes
 * them): a `[lo, hi]` interval, an `{ lo, hi }` object or a half-width number. Files written before the
 * intervals existed still read, with `lo` and `hi` left undefined.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './data.ts';
import { notebookSettings } from './settings.ts';

/** One model's value of one metric, with its 95 % interval when the benchmark reported one. */
export interface MetricRow {
  section: string;
  model: string;
  metric: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** The suffix that marks an interval key. */
export const CI_SUFFIX = '_ci95';

/** Reads `<name>.json` from the results folder (`bench/results` unless the settings say otherwise). */
export function readBenchResult(
  name: string,
  dir = notebookSettings().FORYOU_BENCH_RESULTS_DIR,
): Record<string, unknown> {
  const text = readFileSync(resolve(REPO_ROOT, dir, `${name}.json`), 'utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

function interval(raw: unknown, value: number): { lo: number; hi: number } | undefined {
  if (Array.isArray(raw) && raw.length === 2 && raw.every((v) => typeof v === 'number')) {
    return { lo: raw[0] as number, hi: raw[1] as number };
  }
  if (typeof raw === 'number' && Number.isFinite(raw)) return { lo: value - raw, hi: value + raw };
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    const lo = o.lo ?? o.low ?? o.lower;
    const hi = o.hi ?? o.high ?? o.upper;
    if (typeof lo === 'number' && typeof hi === 'number') return { lo, hi };
  }
  return undefined;
}

/**
 * The numeric metrics of `section` (e.g. `retrieval`, `ranking`): one row per model and metric.
 * A metric given as `{ mean, ci95 }` reads the same as `metric` + `metric_ci95`.
 */
export function metricRows(result: Record<string, unknown>, section: string): MetricRow[] {
  const models = result[section];
  if (!models || typeof models !== 'object') return [];
  const rows: MetricRow[] = [];
  for (const [model, metrics] of Object.entries(models as Record<string, unknown>)) {
    if (!metrics || typeof metrics !== 'object') continue;
    const m = metrics as Record<string, unknown>;
    for (const [metric, raw] of Object.entries(m)) {
      if (metric.endsWith(CI_SUFFIX)) continue;
      let value: number | undefined;
      let ci: unknown = m[metric + CI_SUFFIX];
      if (typeof raw === 'number') value = raw;
      else if (raw && typeof raw === 'object' && typeof (raw as { mean?: unknown }).mean === 'number') {
        value = (raw as { mean: number }).mean;
        ci ??= (raw as { ci95?: unknown }).ci95;
      }
      if (value === undefined || !Number.isFinite(value)) continue;
      rows.push({ section, model, metric, value, ...interval(ci, value) });
    }
  }
  return rows;
}

/** True when any row carries an interval (the multi-seed benchmark format). */
export function hasIntervals(rows: readonly MetricRow[]): boolean {
  return rows.some((r) => r.lo !== undefined && r.hi !== undefined);
}
