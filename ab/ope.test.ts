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
});
