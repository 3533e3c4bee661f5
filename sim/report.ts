import { type ArmReport, armReport, relativeLift, sumDays, type UserTruth } from './metrics.ts';

/** A finished run. */
export interface SimReport {
  world: { name: string; version: number; seed: number };
  days: number;
  users: number;
  via_http: true;
  /** Whether the platform's simulated clock moved (SIM_CLOCK=true) or days ran back to back on real time. */
  clock: 'simulated' | 'real';
  arms: Record<string, ArmReport>;
  /** Per-user ground truth, day by day, for experiments that analyse it themselves. */
  truths: UserTruth[];
  /** Impressions per arm, per day, per creator (the exposure Gini's input). */
  exposure: Record<string, number[][]>;
  uploads: number;
  cost: {
    wall_s: number;
    requests: number;
    requests_per_s: number;
    retries: number;
    errors: number;
    error_codes: Record<string, number>;
  };
}

/** Per-arm reports over days [from, to) (all days by default). */
export function armsOf(
  r: { truths: readonly UserTruth[]; exposure: Record<string, number[][]>; creators: number },
  days: { from?: number; to?: number } = {},
): Record<string, ArmReport> {
  const byArm = new Map<string, UserTruth[]>();
  for (const t of r.truths) byArm.set(t.arm, [...(byArm.get(t.arm) ?? []), t]);
  const out: Record<string, ArmReport> = {};
  for (const [arm, truths] of [...byArm].sort()) {
    const counts = new Array<number>(r.creators).fill(0);
    (r.exposure[arm] ?? []).slice(days.from ?? 0, days.to).forEach((day) => {
      day.forEach((n, c) => {
        counts[c]! += n;
      });
    });
    out[arm] = armReport(truths, counts, days);
  }
  return out;
}

/**
 * Relative lift of arm `a` over arm `b` in mean true affinity per user over days [from, to), with its
 * bootstrap CI; `warm` counts only items after each user's first page.
 */
export function affinityLift(
  report: Pick<SimReport, 'truths'>,
  a: string,
  b: string,
  opts: { from?: number; to?: number; warm?: boolean } = {},
) {
  const per = (arm: string) =>
    report.truths
      .filter((t) => t.arm === arm)
      .map((t) => sumDays(t, opts.from, opts.to))
      .filter((d) => (opts.warm ? d.warmServed : d.served) > 0)
      .map((d) => (opts.warm ? d.warmAffinitySum / d.warmServed : d.affinitySum / d.served));
  return relativeLift(per(a), per(b));
}
