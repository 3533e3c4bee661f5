import { describe, expect, it } from 'vitest';
import { calibrate, fitActivity, type Impression } from './calibration.ts';
import { rng } from './rng.ts';

const DAY = 86_400_000;

/** A thinned Poisson log from the lognormal activity model with known parameters. */
function synthetic(
  users: number,
  days: number,
  p: { pv: number; av: number; phi: number; mean: number },
): Impression[] {
  const r = rng(7, 'calibration-test');
  const rows: Impression[] = [];
  for (let u = 0; u < users; u++) {
    const level = Math.sqrt(p.pv) * r.normal();
    let e = Math.sqrt(p.av) * r.normal();
    for (let d = 0; d < days; d++) {
      const m = p.mean * Math.exp(level + e - (p.pv + p.av) / 2);
      const n = r.poisson(m);
      for (let i = 0; i < n; i++) rows.push({ user: u, timeMs: d * DAY + i * 1000, playMs: 5000 });
      e = p.phi * e + Math.sqrt((1 - p.phi ** 2) * p.av) * r.normal();
    }
  }
  return rows;
}

describe('activity calibration', () => {
  it('recovers the persistent level, the AR(1) wander and its coefficient from a thinned Poisson log', () => {
    const c = calibrate(synthetic(6000, 14, { pv: 0.4, av: 0.6, phi: 0.5, mean: 0.8 }), 0, 14);
    expect(c.latent_rate.cv2).toBeCloseTo(Math.exp(1) - 1, 0);
    expect(c.fit.persistent_var).toBeGreaterThan(0.3);
    expect(c.fit.persistent_var).toBeLessThan(0.5);
    expect(c.fit.ar_var).toBeGreaterThan(0.45);
    expect(c.fit.ar_var).toBeLessThan(0.75);
    expect(c.fit.ar_phi).toBeGreaterThan(0.35);
    expect(c.fit.ar_phi).toBeLessThan(0.65);
    expect(c.fit.iid_var).toBeLessThan(0.1);
  });

  it('fits exact lognormal covariances exactly', () => {
    const lag = Array.from({ length: 10 }, (_, i) => Math.exp(0.3 + 0.5 * 0.6 ** (i + 1)) - 1);
    const f = fitActivity(Math.exp(1) - 1, lag);
    expect(f.persistent_var).toBeCloseTo(0.3, 2);
    expect(f.ar_var).toBeCloseTo(0.5, 2);
    expect(f.ar_phi).toBeCloseTo(0.6, 2);
    expect(f.iid_var).toBeCloseTo(0.2, 2);
  });
});
