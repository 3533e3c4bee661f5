/**
 * Starting, stopping and shipping experiments, and the automatic actions a look at the data takes:
 * a sample ratio mismatch pauses the experiment, a breached guardrail stops its arm. Every change is in
 * the state file and the lifecycle log.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { Analysis } from './analysis.ts';
import { freeInterval } from './assign.ts';
import type { ExperimentFile } from './config.ts';
import { appendLog, type ExperimentState, platformNow, readState, writeState } from './state.ts';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Starts an experiment: takes a free interval of its layer and records it running from now. */
export function start(dataDir: string, e: ExperimentFile, now = platformNow(dataDir)): ExperimentState {
  const state = readState(dataDir);
  const cur = state[e.name];
  if (cur?.status === 'running')
    throw new Error(`${e.name} is already running (since ${new Date(cur.started_at).toISOString()})`);
  if (cur?.status === 'shipped')
    throw new Error(`${e.name} was shipped; copy the file under a new name to run it again`);
  const taken = Object.entries(state)
    .filter(([n, s]) => n !== e.name && s.status === 'running' && s.layer === e.layer)
    .map(([, s]) => s.range);
  const range = freeInterval(taken, e.traffic);
  if (!range)
    throw new Error(
      `layer ${e.layer} has no free ${(100 * e.traffic).toFixed(0)} % of traffic (running there: ${Object.entries(state)
        .filter(([, s]) => s.status === 'running' && s.layer === e.layer)
        .map(([n, s]) => `${n} ${(100 * (s.range[1] - s.range[0])).toFixed(0)} %`)
        .join(', ')}); lower traffic or stop one`,
    );
  const s: ExperimentState = {
    status: 'running',
    layer: e.layer,
    range,
    started_at: now,
    stopped_arms: {},
    file_sha256: sha256(e.file),
  };
  state[e.name] = s;
  writeState(dataDir, state);
  appendLog(dataDir, { at: now, experiment: e.name, event: 'started' });
  return s;
}

function change(dataDir: string, name: string, f: (s: ExperimentState) => void): ExperimentState {
  const state = readState(dataDir);
  const s = state[name];
  if (!s)
    throw new Error(`${name} was never started (start it with: npm run exp -- start experiments/ab/${name}.yaml)`);
  f(s);
  writeState(dataDir, state);
  return s;
}

/** Stops an experiment: everyone sees the defaults again; its data stays for the report. */
export function stop(
  dataDir: string,
  name: string,
  reason = 'stopped by hand',
  now = platformNow(dataDir),
): ExperimentState {
  const s = change(dataDir, name, (s) => {
    if (s.status !== 'running' && s.status !== 'paused') throw new Error(`${name} is ${s.status}, not running`);
    s.status = 'stopped';
    s.stopped_at = now;
    s.reason = reason;
  });
  appendLog(dataDir, { at: now, experiment: name, event: 'stopped', reason });
  return s;
}

/**
 * Ships an arm: its overrides are merged into the `defaults` of feed.yaml in `feedConfigDir` (comments
 * kept), the experiment is marked shipped and stopped, and the change is logged.
 */
export function ship(
  dataDir: string,
  feedConfigDir: string,
  e: ExperimentFile,
  arm: string,
  now = platformNow(dataDir),
): string {
  const a = e.arms.find((x) => x.name === arm);
  if (!a) throw new Error(`${e.name} has no arm ${arm} (arms: ${e.arms.map((x) => x.name).join(', ')})`);
  const path = join(feedConfigDir, 'feed.yaml');
  const doc = parseDocument(readFileSync(path, 'utf8'));
  // Leaf by leaf, so the file's comments and layout stay.
  const leaves = (o: unknown, at: string[]): [string[], unknown][] =>
    o !== null && typeof o === 'object' && !Array.isArray(o)
      ? Object.entries(o).flatMap(([k, v]) => leaves(v, [...at, k]))
      : [[at, o]];
  for (const [p, v] of leaves(a.overrides, ['defaults'])) doc.setIn(p, v);
  writeFileSync(path, doc.toString());
  change(dataDir, e.name, (s) => {
    s.status = 'shipped';
    s.shipped_arm = arm;
    s.stopped_at ??= now;
  });
  appendLog(dataDir, { at: now, experiment: e.name, event: 'shipped', arm, reason: `merged into ${path}` });
  return path;
}

/** The automatic actions of a look: pause on a sample ratio mismatch, stop arms whose guardrail broke. */
export function applyChecks(dataDir: string, a: Analysis, now = platformNow(dataDir)): string[] {
  const notes: string[] = [];
  const s = readState(dataDir)[a.experiment];
  if (s?.status !== 'running') return notes;
  if (a.srm.mismatch) {
    const reason = `sample ratio mismatch: χ² ${a.srm.chi2.toFixed(1)}, p ${a.srm.p.toExponential(2)}`;
    change(dataDir, a.experiment, (x) => {
      x.status = 'paused';
      x.reason = reason;
    });
    appendLog(dataDir, { at: now, experiment: a.experiment, event: 'paused', reason });
    notes.push(`paused: ${reason}`);
  }
  for (const g of a.guardrails.filter((x) => x.breached && !(x.arm in s.stopped_arms))) {
    const reason = `guardrail ${g.metric} ${(100 * g.relative).toFixed(2)} % (tolerance ${(100 * g.tolerance).toFixed(1)} %)`;
    change(dataDir, a.experiment, (x) => {
      x.stopped_arms[g.arm] = reason;
    });
    appendLog(dataDir, { at: now, experiment: a.experiment, event: 'arm_stopped', arm: g.arm, reason });
    notes.push(`arm ${g.arm} stopped: ${reason}`);
  }
  return notes;
}
