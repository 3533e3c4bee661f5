/**
 * The learning-loop benchmark's pieces that talk to the platform or the trainer: one trainer cycle
 * in its own process, the serving ANN index's size, new-upload index latency, and feed probes during a drill.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { ForyouClient } from '../../platform/client/index.ts';
import { clipFor, signIn } from '../../sim/catalogue.ts';
import type { World } from '../../sim/world.ts';

export const METRICS_TOKEN = 'bench-loop-metrics-token-0000';
const EXPERIMENTS = new URL('../../experiments/', import.meta.url).pathname;
const TRAIN_CLI = new URL('../../training/cli/bin.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** Every viewer on the pipeline: the repository's feed configuration with every experiment off. */
export function feedConfigAllPipeline(dir: string): string {
  const feed = parse(readFileSync(join(EXPERIMENTS, 'feed.yaml'), 'utf8')) as { experiments?: { enabled?: boolean }[] };
  for (const e of feed.experiments ?? []) e.enabled = false;
  writeFileSync(join(dir, 'feed.yaml'), stringify(feed));
  writeFileSync(join(dir, 'value-model.yaml'), readFileSync(join(EXPERIMENTS, 'value-model.yaml')));
  return dir;
}

export interface CliCycle {
  canary?: { name: string; version: string; verdict: string; reason: string }[];
  trainS: number;
  evalS: number;
  totalS: number;
  window: { examples: { train: number; validation: number; test: number } };
  models: {
    name: string;
    version: string;
    promoted: boolean;
    canary: boolean;
    fault: string | null;
    decision: { passed: boolean; checks: { check: string; passed: boolean; detail: string }[] };
    metrics: Record<string, number>;
  }[];
}

/** `foryou-train loop` on the platform's data folder with `args`; its JSON output. */
async function cliLoop(dataDir: string, args: string[]): Promise<unknown> {
  const { stdout } = await run(
    process.execPath,
    [
      TRAIN_CLI,
      'loop',
      '--json',
      '--config',
      'experiments/sim.yaml',
      '--data-dir',
      dataDir,
      '--metadata',
      `sqlite://${dataDir}/foryou.db`,
      '--objects',
      `file://${dataDir}/objects`,
      ...args,
    ],
    { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  return JSON.parse(stdout.slice(stdout.search(/[[{]/)));
}

/**
 * One trainer cycle exactly as the worker runs it, in its own process. With `feedConfigDir` a passing
 * model starts as a canary arm of the platform's experiments (the worker's default); without it, it
 * is promoted at once (`--no-canary`).
 */
export async function cliCycle(dataDir: string, extra: string[] = [], feedConfigDir?: string): Promise<CliCycle> {
  const site = feedConfigDir ? ['--feed-config', feedConfigDir] : ['--no-canary'];
  return (await cliLoop(dataDir, ['--once', ...site, ...extra])) as CliCycle;
}

/** One guardrail check of the running canaries, as the worker makes it between cycles. */
export async function cliCheckCanaries(dataDir: string, feedConfigDir: string, policy: string[]) {
  return (await cliLoop(dataDir, ['--check-canaries', '--feed-config', feedConfigDir, ...policy])) as {
    name: string;
    version: string;
    verdict: string;
    reason: string;
    rollbackS?: number;
  }[];
}

export interface CycleRecord {
  after_day: number;
  canary_on_previous: CliCycle['canary'];
  examples: CliCycle['window']['examples'];
  gate: ReturnType<typeof gateSummary>;
  promoted: string[];
  train_s: number;
  cycle_s: number;
  model_update_latency_s: number | null;
  serving: { model: string; index: string };
}

export async function indexSize(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  const m = /^foryou_ann_index_size(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Uploads `n` real clips one after another; per clip, seconds from ready to being in the serving index. */
export async function newVideoLatencies(base: string, world: World, creatorHandle: string, n: number, tag: string) {
  const workDir = mkdtempSync(join(tmpdir(), 'foryou-loop-clips-'));
  const out: number[] = [];
  try {
    const client = await signIn(base, creatorHandle);
    for (let i = 0; i < n; i++) {
      const topic = i % world.catalogue.topics.length;
      const clip = clipFor(world, topic, i % 4, workDir);
      const before = await indexSize(base);
      const { videoId } = await client.upload(await clip.bytes, {
        caption: `${world.catalogue.topics[topic]} ${tag} ${i}`,
        hashtags: [world.catalogue.topics[topic]!],
      });
      await client.waitReady(videoId, { intervalMs: 100 });
      const ready = performance.now();
      for (;;) {
        if ((await indexSize(base)) > before) break;
        if (performance.now() - ready > 120_000) throw new Error(`video ${videoId} not in the index after 120 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      out.push((performance.now() - ready) / 1000);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return out;
}

export const gateSummary = (c: CliCycle) =>
  Object.fromEntries(
    c.models.map((m) => [
      m.name,
      {
        version: m.version,
        passed: m.decision.passed,
        promoted: m.promoted,
        fault: m.fault,
        failed_checks: m.decision.checks.filter((x) => !x.passed).map((x) => `${x.check}: ${x.detail}`),
      },
    ]),
  );

/** Feed requests from anonymous devices while `during` runs; failures counted. */
export async function probeWhile<T>(
  base: string,
  during: Promise<T>,
): Promise<{ result: T; requests: number; errors: number }> {
  let done = false;
  let requests = 0;
  let errors = 0;
  const devices = Array.from(
    { length: 4 },
    (_, i) => new ForyouClient({ baseUrl: base, deviceId: `drill-probe-${i}` }),
  );
  const loops = devices.map(async (c) => {
    while (!done) {
      requests++;
      try {
        await c.feed({ limit: 10 });
      } catch {
        errors++;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  try {
    return { result: await during, requests, errors };
  } finally {
    done = true;
    await Promise.all(loops);
  }
}
