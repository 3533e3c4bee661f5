import { describe, expect, it } from 'vitest';
import type { PlatformEngagementEvent } from '../feature-store/signals.ts';
import { DAY_MS } from './aggregate.ts';
import { COVARIATE_NAMES, covariatesOf } from './covariates.ts';
import { regressionAdjust } from './regression.ts';
import { cuped } from './stats.ts';

const close = (xs: readonly number[]) => xs.map((v) => expect.closeTo(v, 10));

describe('multi-covariate CUPED (regression adjustment)', () => {
  it('solves the normal equations of a hand-worked two-covariate case', () => {
    // Centred: x1 = (−2, −1, 0, 1, 2), x2 = (−.6, −.6, .4, .4, .4), y = (−2, 0, −1, 2, 1) around 3.
    // Sxx = [[10, 3], [3, 1.2]], Sxy = (8, 2): β = (1.2, −4/3); R² = β·Sxy / Syy = 6.9333 / 10.
    const y = [1, 3, 2, 5, 4];
    const x = [
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 1],
      [5, 1],
    ];
    const r = regressionAdjust(y, x);
    expect(r.beta).toEqual(close([1.2, -4 / 3]));
    expect(r.used).toBe(2);
    expect(r.varianceReduction).toBeCloseTo(0.693333333, 8);
    // Adjusted = mean + residual: the mean is kept, the residuals sum to 0.
    expect([...r.adjusted]).toEqual(close([3 - 0.4, 3 + 0.4, 3 - 1.4 / 3, 3 + 4 / 3, 3 - 2.6 / 3]));
    // (n − 1)/(n − 1 − p) · (1 + p/n) = 4/2 · 7/5.
    expect(r.varianceInflation).toBeCloseTo(2.8, 12);
  });

  it('recovers exact coefficients when the noise is orthogonal to the covariates', () => {
    const x1 = [1, 2, 3, 4, 5, 6];
    const x2 = [1, 0, 1, 0, 1, 0];
    const e = [1, -1, -1, 1, 0, 0];
    const y = x1.map((v, i) => 2 + 3 * v - 1.5 * x2[i]! + e[i]!);
    const r = regressionAdjust(
      y,
      x1.map((v, i) => [v, x2[i]!]),
    );
    expect(r.beta).toEqual(close([3, -1.5]));
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    expect([...r.adjusted]).toEqual(close(e.map((v) => mean + v)));
  });

  it('is classic CUPED with one covariate (θ = 0.6 on the textbook case)', () => {
    const y = [2, 4, 5, 4, 5];
    const x = [1, 2, 3, 4, 5];
    const r = regressionAdjust(
      y,
      x.map((v) => [v]),
    );
    const c = cuped(y, x);
    expect(r.beta[0]).toBeCloseTo(c.theta, 12);
    expect([...r.adjusted]).toEqual(close([...c.adjusted]));
    expect(r.varianceReduction).toBeCloseTo(c.varianceReduction, 12);
  });

  it('drops a constant or collinear covariate and fits the rest', () => {
    const y = [1, 3, 2, 5, 4];
    const x = [
      [1, 7, 2],
      [2, 7, 4],
      [3, 7, 6],
      [4, 7, 8],
      [5, 7, 10],
    ];
    const r = regressionAdjust(y, x);
    expect(r.used).toBe(1);
    expect(r.beta).toEqual(close([0.8, 0, 0]));
  });

  it('keeps the difference of means unbiased: pooled over arms, an A/A split moves by the covariates alone', () => {
    // Two arms with the same y-on-x relation: the adjusted difference is the raw difference minus β·Δx̄.
    const y = [1, 3, 2, 5, 4, 6];
    const x = [[1], [2], [3], [4], [5], [6]];
    const r = regressionAdjust(y, x);
    const a = [0, 2, 4];
    const b = [1, 3, 5];
    const m = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const raw = m(b.map((i) => y[i]!)) - m(a.map((i) => y[i]!));
    const dx = m(b.map((i) => x[i]![0]!)) - m(a.map((i) => x[i]![0]!));
    expect(m(b.map((i) => r.adjusted[i]!)) - m(a.map((i) => r.adjusted[i]!))).toBeCloseTo(raw - r.beta[0]! * dx, 12);
  });
});

describe('pre-exposure covariates', () => {
  const START = 1_800_000_000_000;
  const ev = (t: number, type: PlatformEngagementEvent['type'], watchMs?: number): PlatformEngagementEvent => ({
    type,
    userId: 'u:a',
    videoId: 'v',
    timeMs: START + t,
    ...(watchMs !== undefined ? { watchMs, durationMs: 10_000 } : {}),
  });
  it('reads only the pre-period, plus the hours since exposure', () => {
    const pre = [
      ev(-2.5 * DAY_MS, 'impression'),
      ev(-2.5 * DAY_MS + 1000, 'complete', 10_000),
      ev(-0.5 * DAY_MS, 'impression'),
      ev(-0.5 * DAY_MS + 1000, 'skip', 4_000),
      // Before the pre-period: ignored.
      ev(-4 * DAY_MS, 'impression'),
    ];
    const c = covariatesOf({ exposedAt: START + 3_600_000, pre }, 'watch_s', {
      start: START,
      preDays: 3,
      asOf: START + 5 * 3_600_000,
    });
    expect(c).toHaveLength(COVARIATE_NAMES.length);
    // Known 60 h = 2.5 days: 14 / 2.5 = 5.6 a day, times 4 h = 1/6 day in the experiment; the last day's 4 × 1/6.
    expect(c).toEqual(close([14, 4, Math.log1p(14), 2, 2, 1, 60, 4, 5.6 / 6, 4 / 6]));
  });
});
