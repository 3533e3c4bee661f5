import { describe, expect, it } from 'vitest';
import { mulberry32 } from './calibration.ts';
import { doublyRobust, ips, type LoggedDecision, snips } from './ope.ts';

/**
 * A contextual bandit with a known answer: 5 actions, context c ∈ {0..9}, reward ~ Bernoulli(p(c, a));
 * the logs come from a uniform policy (propensity 0.2) and the candidate always takes the best action,
 * so its true value is the mean over contexts of max_a p(c, a).
 */
function bandit(n: number, seed: number, modelError: number) {
  const rand = mulberry32(seed);
  const p = (c: number, a: number) => 0.1 + 0.8 * (((c * 7 + a * 3) % 10) / 10);
  const best = (c: number) => [0, 1, 2, 3, 4].reduce((b, a) => (p(c, a) > p(c, b) ? a : b), 0);
  let truth = 0;
  for (let c = 0; c < 10; c++) truth += p(c, best(c)) / 10;
  const logs: LoggedDecision[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * 10);
    const a = Math.floor(rand() * 5);
    const q = (x: number) => Math.min(1, Math.max(0, p(c, x) + modelError));
    logs.push({
      propensity: 0.2,
      reward: rand() < p(c, a) ? 1 : 0,
      target: a === best(c) ? 1 : 0,
      predicted: q(a),
      predictedUnderTarget: q(best(c)),
    });
  }
  return { truth, logs };
}

describe('off-policy evaluation', () => {
  it('finds the value of a policy never run, with IPS, SNIPS and doubly robust inside their intervals', () => {
    const { truth, logs } = bandit(20_000, 9, 0.05);
    for (const e of [ips(logs), snips(logs), doublyRobust(logs)]) {
      expect(e.ci95[0]).toBeLessThan(truth);
      expect(e.ci95[1]).toBeGreaterThan(truth);
    }
  });
  it('narrows the interval with a good reward model (doubly robust) and with self-normalisation', () => {
    const { logs } = bandit(20_000, 10, 0);
    expect(doublyRobust(logs).se).toBeLessThan(0.6 * ips(logs).se);
    expect(snips(logs).se).toBeLessThan(ips(logs).se);
  });
  it('gives 1 for a policy that always takes the logged action with reward 1', () => {
    const logs = Array.from({ length: 10 }, () => ({ propensity: 0.5, reward: 1, target: 0.5 }));
    expect(ips(logs).estimate).toBeCloseTo(1, 12);
    expect(snips(logs).estimate).toBeCloseTo(1, 12);
  });
  it('matches hand-computed IPS, SNIPS and doubly robust values and standard errors', () => {
    // Weights π/μ: 2, 2, 0, 1. IPS terms w·r: 2, 0, 0, 1. DR terms q̂π + w·(r − q̂): 1.5, 0.3, 0.7, 1.2.
    const logs: LoggedDecision[] = [
      { propensity: 0.5, reward: 1, target: 1, predicted: 0.6, predictedUnderTarget: 0.7 },
      { propensity: 0.25, reward: 0, target: 0.5, predicted: 0.2, predictedUnderTarget: 0.7 },
      { propensity: 0.5, reward: 1, target: 0, predicted: 0.4, predictedUnderTarget: 0.7 },
      { propensity: 0.25, reward: 1, target: 0.25, predicted: 0.5, predictedUnderTarget: 0.7 },
    ];
    // IPS: 3/4; sample variance of the terms 2.75/3, so se = √(2.75/3/4).
    expect(ips(logs).estimate).toBeCloseTo(0.75, 12);
    expect(ips(logs).se).toBeCloseTo(Math.sqrt(2.75 / 3 / 4), 12);
    // SNIPS: Σw·r / Σw = 3/5; delta method (s²_y − 2R·s_xy + R²·s²_x)/(n·x̄²) = (11/12 − 1.2·5/12 + 0.36·11/12)/(4·1.5625).
    expect(snips(logs).estimate).toBeCloseTo(0.6, 12);
    expect(snips(logs).se).toBeCloseTo(Math.sqrt((11 / 12 - 1.2 * (5 / 12) + 0.36 * (11 / 12)) / 6.25), 12);
    // DR: 3.7/4; terms' variance 0.8475/3.
    expect(doublyRobust(logs).estimate).toBeCloseTo(0.925, 12);
    expect(doublyRobust(logs).se).toBeCloseTo(Math.sqrt(0.8475 / 3 / 4), 12);
  });
});
