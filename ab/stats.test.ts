import { describe, expect, it } from 'vitest';
import { chiSquareSf, normalCdf, normalQuantile, studentTQuantile, studentTTwoSided } from './distributions.ts';
import {
  benjaminiHochberg,
  cuped,
  meanEstimate,
  obfSpending,
  ratioEstimate,
  SRM_THRESHOLD,
  sampleSizePerArm,
  sequentialBoundaries,
  sequentialInflation,
  sequentialRejectProbability,
  srm,
  welch,
} from './stats.ts';

describe('distributions', () => {
  it('matches the normal and t tables', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975002, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    // t(25) two-sided 5 % critical value 2.060; t(10) 2.228.
    expect(studentTQuantile(0.975, 25)).toBeCloseTo(2.0595, 3);
    expect(studentTTwoSided(2.228, 10)).toBeCloseTo(0.05, 3);
  });
  it('matches the chi-square table (df 1: 3.841 → 0.05, 10.828 → 0.001; df 2: 5.991 → 0.05)', () => {
    expect(chiSquareSf(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(10.828, 1)).toBeCloseTo(0.001, 5);
    expect(chiSquareSf(5.991, 2)).toBeCloseTo(0.05, 4);
  });
});

describe("Welch's t-test", () => {
  // The two worked examples of Wikipedia's "Welch's t-test" article (also scipy.stats.ttest_ind(equal_var=False)).
  it('gives t = −2.46, ν = 25.0, p = 0.021 on the first textbook example', () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const c = welch(meanEstimate(a2), meanEstimate(a1));
    expect(c.t).toBeCloseTo(-2.455356, 5);
    expect(c.df).toBeCloseTo(24.98853, 4);
    expect(c.p).toBeCloseTo(0.021378, 5);
  });
  it('gives t = −1.57, ν = 9.90, p = 0.149 on the unequal-size example', () => {
    const a1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
    const a2 = [
      21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5,
      21.8,
    ];
    const c = welch(meanEstimate(a2), meanEstimate(a1));
    expect(c.t).toBeCloseTo(-1.565434, 5);
    expect(c.df).toBeCloseTo(9.904741, 4);
    expect(c.p).toBeCloseTo(0.148842, 5);
    expect(c.ci[0]).toBeLessThan(c.diff);
    expect(c.ci[1]).toBeGreaterThan(0);
  });
});

describe('delta method for a ratio metric', () => {
  it('matches the hand-worked variance of a ratio of means', () => {
    // Users' (clicks, views): (1, 2), (2, 2), (0, 1), (3, 5). Ȳ = 1.5, X̄ = 2.5, R = 0.6;
    // s²_Y = 5/3, s²_X = 3, s_XY = 2; Var(R) = (5/3 − 2·0.6·2 + 0.36·3) / (4 · 6.25) = 0.34667/25 = 0.0138667.
    const e = ratioEstimate([1, 2, 0, 3], [2, 2, 1, 5]);
    expect(e.mean).toBeCloseTo(0.6, 12);
    expect(e.varianceOfMean).toBeCloseTo(0.0138667, 6);
  });
  it('agrees with the spread of the ratio over many simulated experiments', () => {
    let seed = 7;
    const rand = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const ratios: number[] = [];
    let predicted = 0;
    for (let r = 0; r < 400; r++) {
      const views: number[] = [];
      const clicks: number[] = [];
      for (let u = 0; u < 300; u++) {
        const v = 1 + Math.floor(rand() * 20);
        const p = 0.1 + 0.3 * rand();
        let c = 0;
        for (let k = 0; k < v; k++) if (rand() < p) c++;
        views.push(v);
        clicks.push(c);
      }
      const e = ratioEstimate(clicks, views);
      ratios.push(e.mean);
      predicted += e.varianceOfMean / 400;
    }
    const m = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const observed = ratios.reduce((a, b) => a + (b - m) ** 2, 0) / (ratios.length - 1);
    expect(observed / predicted).toBeGreaterThan(0.8);
    expect(observed / predicted).toBeLessThan(1.25);
  });
});

