import { describe, expect, it } from 'vitest';
import { type Assignable, assignArm, freeInterval, unitHash } from './assign.ts';

const exp = (name: string, layer: string, weights = [1, 1]) => ({
  name,
  layer,
  arms: weights.map((weight, i) => ({ name: `arm${i}`, weight, overrides: {} })),
  targeting: { viewers: 'all' as const },
});

describe('assignment', () => {
  const users = Array.from({ length: 20_000 }, (_, i) => `u:user-${i}`);

  it('is deterministic and splits by weight', () => {
    const a: Assignable = { experiment: exp('e', 'l', [3, 1]), range: [0, 1] };
    expect(users.slice(0, 50).map((u) => assignArm(a, u))).toEqual(users.slice(0, 50).map((u) => assignArm(a, u)));
    const share = users.filter((u) => assignArm(a, u) === 'arm0').length / users.length;
    expect(share).toBeGreaterThan(0.74);
    expect(share).toBeLessThan(0.76);
  });

  it('keeps experiments of one layer apart and layers independent', () => {
    const a: Assignable = { experiment: exp('a', 'l1'), range: [0, 0.5] };
    const b: Assignable = { experiment: exp('b', 'l1'), range: [0.5, 1] };
    const c: Assignable = { experiment: exp('c', 'l2'), range: [0, 0.5] };
    const inA = users.filter((u) => assignArm(a, u));
    expect(inA.filter((u) => assignArm(b, u))).toEqual([]);
    // Half of a's users are in c, as if drawn independently.
    const both = inA.filter((u) => assignArm(c, u)).length / inA.length;
    expect(both).toBeGreaterThan(0.47);
    expect(both).toBeLessThan(0.53);
  });

  it('applies targeting and stopped arms', () => {
    const signedIn: Assignable = {
      experiment: { ...exp('t', 'l'), targeting: { viewers: 'signed_in' } },
      range: [0, 1],
    };
    expect(assignArm(signedIn, 'd:device-1')).toBeUndefined();
    const allow: Assignable = {
      experiment: { ...exp('t', 'l'), targeting: { viewers: 'all', allow_users: ['me'] } },
      range: [0, 1],
    };
    expect(assignArm(allow, 'u:me')).toBeDefined();
    expect(assignArm(allow, 'u:you')).toBeUndefined();
    const stopped: Assignable = { experiment: exp('s', 'l'), range: [0, 1], stoppedArms: ['arm1'] };
    expect(users.slice(0, 200).some((u) => assignArm(stopped, u) === 'arm1')).toBe(false);
  });

  it('hashes to [0, 1) with different salts giving unrelated points', () => {
    const x = users.map((u) => unitHash('s1', u));
    const y = users.map((u) => unitHash('s2', u));
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThan(1);
    const mx = x.reduce((s, v) => s + v, 0) / x.length;
    const my = y.reduce((s, v) => s + v, 0) / y.length;
    const corr = x.reduce((s, v, i) => s + (v - mx) * (y[i]! - my), 0) / x.length / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(0.03);
  });

  it('finds a free interval of a layer', () => {
    expect(freeInterval([], 0.5)).toEqual([0, 0.5]);
    expect(freeInterval([[0, 0.5]], 0.5)).toEqual([0.5, 1]);
    expect(freeInterval([[0, 0.5]], 0.6)).toBeUndefined();
    expect(freeInterval([[0.3, 0.6]], 0.3)).toEqual([0, 0.3]);
  });
});
