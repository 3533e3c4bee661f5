/**
 * The learning-loop benchmark's fault drills, both through the worker's real canary path (a passing
 * model starts as a canary arm of the platform's experiments): broken models the gate must refuse, and
 * a broken model let past the gate on purpose, which the online guardrails must roll back while the
 * simulated users keep watching. Anonymous devices request the feed throughout; failures are user errors.
 */
import { type CliCycle, cliCheckCanaries, cliCycle, probeWhile } from './cycle.ts';

const failedChecks = (m: CliCycle['models'][number]) =>
  m.decision.checks.filter((x) => !x.passed).map((x) => `${x.check}: ${x.detail}`);

/** NaN-weighted ranker and shuffled two-tower item vectors, one cycle each: both must be refused. */
export async function gateDrill(dataDir: string, base: string, feedConfigDir: string) {
  const t0 = performance.now();
  const probed = await probeWhile(
    base,
    (async () => [
      await cliCycle(dataDir, ['--only', 'ranker', '--inject-fault', 'ranker:nan'], feedConfigDir),
      await cliCycle(dataDir, ['--only', 'two_tower', '--inject-fault', 'two_tower:shuffle'], feedConfigDir),
    ])(),
  );
  const faulty = probed.result.flatMap((r) => r.models.filter((m) => m.fault));
  return {
    faults: faulty.map((m) => ({
      model: m.name,
      fault: m.fault,
      version: m.version,
      gate_passed: m.decision.passed,
      canary_started: m.canary,
      promoted: m.promoted,
      caught_by: failedChecks(m),
    })),
    rejected: faulty.length === 2 && faulty.every((m) => !m.decision.passed && !m.canary && !m.promoted),
    drill_s: (performance.now() - t0) / 1000,
    probe_requests: probed.requests,
    user_errors: probed.errors,
  };
}

/**
 * The guardrail thresholds of the canary drill, sized to the benchmark's last day (about 60 active
 * users, so some 15 per arm at a 25 % share); the tolerance (10 % of control) is the default.
 */
export const DRILL_GUARDRAILS = [
  '--canary-min-impressions',
  '150',
  '--canary-min-viewers',
  '10',
  '--canary-max-impressions',
  '1000',
];
const CHECK_EVERY_MS = 10_000;

/**
 * Starts a shuffled two-tower as a canary past its failed gate (25 % of viewers, as many on control),
 * then judges it every 10 s while the simulation serves the next day; `stop()` (at that day's end) ends
 * the checks and reports the verdict and `rollback_s`: wall seconds from the canary's start to its removal.
 */
export async function startCanaryDrill(dataDir: string, base: string, feedConfigDir: string) {
  const c = await cliCycle(
    dataDir,
    ['--only', 'two_tower', '--inject-fault', 'two_tower:shuffle', '--fault-past-gate', '--canary-share', '0.25'],
    feedConfigDir,
  );
  const m = c.models.find((x) => x.fault);
  const started = performance.now();
  let stopped = false;
  const checks: { at_s: number; verdict: string; reason: string }[] = [];
  let verdict: { verdict: string; reason: string; at_s: number; rollbackS?: number } | undefined;
  const checking = (async () => {
    while (!stopped && !verdict && m?.canary) {
      await new Promise((r) => setTimeout(r, CHECK_EVERY_MS));
      const v = (await cliCheckCanaries(dataDir, feedConfigDir, DRILL_GUARDRAILS)).find((x) => x.name === m.name);
      const at_s = (performance.now() - started) / 1000;
      if (!v) continue;
      checks.push({ at_s, verdict: v.verdict, reason: v.reason });
      if (v.verdict === 'rolled_back' || v.verdict === 'promoted') verdict = { ...v, at_s };
    }
  })();
  const probing = probeWhile(base, checking);
  return {
    async stop() {
      stopped = true;
      const probed = await probing;
      return {
        model: m?.name ?? null,
        fault: m?.fault ?? null,
        version: m?.version ?? null,
        gate_passed: m?.decision.passed ?? null,
        caught_by_gate: m ? failedChecks(m) : [],
        canary_started: m?.canary ?? false,
        verdict: verdict?.verdict ?? 'hold',
        reason: verdict?.reason ?? checks.at(-1)?.reason ?? 'no check ran',
        rollback_s: verdict?.verdict === 'rolled_back' ? verdict.at_s : null,
        rollback_platform_s: verdict?.rollbackS ?? null,
        checks,
        guardrails: DRILL_GUARDRAILS.join(' '),
        probe_requests: probed.requests,
        user_errors: probed.errors,
      };
    },
  };
}
