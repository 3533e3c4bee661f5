import { resolve } from 'node:path';
import { openJobQueue } from '../../core/queue/open.ts';
import { EXPERIMENTS_DIR } from '../../feed/for-you/config.ts';
import { type CanarySite, checkShare, DEFAULT_CANARY_SHARE } from '../loop/canary.ts';
import { type CycleResult, runCycle } from '../loop/cycle.ts';
import { FAULTS, type Fault } from '../loop/fault.ts';
import { type CanaryVerdict, checkCanary, DEFAULT_GUARDRAILS, type GuardrailPolicy } from '../loop/guardrails.ts';
import { startTrainerWorker } from '../loop/worker.ts';
import { DecisionLog } from '../registry/decisions.ts';
import { openRegistry } from '../registry/open.ts';
import { type Command, required, UsageError } from './args.ts';
import { type Experiment, loadExperiment, modelName } from './experiment.ts';

function parseFault(v: string | boolean | undefined): { model: string; fault: Fault } | undefined {
  if (typeof v !== 'string') return undefined;
  const [model, fault] = v.split(':');
  if (!model || !FAULTS.includes(fault as Fault))
    throw new UsageError(`--inject-fault must be <model>:<${FAULTS.join('|')}>, got "${v}"`);
  return { model, fault: fault as Fault };
}

/** Where the platform's engagement log is, for the online guardrails (platform experiments only). */
function eventsUrlOf(exp: Experiment, dataDir: string | undefined): string | undefined {
  if (exp.data.source !== 'platform') return undefined;
  return dataDir ? `sqlite://${dataDir}/events.db` : exp.data.events;
}

function count(opts: Record<string, unknown>, key: string): number {
  const n = Number(opts[key]);
  if (!(Number.isInteger(n) && n >= 0)) throw new UsageError(`--${key} must be a whole number, got "${opts[key]}"`);
  return n;
}

/** The guardrails' traffic thresholds from the command line (the tolerance stays the policy's). */
function guardrailPolicy(opts: Record<string, unknown>): GuardrailPolicy {
  return {
    ...DEFAULT_GUARDRAILS,
    minImpressions: count(opts, 'canary-min-impressions'),
    minViewers: count(opts, 'canary-min-viewers'),
    maxImpressions: count(opts, 'canary-max-impressions'),
  };
}

const NEURAL_TYPES: readonly string[] = ['two_tower', 'ranker'];

/** The experiment with one neural model kept, beside every baseline (the gate compares with them). */
function onlyModel(exp: Experiment, only: string): Experiment {
  const models = exp.models.filter((m) => modelName(m) === only || !NEURAL_TYPES.includes(m.type));
  if (!models.some((m) => modelName(m) === only))
    throw new UsageError(`--only: ${exp.name} trains no model named "${only}"`);
  return { ...exp, models };
}

/** One line per model: the canary verdict on the last promotion, the gate's verdict and why. */
export function summarise(r: CycleResult & { canary?: CanaryVerdict[] }): string[] {
  const lines = [
    ...(r.canary ?? []).map(
      (c) =>
        `canary ${c.name}@${c.version}: ${c.verdict} (${c.reason})${c.rollbackS !== undefined ? `, rollback_s ${c.rollbackS.toFixed(1)}` : ''}`,
    ),
    `cycle: ${r.window.examples.train} train / ${r.window.examples.validation} held-out examples, trained in ${r.trainS.toFixed(1)} s, evaluated in ${r.evalS.toFixed(1)} s (code ${r.codeVersion?.slice(0, 12) ?? 'unknown'})`,
  ];
  for (const m of r.models) {
    const failed = m.decision.checks.filter((c) => !c.passed).map((c) => `${c.check} (${c.detail})`);
    lines.push(
      `${m.name}@${m.version}: gate ${m.decision.passed ? 'passed' : 'failed'}${m.promoted ? ', promoted' : ''}${m.canary ? ', canary started' : ''}${m.fault ? ` [fault injected: ${m.fault}]` : ''}${failed.length ? ` — ${failed.join('; ')}` : ''}`,
    );
  }
  return lines;
}

