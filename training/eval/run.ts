import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/schema.ts';
import type { RankingInput, RankingModel, RetrievalModel } from '../models/types.ts';
import { evaluateRanking } from './ranking.ts';
import { type EvalReport, recallCurveSvg, toMarkdown } from './report.ts';
import { buildRetrievalCases, evaluateRetrieval, type RetrievalCase } from './retrieval.ts';

/** A model to evaluate under its registry name; either part may be absent. */
export interface EvalSubject {
  name: string;
  retrieval?: RetrievalModel;
  ranking?: RankingModel;
}

/** Evaluates every subject on one period: retrieval by the shared protocol, ranking on that period's impressions. */
export function evaluateAll(
  ds: Dataset,
  period: 'validation' | 'test',
  subjects: readonly EvalSubject[],
  rankingInputs: () => readonly RankingInput[],
  onProgress?: (model: string, done: number, total: number) => void,
  /** The period's retrieval cases when the caller already built them (one run evaluates many models). */
  prebuilt?: readonly RetrievalCase[],
): EvalReport {
  const cases = prebuilt ?? buildRetrievalCases(ds, period);
  const report: EvalReport = { dataset: ds.name, dataHash: ds.dataHash, period, retrieval: [], ranking: [] };
  for (const s of subjects) {
    if (s.retrieval) {
      const r = evaluateRetrieval(s.retrieval, cases, ds.videos.length, {
        onProgress: (d, t) => onProgress?.(s.name, d, t),
      });
      report.retrieval.push({ ...r, model: s.name });
    }
    if (s.ranking) report.ranking.push({ ...evaluateRanking(s.ranking, rankingInputs()), model: s.name });
  }
  return report;
}

/** Writes `report.md`, `report.json` and `recall.svg` into `dir`; returns their paths. */
export function writeReport(dir: string, report: EvalReport): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'report.md'), join(dir, 'report.json'), join(dir, 'recall.svg')];
  writeFileSync(files[0]!, toMarkdown(report));
  // Per-user arrays feed interval computations; the saved report keeps the aggregates.
  const slim = (k: string, v: unknown) => (k === 'perQuery' || k === 'perUser' ? undefined : v);
  writeFileSync(files[1]!, JSON.stringify(report, slim, 2));
  writeFileSync(files[2]!, recallCurveSvg(report.retrieval, `recall@K on ${report.dataset} (${report.period})`));
  return files;
}

/** The flat metrics the registry's promotion gate compares. */
export function gateMetrics(report: EvalReport, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  const r = report.retrieval.find((x) => x.model === name);
  if (r) {
    out.recall_at_100 = r.overall.recall_at_100;
    out.ndcg_at_10 = r.overall.ndcg_at_10;
    out.ndcg_at_50 = r.overall.ndcg_at_50;
  }
  const k = report.ranking.find((x) => x.model === name);
  if (k) {
    if (k.heads.longView) out.gauc_long_view = k.heads.longView.gauc;
    if (k.heads.like) out.gauc_like = k.heads.like.gauc;
    if (k.heads.longView) out.logloss_long_view = k.heads.longView.logLoss;
  }
  for (const [key, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[key];
  return out;
}
