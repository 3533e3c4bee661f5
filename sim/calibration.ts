/**
 * How heterogeneous and how persistent real users' activity is, measured on the KuaiRand-Pure standard
 * log (../shared/data/kuairand-pure): the figures the worlds' `activity` block is fitted to
 * (`npm run sim -- calibrate`, writing bench/results/sim-calibration.json). Pure functions over
 * impression rows; the simulator itself never reads the data (the fitted numbers are committed).
 */

/** One logged impression: who, when (epoch ms) and how long it was watched. */
export interface Impression {
  user: number;
  timeMs: number;
  playMs: number;
}

const DAY_MS = 24 * 3_600_000;

/** The latent daily activity model the worlds use: log m(u, d) = a_u + e(u, d) + ε(u, d), mean 1. */
export interface ActivityFit {
  /** Var of a_u: the persistent per-user level. */
  persistent_var: number;
  /** Var and lag-1 coefficient of e: an AR(1) level that wanders from day to day. */
  ar_var: number;
  ar_phi: number;
  /** Var of ε: independent day-to-day noise. */
  iid_var: number;
}

/** What the calibration reports. */
export interface ActivityCalibration {
  /** Users with at least one impression in the window, the window's days, its impressions. */
  users: number;
  days: number;
  impressions: number;
  impressions_per_user_day: number;
  /** Share of the days a user was active, and P(active tomorrow | active today). */
  active_day_share: { mean: number; p10: number; p50: number; p90: number };
  p_active_next_day: number;
  /**
   * The latent daily rate λ(u, d) behind the impression counts (each day's counts divided by that day's
   * mean, so the May-Day holiday is not read as persistence): CV² = (Var N − E N) / (E N)² and the
   * autocorrelation of λ at lags 1..10 days, Cov(N_d, N_d+k) / (Var N − E N). Counts are Poisson given
   * λ, so both are unaffected by the log keeping only a fraction of each user's impressions (the
   * candidate pool): the thinning scales λ and adds Poisson noise, which these formulas remove.
   */
  latent_rate: { cv2: number; acf: number[]; lag_cov_over_mean2: number[] };
  fit: ActivityFit & { rmse: number };
  /** Correlation of week 1's and week 2's impression totals per user, raw and with the Poisson noise removed. */
  week_to_week: { raw: number; latent: number };
  /**
   * For context only, not fitted: the correlation of a user's 3-day total with the next 2 days' total
   * (raw counts, attenuated by the thinned log), for impressions and play time.
   */
  three_day_vs_next_two: { impressions: number; play_s: number };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mean = (x: readonly number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const covariance = (x: readonly number[], y: readonly number[]) => {
  const mx = mean(x);
  const my = mean(y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return s / (x.length - 1);
};

/**
 * Fits log(1 + Cov_k / m²) = persistent_var + ar_var · φ^k over lags k ≥ 1 (least squares, φ on a grid),
 * and gives the rest of log(1 + CV²) to independent daily noise: the covariances of a lognormal rate
 * exp(a + e + ε) with a constant, e AR(1) and ε white.
 */
export function fitActivity(cv2: number, lagCov: readonly number[]): ActivityFit & { rmse: number } {
  const y = lagCov.map((c) => Math.log(1 + Math.max(-0.99, c)));
  let best: ActivityFit & { rmse: number } = { persistent_var: 0, ar_var: 0, ar_phi: 0, iid_var: 0, rmse: Infinity };
  for (let phi = 0.01; phi < 1; phi += 0.01) {
    const x = y.map((_, i) => phi ** (i + 1));
    const mx = mean(x);
    const my = mean(y);
    const slope = Math.max(0, covariance(x, y) / covariance(x, x));
    const level = Math.max(0, my - slope * mx);
    const rmse = Math.sqrt(mean(y.map((yi, i) => (yi - level - slope * x[i]!) ** 2)));
    if (rmse < best.rmse)
      best = { persistent_var: level, ar_var: slope, ar_phi: Math.round(phi * 100) / 100, iid_var: 0, rmse };
  }
  best.iid_var = Math.max(0, Math.log(1 + cv2) - best.persistent_var - best.ar_var);
  return best;
}

/** The activity figures of a log over `days` days from `startMs` (a local midnight). */
export function calibrate(
  rows: readonly Impression[],
  startMs: number,
  days: number,
  maxLag = 10,
): ActivityCalibration {
  const counts = new Map<number, { n: number[]; play: number[] }>();
  let impressions = 0;
  for (const r of rows) {
    const d = Math.floor((r.timeMs - startMs) / DAY_MS);
    if (d < 0 || d >= days) continue;
    let u = counts.get(r.user);
    if (!u) {
      u = { n: new Array<number>(days).fill(0), play: new Array<number>(days).fill(0) };
      counts.set(r.user, u);
    }
    u.n[d] = u.n[d]! + 1;
    u.play[d] = u.play[d]! + r.playMs / 1000;
    impressions++;
  }
  const users = [...counts.values()];
  const dayMean = Array.from({ length: days }, (_, d) => mean(users.map((u) => u.n[d]!)));
  // Each day's counts over that day's mean: E = 1, Poisson noise variance 1 / m_d.
  const x = users.map((u) => u.n.map((n, d) => n / dayMean[d]!));
  const flat = x.flat();
  const poisson = mean(dayMean.map((m) => 1 / m));
  const cv2 = covariance(flat, flat) - poisson;
  const lagCov: number[] = [];
  for (let k = 1; k <= maxLag && k < days; k++) {
    const a: number[] = [];
    const b: number[] = [];
    for (const xs of x)
      for (let d = 0; d + k < days; d++) {
        a.push(xs[d]!);
        b.push(xs[d + k]!);
      }
    lagCov.push(covariance(a, b));
  }
  const sum = (xs: readonly number[], from: number, to: number) => xs.slice(from, to).reduce((s, v) => s + v, 0);
  const half = Math.floor(days / 2);
  const w1 = users.map((u) => sum(u.n, 0, half));
  const w2 = users.map((u) => sum(u.n, half, 2 * half));
  const corr = (p: readonly number[], q: readonly number[]) =>
    covariance(p, q) / Math.sqrt(covariance(p, p) * covariance(q, q));
  const shares = users.map((u) => u.n.filter((n) => n > 0).length / days).sort((p, q) => p - q);
  let chances = 0;
  let back = 0;
  for (const u of users)
    for (let d = 0; d + 1 < days; d++)
      if (u.n[d]! > 0) {
        chances++;
        if (u.n[d + 1]! > 0) back++;
      }
  const mid = half;
  return {
    users: users.length,
    days,
    impressions,
    impressions_per_user_day: impressions / (users.length * days),
    active_day_share: {
      mean: mean(shares),
      p10: quantile(shares, 0.1),
      p50: quantile(shares, 0.5),
      p90: quantile(shares, 0.9),
    },
    p_active_next_day: back / chances,
    latent_rate: { cv2, acf: lagCov.map((c) => c / cv2), lag_cov_over_mean2: lagCov },
    fit: fitActivity(cv2, lagCov),
    week_to_week: {
      raw: corr(w1, w2),
      latent: covariance(w1, w2) / Math.sqrt((covariance(w1, w1) - mean(w1)) * (covariance(w2, w2) - mean(w2))),
    },
    three_day_vs_next_two: {
      impressions: corr(
        users.map((u) => sum(u.n, mid - 3, mid)),
        users.map((u) => sum(u.n, mid, mid + 2)),
      ),
      play_s: corr(
        users.map((u) => sum(u.play, mid - 3, mid)),
        users.map((u) => sum(u.play, mid, mid + 2)),
      ),
    },
  };
}

/** Reads the standard log's user, time and play columns (the file has no quoted fields). */
export function parseKuaiRandLog(text: string): Impression[] {
  const lines = text.split('\n');
  const head = lines[0]!.split(',');
  const iu = head.indexOf('user_id');
  const it = head.indexOf('time_ms');
  const ip = head.indexOf('play_time_ms');
  if (iu < 0 || it < 0 || ip < 0) throw new Error('not a KuaiRand log: user_id, time_ms, play_time_ms expected');
  const out: Impression[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    const f = l.split(',');
    out.push({ user: Number(f[iu]), timeMs: Number(f[it]), playMs: Number(f[ip]) });
  }
  return out;
}
