import { describe, expect, it } from 'vitest';
import {
  aaRuns,
  mulberry32,
  powerRuns,
  srmDetection,
  srmMonitoring,
  testAtLook,
  type UserLooks,
} from './calibration.ts';
import { sequentialBoundaries } from './stats.ts';

/** Users whose metric grows each look around a stable taste, which their pre-period also reflects. */
function population(n: number, lift: number, seed: number, prefix: string): UserLooks[] {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) => {
    const taste = 10 + 3 * normal();
    let acc = 0;
    const looks = Array.from({ length: 5 }, () => {
      acc += taste * (1 + lift) + 3 * normal();
      return acc;
    });
    return { id: `${prefix}${i}`, pre: taste + 3 * normal(), looks };
  });
}

describe('calibration on synthetic users', () => {
  const bounds = sequentialBoundaries([0.2, 0.4, 0.6, 0.8, 1]);
  it('keeps the sequential A/A false-positive rate near 5 % while naive peeking inflates it', () => {
    const r = aaRuns(population(600, 0, 3, 'a'), 300, bounds);
    expect(r.false_positive_rate).toBeLessThan(0.09);
    expect(r.naive_false_positive_rate).toBeGreaterThan(r.false_positive_rate);
    expect(r.srm_false_alarm_rate).toBeLessThan(0.02);
  });
  it('detects a planted effect and a 52/48 bucketing bug', () => {
    expect(powerRuns(population(400, 0, 4, 'c'), population(400, 0.1, 5, 't'), 300, 100, bounds)).toBeGreaterThan(0.8);
    // At the 1e-5 bar a 52/48 split needs about 40,000 users (χ² ≈ 0.0016·n against 19.5).
    expect(srmDetection(50_000, 20, [52, 48], [1, 1])).toBe(1);
  });
  it('CUPED removes ρ² of the variance of the difference, as the closed form says', () => {
    // Per user: final = 5·taste + Σ5 noise, pre = taste + noise, taste ~ N(10, 3²), noise ~ N(0, 3²):
    // Var(final) = 25·9 + 5·9 = 270, Var(pre) = 18, Cov = 5·9 = 45, so ρ² = 45² / (270·18) = 0.4167.
    const a = population(5000, 0, 11, 'x');
    const b = population(5000, 0, 12, 'y');
    const share = 1 - (testAtLook(a, b, 4, true).se / testAtLook(a, b, 4, false).se) ** 2;
    expect(share).toBeGreaterThan(0.4167 - 0.03);
    expect(share).toBeLessThan(0.4167 + 0.03);
  });
  it('pauses healthy experiments looked at 100 times far more often at 0.001 than at 1e-5', () => {
    const r = srmMonitoring(10_000, 100, 2_000, [0.001, 1e-5]);
    expect(r['0.001']).toBeGreaterThan(0.005);
    expect(r['0.00001']).toBeLessThan(r['0.001']!);
  });
});
