/**
 * The experiment report an experimenter reads: `report.md` (status, exposures, sample ratio, every
 * metric with its fixed and always-valid intervals, guardrails, what to do next), `report.json` (the
 * same numbers) and two SVG plots: the primary metric's cumulative effect with its sequential
 * confidence band over time, and per-arm distributions of the primary metric per user.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Analysis, type AnalysisInput, aggregate, analyse, DAY_MS } from './analysis.ts';
import type { ExperimentState } from './state.ts';
import { SRM_THRESHOLD } from './stats.ts';
import { distributionChart, type EffectSeries, effectChart } from './svg.ts';

/** A report's parts. */
export interface Report {
  analysis: Analysis;
  timeline: { t_days: number; arm: string; relative: number; lo: number; hi: number; users: number }[];
  markdown: string;
  svgs: Record<string, string>;
}

const pct = (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} %`;
const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

/** The analysis at `points` moments from the start to `asOf` (the effect plot's points). */
export function timeline(input: AnalysisInput, points = 12): Report['timeline'] {
  const out: Report['timeline'] = [];
  for (let k = 1; k <= points; k++) {
    const asOf = input.start + ((input.asOf - input.start) * k) / points;
    const a = analyse({ ...input, asOf });
    for (const r of a.metrics.filter((m) => m.metric === a.primary)) {
      const c = r.comparison.control;
      out.push({
        t_days: (asOf - input.start) / DAY_MS,
        arm: r.arm,
        relative: r.comparison.relative,
        lo: r.sequential_ci[0] / c,
        hi: r.sequential_ci[1] / c,
        users: Object.values(a.exposures).reduce((x, y) => x + y, 0),
      });
    }
  }
  return out;
}

/** Builds the report of an experiment at `input.asOf`. */
export function buildReport(input: AnalysisInput, state?: ExperimentState): Report {
  const a = analyse(input);
  const e = input.experiment;
  const tl = timeline(input);
  const arms = e.arms.slice(1).map((x) => x.name);
  const series: EffectSeries[] = arms.map((arm) => ({
    name: `${arm} vs ${e.arms[0]!.name}`,
    points: tl
      .filter((p) => p.arm === arm)
      .map((p) => ({ x: p.t_days, y: 100 * p.relative, lo: 100 * p.lo, hi: 100 * p.hi })),
  }));
  const def = input.metrics[a.primary]!;
  const users = input.users.filter((u) => u.exposedAt < input.asOf);
  const perUser = (arm: string) =>
    users
      .filter((u) => u.arm === arm)
      .map((u) => {
        const g = aggregate(u.events, u.exposedAt, input.asOf);
        return def.kind === 'mean' ? g[def.value] : g[def.numerator] / Math.max(1, g[def.denominator]);
      });
  const svgs = {
    'effect.svg': effectChart(
      `${e.name}: ${a.primary}, cumulative relative effect (always-valid 95 % band)`,
      'days since start',
      'effect on the primary metric, %',
      series,
    ),
    'distribution.svg': distributionChart(
      `${e.name}: ${a.primary} per user`,
      a.primary,
      e.arms.map((x) => ({ name: x.name, values: perUser(x.name) })),
    ),
  };
  return { analysis: a, timeline: tl, markdown: markdown(input, a, state), svgs };
}

function verdict(a: Analysis): string[] {
  const lines: string[] = [];
  if (a.srm.mismatch)
    return [
      `**Sample ratio mismatch** (χ² = ${a.srm.chi2.toFixed(1)}, p = ${a.srm.p.toExponential(2)} < ${SRM_THRESHOLD}): users did not reach the arms in the configured proportions, so assignment or exposure is broken and no result below can be trusted. The experiment is paused; find the cause, change the salt and start again.`,
    ];
  for (const g of a.guardrails.filter((x) => x.breached))
    lines.push(
      `**Guardrail breached**: ${g.metric} moved ${pct(g.relative)} in ${g.arm} (tolerance ${pct(g.tolerance)}); the arm is stopped.`,
    );
  for (const r of a.metrics.filter((m) => m.metric === a.primary)) {
    if (r.better)
      lines.push(
        `**${r.arm} wins** on ${a.primary}: ${pct(r.comparison.relative)} (always-valid interval excludes 0). It can be shipped: \`npm run exp -- ship <file> --arm ${r.arm}\`.`,
      );
    else if (r.worse) lines.push(`**${r.arm} loses** on ${a.primary}: ${pct(r.comparison.relative)}. Stop it.`);
    else {
      const n = Math.min(...Object.values(a.exposures));
      lines.push(
        `No decision yet for ${r.arm} on ${a.primary} (${pct(r.comparison.relative)}, |z| = ${Math.abs(r.z).toFixed(2)} below the boundary ${r.boundary.toFixed(2)} of this look). ` +
          `The design needs about ${a.recommended_users_per_arm.toLocaleString('en')} users per arm to detect the planned effect; the smallest arm has ${n.toLocaleString('en')}.`,
      );
    }
  }
  return lines;
}