/** `foryou-train loop`. */
export const loopCommand: Command = {
  summary: 'the trainer worker: every N minutes train on the newest platform log, gate, promote with lineage',
  usage:
    'foryou-train loop [--config experiments/sim.yaml] --data-dir <platform data> [--every-min 30] [--queue url] [--once]',
  help: `  --config <file>     experiment whose models the loop trains (default experiments/sim.yaml)
  --data-dir <dir>    the platform's data folder (its foryou.db and events.db), for a platform experiment
  --every-min <n>     minutes between cycles (default 30)
  --queue <url>       job queue: sqlite://./data/queue.db (embedded, default) or redis://host:6379/0 (BullMQ)
  --once              run one cycle now, in this process, print its result and exit
  --json              with --once: print the cycle as JSON
  --no-promote        gate and register, never promote
  --cold-start        refit every model from scratch instead of warm-starting from production
  --inject-fault <m:f>  drill: break model m's artifact before the gate (f: ${FAULTS.join(' or ')})
  --fault-past-gate   drill: the broken model starts as a canary although its gate failed, so the
                      guardrails must catch it online (with --inject-fault and a canary site)
  --check-canaries    judge the running canaries once (promote, roll back or hold) and exit; no training
  --only <model>      train and gate only this model (and the baselines the gate compares with)
  --actor <name>      who the lineage names as trainer and promoter (default trainer-loop)
  --feed-config <dir> the feed configuration folder the API reads (default FEED_CONFIG_DIR or experiments/);
                      canary experiments are written to its ab/
  --canary-share <x>  share of viewers a canary serves, with as many on production as its control (default ${DEFAULT_CANARY_SHARE})
  --no-canary         promote a passing model at once instead of through a canary arm
  --canary-check-s <n>  seconds between guardrail checks of a running canary (default 60; also before each cycle)
  --canary-min-impressions <n>, --canary-min-viewers <n>  traffic each arm needs before a verdict
                      (default ${DEFAULT_GUARDRAILS.minImpressions} / ${DEFAULT_GUARDRAILS.minViewers})
  --canary-max-impressions <n>  canary impressions after which an undecided canary is rolled back
                      (default ${DEFAULT_GUARDRAILS.maxImpressions})

  Each cycle warm-starts the experiment's neural models from production and trains them on the log
  production has not learnt from, reloads each from the artifact it would ship as, evaluates it on the
  held-out newest window and gates it: finite metrics, no zero, non-finite or collapsed item vectors,
  long-view AUC above chance, calibration within bounds, not worse than production scored on the same
  window (paired 95 % interval) and not worse than the same run's most-popular by the paired interval.
  A passing model gets its ANN index and starts as the canary arm of experiment canary-<model> (with
  --data-dir): its viewers are compared with the control arm's over the same window, and it is promoted
  when its long-view rate is not worse than control's by 10 % (95 % interval), rolled back otherwise;
  the decision log (\`foryou-train lineage\`) records
  the data window, code version, hyper-parameters, metrics, gate checks and who promoted it.`,
  options: {
    config: { type: 'string', default: 'experiments/sim.yaml' },
    'data-dir': { type: 'string' },
    'every-min': { type: 'string', default: '30' },
    queue: { type: 'string', default: 'sqlite://./data/queue.db' },
    once: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-promote': { type: 'boolean', default: false },
    'cold-start': { type: 'boolean', default: false },
    'inject-fault': { type: 'string' },
    actor: { type: 'string', default: 'trainer-loop' },
    'feed-config': { type: 'string' },
    'canary-share': { type: 'string', default: String(DEFAULT_CANARY_SHARE) },
    'no-canary': { type: 'boolean', default: false },
    'canary-check-s': { type: 'string', default: '60' },
    'fault-past-gate': { type: 'boolean', default: false },
    'check-canaries': { type: 'boolean', default: false },
    only: { type: 'string' },
    'canary-min-impressions': { type: 'string', default: String(DEFAULT_GUARDRAILS.minImpressions) },
    'canary-min-viewers': { type: 'string', default: String(DEFAULT_GUARDRAILS.minViewers) },
    'canary-max-impressions': { type: 'string', default: String(DEFAULT_GUARDRAILS.maxImpressions) },
  },
  async run(opts, _pos, io) {
    const loaded = loadExperiment(required(opts, 'config'));
    const exp = typeof opts.only === 'string' ? onlyModel(loaded, opts.only) : loaded;
    const experiment = opts.seed !== undefined ? { ...exp, seed: Number(opts.seed) } : exp;
    const everyMin = Number(opts['every-min']);
    if (!(everyMin > 0)) throw new UsageError(`--every-min must be a positive number, got "${opts['every-min']}"`);
    const fault = parseFault(opts['inject-fault']);
    const { registry, close } = await openRegistry({
      metadataUrl: opts.metadata as string,
      objectsUrl: opts.objects as string,
    });
    const decisions = new DecisionLog(registry.db);
    const dataDir = typeof opts['data-dir'] === 'string' ? opts['data-dir'] : undefined;
    const eventsUrl = eventsUrlOf(experiment, dataDir);
    let share: number;
    try {
      share = checkShare(Number(opts['canary-share']));
    } catch (err) {
      throw new UsageError(`--canary-share: ${(err as Error).message}`);
    }
    const guardrails = guardrailPolicy(opts);
    const checkEveryS = Number(opts['canary-check-s']);
    if (!(checkEveryS > 0))
      throw new UsageError(`--canary-check-s must be a positive number, got "${opts['canary-check-s']}"`);
    const site: CanarySite | undefined =
      dataDir && eventsUrl && opts['no-canary'] !== true
        ? {
            dataDir,
            feedConfigDir: resolve(
              (opts['feed-config'] as string | undefined) ?? process.env.FEED_CONFIG_DIR ?? EXPERIMENTS_DIR,
            ),
            share,
          }
        : undefined;
    // Running canaries have served since the last look: their guardrails decide, before anything new is trained.
    const canary = async (): Promise<CanaryVerdict[]> => {
      if (!eventsUrl || !site || opts['no-promote'] === true) return [];
      const out: CanaryVerdict[] = [];
      for (const spec of experiment.models) {
        const name = modelName(spec);
        if (!NEURAL_TYPES.includes(spec.type)) continue;
        try {
          out.push(
            await checkCanary({
              metadata: registry.db,
              eventsUrl,
              registry,
              decisions,
              name,
              site,
              policy: guardrails,
            }),
          );
        } catch (err) {
          out.push({ name, version: '', verdict: 'hold', reason: `guardrail check failed: ${(err as Error).message}` });
        }
      }
      return out;
    };
    const cycle = async () => ({
      canary: await canary(),
      ...(await runCycle({
        experiment,
        ...(typeof opts['data-dir'] === 'string' ? { dataDir: opts['data-dir'] } : {}),
        registry,
        decisions,
        actor: String(opts.actor),
        noPromote: opts['no-promote'] === true,
        coldStart: opts['cold-start'] === true,
        ...(site ? { canary: site } : {}),
        ...(fault ? { fault } : {}),
        faultPastGate: opts['fault-past-gate'] === true,
      })),
    });
    try {
      if (opts['check-canaries']) {
        if (!site) throw new UsageError('--check-canaries needs --data-dir of a platform experiment and a canary site');
        const verdicts = await canary();
        io.out(
          opts.json
            ? JSON.stringify(verdicts, null, 2)
            : verdicts.map((v) => `canary ${v.name}@${v.version}: ${v.verdict} (${v.reason})`).join('\n'),
        );
        return 0;
      }
      if (opts.once) {
        const r = await cycle();
        io.out(opts.json ? JSON.stringify(r, null, 2) : summarise(r).join('\n'));
        return 0;
      }
      const queue = await openJobQueue(String(opts.queue));
      const worker = await startTrainerWorker({
        queue,
        everyMs: everyMin * 60_000,
        cycle,
        onCycle: (r) => io.out(summarise(r).join('\n')),
        onError: (err) => io.err.write(`foryou-train loop: cycle failed (retried once): ${(err as Error).message}\n`),
      });
      // Between cycles the guardrails look at running canaries often, so a bad one stops serving soon.
      let checking = false;
      const checker = setInterval(() => {
        if (checking) return;
        checking = true;
        void canary()
          .then((vs) => {
            for (const v of vs.filter((x) => x.verdict === 'promoted' || x.verdict === 'rolled_back'))
              io.out(`canary ${v.name}@${v.version}: ${v.verdict} (${v.reason})`);
          })
          .finally(() => {
            checking = false;
          });
      }, checkEveryS * 1000);
      io.out(
        `trainer worker on ${queue.kind}: a cycle every ${everyMin} min (first: ${worker.enqueued}); Ctrl-C stops`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(checker);
      await worker.close();
      await queue.close();
      return 0;
    } finally {
      await close();
    }
  },
};

/** `foryou-train lineage`. */
export const lineageCommand: Command = {
  summary: 'show the decision log of a model: gate verdicts, promotions, rollbacks, by whom and why',
  usage: 'foryou-train lineage [--name <model>] [--version <v>] [--json]',
  help: `  --name <model>      only this model
  --version <v>       only this version (with --name)
  --json              print JSON`,
  options: { name: { type: 'string' }, version: { type: 'string' }, json: { type: 'boolean', default: false } },
  async run(opts, _pos, io) {
    const { registry, close } = await openRegistry({
      metadataUrl: opts.metadata as string,
      objectsUrl: opts.objects as string,
    });
    try {
      const rows = await new DecisionLog(registry.db).list(
        opts.name as string | undefined,
        opts.version as string | undefined,
      );
      if (opts.json) {
        io.out(JSON.stringify(rows, null, 2));
        return 0;
      }
      io.out('| at | model | action | actor | reason |');
      io.out('|---|---|---|---|---|');
      for (const d of rows)
        io.out(`| ${new Date(d.at).toISOString()} | ${d.name}@${d.version} | ${d.action} | ${d.actor} | ${d.reason} |`);
      return 0;
    } finally {
      await close();
    }
  },
};
