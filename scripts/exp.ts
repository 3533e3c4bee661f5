/**
 * `npm run exp -- <command>` (also `foryou-exp`): A/B experiments from config files.
 *
 *   validate [file ...]      every file of experiments/ab (or the ones named) against the schema, the
 *                            metric catalogue and the feed's settings; errors name file:line:column
 *   start  <file>            start serving it (takes its share of its layer)
 *   status [file]            every experiment's state, exposures, primary metric and automatic actions
 *   report <file> [--out D]  report.md, report.json, effect.svg and distribution.svg
 *   stop   <file>            everyone sees the defaults again
 *   ship   <file> --arm A    merge arm A's settings into feed.yaml's defaults and record it
 */

import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyse, DAY_MS, exposedUsers } from '../ab/analysis.ts';
import {
  ConfigError,
  crossCheck,
  type ExperimentFile,
  loadExperiments,
  positionOf,
  readExperimentFile,
  readMetricsFile,
} from '../ab/config.ts';
import { readExposures } from '../ab/exposure.ts';
import { applyChecks, ship, start, stop } from '../ab/lifecycle.ts';
import { buildReport, writeReport } from '../ab/report.ts';
import { type ExperimentState, platformNow, readLog, readState, stateDir } from '../ab/state.ts';
import { progressBar } from '../core/cli/progress.ts';
import { openEventLog } from '../core/events/open.ts';
import { EXPERIMENTS_DIR, loadFeedConfig, withExperiments } from '../feed/for-you/config.ts';
import { feedSettingsSlots } from '../feed/for-you/pipelines.ts';
import { SettingsError } from '../feed/pipeline/settings.ts';
import { readEngagementLog } from '../training/data/platform.loader.ts';

const HELP = `foryou-exp: A/B experiments from config files (README "Experiments")

  npm run exp -- validate [experiments/ab/x.yaml ...]
  npm run exp -- start  experiments/ab/x.yaml
  npm run exp -- status [experiments/ab/x.yaml] [--watch SECONDS]
  npm run exp -- report experiments/ab/x.yaml [--out DIR]
  npm run exp -- stop   experiments/ab/x.yaml [--reason TEXT]
  npm run exp -- ship   experiments/ab/x.yaml --arm NAME

options: --data DIR (the platform's DATA_DIR, default $DATA_DIR or ./data)
         --events URL (default $EVENTS_URL or sqlite://<data>/events.db)
         --config DIR (folder of feed.yaml and ab/, default $FEED_CONFIG_DIR or experiments/)`;

interface Ctx {
  dataDir: string;
  eventsUrl: string;
  configDir: string;
  abDir: string;
}

