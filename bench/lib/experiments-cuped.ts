/**
 * bench:experiments' CUPED figures on per-user looks (ab/calibration.ts): the share of the variance of
 * the difference of means that an adjustment removes, 1 − (se with / se without)², at the last look, for
 * the report's estimator (regression on the pre-exposure covariates of ab/covariates.ts), for classic
 * single-covariate CUPED, for growing covariate sets, and for transformed watch time reported as
 * separate metrics (never in place of the goal metric).
 */
import { testAtLook, type UserLooks } from '../../ab/calibration.ts';
import { COVARIATE_NAMES } from '../../ab/covariates.ts';

/** 1 − (se of B − A with CUPED / without)² at look `k`. */
export function seShare(a: readonly UserLooks[], b: readonly UserLooks[], k: number): number {
  return 1 - (testAtLook(a, b, k, true).se / testAtLook(a, b, k, false).se) ** 2;
}

/** The users with only the covariates at `columns` (none: classic CUPED on `pre`). */
export function withColumns(xs: readonly UserLooks[], columns: readonly number[]): UserLooks[] {
  return xs.map(({ covariates, ...u }) =>
    columns.length === 0 || !covariates ? u : { ...u, covariates: covariates.map((c) => columns.map((j) => c[j]!)) },
  );
}

/** The users with every look's value passed through `f` (a separate metric). */
function transformed(xs: readonly UserLooks[], f: (v: number, k: number) => number): UserLooks[] {
  return xs.map((u) => ({ ...u, looks: u.looks.map((v, k) => (Number.isFinite(v) ? f(v, k) : v)) }));
}

/** Share of the total held by the top 1 %, 5 % and 10 % of values. */
export function concentration(values: readonly number[]): Record<string, number> {
  const sorted = [...values].sort((x, y) => y - x);
  const total = sorted.reduce((s, v) => s + v, 0);
  const top = (q: number) => sorted.slice(0, Math.max(1, Math.round(q * sorted.length))).reduce((s, v) => s + v, 0);
  return { top_1pct_share: top(0.01) / total, top_5pct_share: top(0.05) / total, top_10pct_share: top(0.1) / total };
}

/** The CUPED section of the results, on the A/A pair (`a`, `b`) and the planted pair, at look `last`. */
export function cupedFigures(o: {
  a: readonly UserLooks[];
  b: readonly UserLooks[];
  control: readonly UserLooks[];
  treated: readonly UserLooks[];
  last: number;
}) {
  const { a, b, last } = o;
  const vr = (cols: readonly number[] | undefined) =>
    cols === undefined ? seShare(a, b, last) : seShare(withColumns(a, cols), withColumns(b, cols), last);
  const cumulative = Object.fromEntries(
    COVARIATE_NAMES.map((name, j) => [name, vr(Array.from({ length: j + 1 }, (_, i) => i))]),
  );
  const dropOne = Object.fromEntries(
    COVARIATE_NAMES.map((name, j) => [name, vr(COVARIATE_NAMES.map((_, i) => i).filter((i) => i !== j))]),
  );
  const values = [...a, ...b].map((u) => u.looks[last]!).filter(Number.isFinite);
  const sorted = [...values].sort((x, y) => x - y);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]!;
  const separate = (f: (v: number) => number) => ({
    variance_reduction: seShare(transformed(a, f), transformed(b, f), last),
    single_covariate: seShare(withColumns(transformed(a, f), []), withColumns(transformed(b, f), []), last),
  });
  return {
    variance_reduction: vr(undefined),
    single_covariate: vr([]),
    /** With the first 1, 2, … covariates of `covariates` (the first alone is classic CUPED). */
    cumulative,
    /** With every covariate but the one named. */
    drop_one: dropOne,
    planted_effect: seShare(o.control, o.treated, last),
    /** Watch time per user at the last look, A/A users: is it dominated by a few heavy users? */
    watch_time_concentration: { users: values.length, ...concentration(values) },
    /** Transformed watch time as metrics of their own (the goal metric stays raw watch time). */
    separate_metrics: {
      log1p_watch_time: separate((v) => Math.log1p(v)),
      watch_time_winsorised_p99: { cap_s: p99, ...separate((v) => Math.min(v, p99)) },
    },
  };
}
