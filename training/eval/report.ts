import type { RankingResult } from './ranking.ts';
import type { RetrievalResult } from './retrieval.ts';

/** Everything one evaluation run produced; written as JSON beside the markdown and the SVG. */
export interface EvalReport {
  dataset: string;
  dataHash: string;
  period: 'validation' | 'test';
  retrieval: RetrievalResult[];
  ranking: RankingResult[];
}

const f = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** The report as markdown: a retrieval table (overall and segments) and a ranking table per head. */
export function toMarkdown(r: EvalReport): string {
  const lines = [`# Evaluation on ${r.dataset} (${r.period}, data ${r.dataHash.slice(0, 12)})`, ''];
  if (r.retrieval.length > 0) {
    lines.push(
      '## Retrieval',
      '',
      '| model | queries | recall@50 | recall@100 | recall@200 | NDCG@10 | NDCG@50 | hit@50 | coverage@100 | cold users R@100 (n) | cold videos R@100 (n) | history-masked R@100 (secondary) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const m of r.retrieval) {
      const o = m.overall;
      lines.push(
        `| ${m.model} | ${o.queries} | ${f(o.recall_at_50)} | ${f(o.recall_at_100)} | ${f(o.recall_at_200)} | ${f(o.ndcg_at_10)} | ${f(o.ndcg_at_50)} | ${f(o.hit_rate_at_50)} | ${f(m.coverage_at_100)} | ${f(m.coldUsers.recall_at_100)} (${m.coldUsers.queries}) | ${f(m.coldVideos.recall_at_100)} (${m.coldVideos.queries}) | ${f(m.historyMasked.recall_at_100)} |`,
      );
    }
    lines.push('');
  }
  if (r.ranking.length > 0) {
    lines.push(
      '## Ranking',
      '',
      '| model | head | positive rate | AUC | GAUC (users) | log loss | calibration |',
      '|---|---|---|---|---|---|---|',
    );
    for (const m of r.ranking) {
      for (const [head, h] of Object.entries(m.heads)) {
        lines.push(
          `| ${m.model} | ${head} | ${f(h.positiveRate)} | ${f(h.auc)} | ${f(h.gauc)} (${h.gaucUsers}) | ${f(h.logLoss)} | ${f(h.calibration, 3)} |`,
        );
      }
      if (m.watchRatio) {
        const w = m.watchRatio;
        lines.push(
          `| ${m.model} | watchRatio | mean ${f(w.meanObserved, 3)} | AUC vs long view ${f(w.aucLongView)} | RMSE ${f(w.rmse)} | MAE ${f(w.mae)} | ${f(w.meanPredicted / w.meanObserved, 3)} |`,
        );
      }
    }
    lines.push('');
    for (const m of r.ranking) {
      const lv = m.heads.longView;
      if (!lv) continue;
      lines.push(
        `### Reliability of ${m.model} longView`,
        '',
        '| predicted bin | count | mean predicted | observed |',
        '|---|---|---|---|',
      );
      for (const b of lv.reliability) {
        if (b.count > 0)
          lines.push(
            `| ${b.from.toFixed(1)}–${b.to.toFixed(1)} | ${b.count} | ${f(b.meanPredicted, 3)} | ${f(b.meanObserved, 3)} |`,
          );
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A line chart of recall@K (K = 10…200) per model, as a standalone SVG document. */
export function recallCurveSvg(results: readonly RetrievalResult[], title = 'recall@K'): string {
  const W = 640;
  const H = 400;
  const m = { l: 60, r: 160, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const maxY = Math.max(0.05, ...results.flatMap((r) => r.recallCurve.map((p) => p.recall)));
  const yMax = Math.ceil(maxY * 10) / 10;
  const x = (k: number) => m.l + ((k - 10) / 190) * pw;
  const y = (v: number) => m.t + ph - (v / yMax) * ph;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${m.l}" y1="${m.t + ph}" x2="${m.l + pw}" y2="${m.t + ph}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${m.t + ph}" stroke="black"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">K</text>`,
    `<text x="16" y="${m.t + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.t + ph / 2})">recall@K</text>`,
  ];
  for (let k = 10; k <= 200; k += 30) {
    parts.push(`<text x="${x(k)}" y="${m.t + ph + 18}" text-anchor="middle">${k}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    parts.push(`<line x1="${m.l}" y1="${y(v)}" x2="${m.l + pw}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = r.recallCurve.map((p) => `${x(p.k).toFixed(1)},${y(p.recall).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(
      `<line x1="${W - m.r + 12}" y1="${m.t + 10 + i * 18}" x2="${W - m.r + 32}" y2="${m.t + 10 + i * 18}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${W - m.r + 38}" y="${m.t + 14 + i * 18}">${esc(r.model)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
