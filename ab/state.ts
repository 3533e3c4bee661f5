/**
 * The lifecycle of experiments on one platform: `DATA_DIR/experiments/state.json` (what runs, since
 * when, in which interval of its layer, which arms were stopped and why) and an append-only log of every
 * change beside it (`log.jsonl`: started, paused, arm stopped, stopped, shipped). The command line
 * writes it; the feed rereads it within seconds. Times are the platform's (its simulated clock when
 * `DATA_DIR/sim-clock.json` exists).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One experiment's lifecycle state. */
export interface ExperimentState {
  status: 'running' | 'paused' | 'stopped' | 'shipped';
  layer: string;
  range: [number, number];
  started_at: number;
  stopped_at?: number;
  /** Why it is paused or stopped. */
  reason?: string;
  /** arm → why it was stopped (a guardrail). */
  stopped_arms: Record<string, string>;
  shipped_arm?: string;
  /** SHA-256 of the file at start; a report warns when the file changed since. */
  file_sha256: string;
}

/** Every experiment ever started on the platform. */
export type StateFile = Record<string, ExperimentState>;

/** One entry of the lifecycle log. */
export interface LifecycleEvent {
  at: number;
  experiment: string;
  event: 'started' | 'paused' | 'resumed' | 'arm_stopped' | 'stopped' | 'shipped';
  arm?: string;
  reason?: string;
}

export const stateDir = (dataDir: string) => join(dataDir, 'experiments');
export const stateFile = (dataDir: string) => join(stateDir(dataDir), 'state.json');
export const logFile = (dataDir: string) => join(stateDir(dataDir), 'log.jsonl');

/** The platform's time now: the system clock plus the simulated clock's offset when there is one. */
export function platformNow(dataDir: string): number {
  const f = join(dataDir, 'sim-clock.json');
  const offset = existsSync(f)
    ? Number((JSON.parse(readFileSync(f, 'utf8')) as { offset_ms?: number }).offset_ms) || 0
    : 0;
  return Date.now() + offset;
}

export function readState(dataDir: string): StateFile {
  const f = stateFile(dataDir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as StateFile) : {};
}

/** Writes the state atomically (rename), so the feed never reads half a file. */
export function writeState(dataDir: string, state: StateFile): void {
  mkdirSync(stateDir(dataDir), { recursive: true });
  const tmp = `${stateFile(dataDir)}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, stateFile(dataDir));
}

export function appendLog(dataDir: string, e: LifecycleEvent): void {
  mkdirSync(stateDir(dataDir), { recursive: true });
  appendFileSync(logFile(dataDir), `${JSON.stringify(e)}\n`);
}

export function readLog(dataDir: string): LifecycleEvent[] {
  const f = logFile(dataDir);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LifecycleEvent);
}