describe('CUPED', () => {
  it('removes ρ² of the variance on a hand-worked case', () => {
    // x = 1..5, y = (2, 4, 5, 4, 5): Σxy = 6, Σxx = 10, Σyy = 6 about the means → θ = 0.6, ρ² = 36/60 = 0.6.
    const c = cuped([2, 4, 5, 4, 5], [1, 2, 3, 4, 5]);
    expect(c.theta).toBeCloseTo(0.6, 12);
    expect(c.varianceReduction).toBeCloseTo(0.6, 12);
    expect([...c.adjusted]).toEqual([2 + 1.2, 4 + 0.6, 5, 4 - 0.6, 5 - 1.2].map((v) => expect.closeTo(v, 12)));
  });
  it('leaves the mean unchanged and does nothing with an uninformative covariate', () => {
    const c = cuped([1, 2, 3], [5, 5, 5]);
    expect(c.theta).toBe(0);
    expect(c.varianceReduction).toBe(0);
  });
});

describe('sample ratio mismatch', () => {
  it('computes χ² and p by the table (50,000 vs 51,000: χ² 9.901, p 0.00165) and flags only below 1e-5', () => {
    const s = srm([50_000, 51_000], [1, 1]);
    expect(s.chi2).toBeCloseTo(9.90099, 4);
    expect(s.p).toBeCloseTo(0.001653, 5);
    expect(s.mismatch).toBe(false);
    expect(SRM_THRESHOLD).toBe(1e-5);
    // χ²(1) = 19.511 is the 1e-5 critical value: 50,000 vs 51,500 gives 22.17 (flagged), vs 50,000 vs 51,000 not.
    expect(chiSquareSf(19.5114, 1)).toBeCloseTo(1e-5, 8);
    expect(srm([50_000, 51_500], [1, 1]).mismatch).toBe(true);
    // A 52/48 bucketing bug on 50,000 users: χ² = 80, far past the bar.
    expect(srm([26_000, 24_000], [1, 1]).chi2).toBeCloseTo(80, 9);
    expect(srm([26_000, 24_000], [1, 1]).mismatch).toBe(true);
  });
  it('tests against unequal weights', () => {
    expect(srm([900, 100], [9, 1]).chi2).toBeCloseTo(0, 12);
  });
});

describe('Benjamini–Hochberg', () => {
  it('adjusts p-values by the step-up rule', () => {
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005])).toEqual(
      [0.02, 0.04, 0.04, 0.02].map((v) => expect.closeTo(v, 12)),
    );
  });
});

describe('group-sequential design', () => {
  const five = [0.2, 0.4, 0.6, 0.8, 1];
  it("finds Pocock's constant 2.413 and O'Brien–Fleming's 2.040 for 5 looks at α = 0.05 (Jennison & Turnbull, tables 2.1, 2.3)", () => {
    const pocock = (c: number) => sequentialRejectProbability(five, [c, c, c, c, c], 0);
    expect(pocock(2.413)).toBeCloseTo(0.05, 3);
    const obf = (c: number) =>
      sequentialRejectProbability(
        five,
        five.map((t) => c / Math.sqrt(t)),
        0,
      );
    expect(obf(2.04)).toBeCloseTo(0.05, 3);
  });
  it("gives the published Lan–DeMets O'Brien–Fleming boundaries 4.877, 3.357, 2.680, 2.290, 2.031", () => {
    const b = sequentialBoundaries(five);
    [4.877, 3.357, 2.68, 2.29, 2.031].forEach((v, i) => {
      expect(b[i]).toBeCloseTo(v, 2);
    });
    expect(obfSpending(1)).toBeCloseTo(0.05, 10);
    expect(sequentialRejectProbability(five, b, 0)).toBeCloseTo(0.05, 4);
  });
  it('needs a few per cent more users than a fixed test for the same power', () => {
    const f = sequentialInflation(five);
    expect(f).toBeGreaterThan(1.01);
    expect(f).toBeLessThan(1.05);
  });
  it('sizes a fixed test by the textbook formula (σ = 1, δ = 0.1 → 1,570 per arm)', () => {
    expect(sampleSizePerArm(1, 0.1)).toBe(1570);
  });
});