/** Validates files: the schema with positions, the metric catalogue, and that every arm makes valid feed settings. */
export function validate(ctx: Ctx, files: readonly string[]): ExperimentFile[] {
  if (files.length === 0) {
    const { experiments } = loadExperiments(ctx.abDir);
    checkSettings(ctx, experiments);
    return experiments;
  }
  const metrics = readMetricsFile(join(ctx.abDir, 'metrics.yaml'));
  const problems: string[] = [];
  const out: ExperimentFile[] = [];
  for (const f of files) {
    try {
      out.push(readExperimentFile(f));
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  problems.push(...crossCheck(out, metrics));
  if (problems.length) throw new ConfigError(problems);
  checkSettings(ctx, out);
  return out;
}

function checkSettings(ctx: Ctx, experiments: readonly ExperimentFile[]): void {
  const base = loadFeedConfig(feedSettingsSlots(), ctx.configDir);
  const problems: string[] = [];
  for (const e of experiments)
    e.arms.forEach((arm, i) => {
      try {
        withExperiments(base, [{ name: e.name, enabled: true, arms: [arm] }]);
      } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        for (const issue of err.issues) {
          const path = issue.split(': ')[0]!.split('.');
          const at = positionOf(e.file, ['arms', i, 'overrides', ...path]);
          problems.push(`${at} arms.${i}.overrides.${issue}`);
        }
      }
    });
  if (problems.length) throw new ConfigError(problems);
}

/** Prints every experiment's state and applies the automatic actions of a look. */
async function status(ctx: Ctx, files: readonly string[], out: (s: string) => void): Promise<void> {
  const dataDir = ctx.dataDir;
  const state = readState(dataDir);
  const names = files.length ? validate(ctx, files).map((e) => e.name) : Object.keys(state);
  if (names.length === 0) out(`no experiment has been started on ${dataDir}`);
  for (const name of names) {
    const s = state[name];
    if (!s) {
      out(`${name}: not started`);
      continue;
    }
    const e = readExperimentFile(join(ctx.abDir, `${name}.yaml`));
    const { input } = await lookAt(ctx, e, s);
    const a = analyse(input);
    const notes = s.status === 'running' ? applyChecks(dataDir, a) : [];
    const now = readState(dataDir)[name]!;
    const days = (input.asOf - s.started_at) / DAY_MS;
    out(
      `${name}: ${now.status}${now.reason ? ` (${now.reason})` : ''}, ${days.toFixed(2)}/${e.analysis.duration_days} days, exposures ${Object.entries(
        a.exposures,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(' / ')}, SRM p ${a.srm.p.toPrecision(3)}${a.srm.mismatch ? ' MISMATCH' : ''}`,
    );
    for (const r of a.metrics.filter((m) => m.metric === a.primary))
      out(
        `  ${r.metric} ${r.arm}: ${(100 * r.comparison.relative).toFixed(2)} % (always-valid [${((100 * r.sequential_ci[0]) / r.comparison.control).toFixed(2)}, ${((100 * r.sequential_ci[1]) / r.comparison.control).toFixed(2)}] %)${r.better ? ' BETTER' : r.worse ? ' WORSE' : ''}`,
      );
    for (const [arm, why] of Object.entries(now.stopped_arms)) out(`  arm ${arm} stopped: ${why}`);
    for (const n of notes) out(`  action: ${n}`);
    const last = readLog(dataDir)
      .filter((l) => l.experiment === name)
      .slice(-3);
    for (const l of last)
      out(
        `  log ${new Date(l.at).toISOString()} ${l.event}${l.arm ? ` ${l.arm}` : ''}${l.reason ? `: ${l.reason}` : ''}`,
      );
  }
}

async function lookAt(ctx: Ctx, e: ExperimentFile, s: ExperimentState) {
  const bar = progressBar(`reading the event log (${ctx.eventsUrl})`);
  bar.update(0, 1);
  const events = await readEngagementLog(ctx.eventsUrl);
  const log = await openEventLog(ctx.eventsUrl);
  const exposures = await readExposures(log, e.name).finally(() => log.close());
  bar.done(`${events.length.toLocaleString('en')} events, ${exposures.size.toLocaleString('en')} exposures`);
  const asOf = s.stopped_at ?? platformNow(ctx.dataDir);
  const metrics = readMetricsFile(join(ctx.abDir, 'metrics.yaml'));
  const users = exposedUsers(
    events,
    { experiment: e, range: s.range },
    { start: s.started_at, end: asOf, preDays: e.analysis.pre_period_days },
    exposures,
  );
  return { input: { experiment: e, metrics, users, start: s.started_at, asOf }, asOf };
}

function stateOf(ctx: Ctx, e: ExperimentFile): ExperimentState {
  const s = readState(ctx.dataDir)[e.name];
  if (!s) throw new Error(`${e.name} has not been started on ${ctx.dataDir} (npm run exp -- start ${e.file})`);
  return s;
}

/** Runs one command; throws with a helpful message on a problem. */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      events: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      arm: { type: 'string' },
      reason: { type: 'string' },
      watch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...files] = positionals;
  if (!command || values.help || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const dataDir = resolve(values.data ?? process.env.DATA_DIR ?? './data');
  const configDir = resolve(values.config ?? process.env.FEED_CONFIG_DIR ?? EXPERIMENTS_DIR);
  const ctx: Ctx = {
    dataDir,
    configDir,
    abDir: join(configDir, 'ab'),
    eventsUrl: values.events ?? process.env.EVENTS_URL ?? `sqlite://${join(dataDir, 'events.db')}`,
  };
  const one = (): ExperimentFile => {
    if (files.length !== 1) throw new Error(`${command} takes one experiment file\n\n${HELP}`);
    return validate(ctx, files)[0]!;
  };
  const out = (s: string) => process.stdout.write(`${s}\n`);
  switch (command) {
    case 'validate': {
      const list = validate(ctx, files);
      out(
        `ok: ${list.map((e) => `${e.name} (${basename(e.file)}, layer ${e.layer}, ${e.arms.length} arms)`).join(', ')}`,
      );
      break;
    }
    case 'start': {
      const e = one();
      const s = start(dataDir, e);
      out(
        `${e.name} running since ${new Date(s.started_at).toISOString()} in layer ${e.layer} [${s.range.map((x) => x.toFixed(3)).join(', ')}); the feed picks it up within seconds`,
      );
      break;
    }
    case 'stop': {
      const e = one();
      stop(dataDir, e.name, values.reason);
      out(`${e.name} stopped; report: npm run exp -- report ${e.file}`);
      break;
    }
    case 'ship': {
      const e = one();
      if (!values.arm) throw new Error('ship needs --arm NAME (the arm whose settings become the defaults)');
      const path = ship(dataDir, configDir, e, values.arm);
      out(`${e.name}: arm ${values.arm} shipped into ${path} (restart the platform to serve it to everyone)`);
      break;
    }
    case 'status': {
      // --watch N: look again every N seconds (each look applies the sample-ratio pause and the guardrails).
      const every = Number(values.watch ?? 0);
      for (;;) {
        await status(ctx, files, out);
        if (!(every > 0)) break;
        await new Promise((r) => setTimeout(r, every * 1000));
      }
      break;
    }
    case 'report': {
      const e = one();
      const s = stateOf(ctx, e);
      const { input } = await lookAt(ctx, e, s);
      const r = buildReport(input, s);
      if (s.status === 'running') for (const n of applyChecks(dataDir, r.analysis)) out(`action: ${n}`);
      const dir = resolve(values.out ?? join(stateDir(dataDir), e.name));
      writeReport(dir, r);
      out(r.markdown.split('## Metrics')[0]!.trim());
      out(`\nwrote ${join(dir, 'report.md')} (+ report.json, effect.svg, distribution.svg)`);
      break;
    }
    default:
      throw new Error(`unknown command ${command}\n\n${HELP}`);
  }
}

/** Runs a command line; problems go to stderr with exit code 1. */
export async function run(argv: string[]): Promise<number> {
  try {
    await main(argv);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