function markdown(input: AnalysisInput, a: Analysis, state?: ExperimentState): string {
  const e = input.experiment;
  const days = (a.as_of - a.start) / DAY_MS;
  const rows = a.metrics.map((r) => {
    const c = r.comparison;
    return `| ${r.metric}${r.metric === a.primary ? ' (primary)' : ''} | ${r.arm} | ${num(c.control)} | ${num(c.treatment)} | ${pct(c.relative)} | [${pct(c.ci[0] / c.control)}, ${pct(c.ci[1] / c.control)}] | [${pct(r.sequential_ci[0] / c.control)}, ${pct(r.sequential_ci[1] / c.control)}] | ${c.p.toPrecision(2)} | ${Number.isNaN(r.q) ? '—' : r.q.toPrecision(2)} | ${r.cuped ? `${(100 * r.variance_reduction).toFixed(1)} % less variance` : r.kind === 'ratio' ? 'delta method' : 'off'} | ${r.better ? 'better' : r.worse ? 'worse' : '—'} |`;
  });
  return [
    `# Experiment ${e.name}`,
    '',
    e.description,
    '',
    `- status: **${state?.status ?? 'not started'}**${state?.reason ? ` (${state.reason})` : ''}; layer ${e.layer}, traffic ${pct(e.traffic).replace('+', '')}, arms ${e.arms.map((x) => `${x.name} (${x.weight})`).join(', ')}`,
    `- ${days.toFixed(2)} of ${e.analysis.duration_days} planned days: look ${a.looks.length} of ${e.analysis.looks} (information fraction ${a.information_fraction.toFixed(2)}); boundary |z| > ${a.boundaries[a.boundaries.length - 1]!.toFixed(3)}`,
    `- exposures: ${Object.entries(a.exposures)
      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
      .join(
        ', ',
      )}; sample ratio χ² = ${a.srm.chi2.toFixed(2)}, p = ${a.srm.p.toPrecision(3)}${a.srm.mismatch ? ' **MISMATCH**' : ' (ok)'}`,
    '',
    '## Verdict',
    '',
    ...verdict(a).map((l) => `- ${l}`),
    '',
    '## Metrics',
    '',
    'Relative to control. "95 % CI" is the fixed-horizon Welch interval, valid only at the planned end; "always-valid" is the group-sequential interval of this look, valid however often the report is read. q: Benjamini–Hochberg over the primary and secondary metrics. CUPED column: share of variance removed by the adjustment for each user\'s pre-exposure facts (net of fitting it).',
    '',
    '| metric | arm | control | treatment | change | 95 % CI | always-valid | p | q | CUPED | |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(a.guardrails.length
      ? [
          '## Guardrails',
          '',
          '| metric | arm | change | tolerance | breached |',
          '|---|---|---|---|---|',
          ...a.guardrails.map(
            (g) =>
              `| ${g.metric} | ${g.arm} | ${pct(g.relative)} | ${pct(g.tolerance)} | ${g.breached ? '**yes**' : 'no'} |`,
          ),
          '',
        ]
      : []),
    '## Plots',
    '',
    '![cumulative effect](effect.svg)',
    '',
    '![per-user distribution](distribution.svg)',
    '',
    '## Method',
    '',
    `Users enter at their first impression after the start while bucketed into an arm (SHA-256 of salt and user id); metrics are summed per user from the exposure to this look, from the platform's engagement log. Means: Welch's t-test on per-user values, CUPED-adjusted ${e.analysis.cuped_covariates === 'metric' ? `with each user's own metric over the ${e.analysis.pre_period_days} days before the start (θ pooled over arms)` : `by regression on each user's pre-exposure facts (the metric over the ${e.analysis.pre_period_days} days before the start, over its last day and its log, sessions, active days, active on the last day, hours known, hours since exposure, and the pre-period rates times the time since exposure; coefficients pooled over arms)`}. Ratios: delta method. Sequential: Lan–DeMets O'Brien–Fleming alpha spending over ${e.analysis.looks} looks at α = ${e.analysis.alpha}, information measured as elapsed share of the planned duration. Sample ratio: χ² against the weights, p < ${SRM_THRESHOLD} flags (0.001 shared over 100 looks, since every look tests it).`,
    '',
  ].join('\n');
}

/** Writes report.md, report.json and the SVGs into `dir`. */
export function writeReport(dir: string, r: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.md'), r.markdown);
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...r.analysis, timeline: r.timeline }, null, 2));
  for (const [name, svg] of Object.entries(r.svgs)) writeFileSync(join(dir, name), svg);
}
