/**
 * `npm run sim -- <command>`: the user simulator's command line.
 *
 *   seed   --world A --base-url URL [--videos N] [--manifest FILE]    real clips through the upload API
 *   run    --world A --base-url URL --manifest FILE [--days D] [--users N] [--arms EXPERIMENT] [--out FILE]
 *   fast-catalogue --world A --videos N --data DIR --manifest FILE    fast mode: synthetic copies of templates
 *   serve  --data DIR                                                 a platform with the simulated clock, for trying things
 *   trace  FILE                                                       per-position profile of a served-item trace (bench:sim --trace)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { progressBar } from '../core/cli/progress.ts';
import { readManifest, seedRealCatalogue, writeManifest } from './catalogue.ts';
import { buildFastCatalogue } from './fast.ts';
import { simPlatformEnv, startPlatform } from './platform-process.ts';
import { type SimReport, Simulation } from './runner.ts';
import { type ServedTrace, summariseTrace } from './trace.ts';
import { loadWorld, resized } from './world.ts';

const HELP = `foryou user simulator

  npm run sim -- seed --world world-a --base-url http://127.0.0.1:8080 [--videos 320] [--manifest sim.json]
  npm run sim -- run  --world world-a --base-url http://127.0.0.1:8080 --manifest sim.json
                      [--days 3] [--users 200] [--concurrency 8] [--arms policy-baselines] [--out report.json]
  npm run sim -- fast-catalogue --world world-a --videos 100000 --data ./data-sim --manifest sim.json
  npm run sim -- serve --data ./data-sim     start a platform with SIM_CLOCK=true and print its URL
  npm run sim -- trace trace.jsonl           per-position profile (true affinity by source) of bench:sim --trace

Worlds live in sim/worlds/ (world-a, world-b); sim/README.md documents every parameter.`;

/** A short table of a report for the terminal. */
export function summary(r: SimReport): string {
  const rows = Object.entries(r.arms).map(
    ([arm, a]) =>
      `${arm.padEnd(10)} users ${String(a.users).padStart(5)}  affinity ${a.true_affinity.mean.toFixed(3)} [${a.true_affinity.ci95.map((x) => x.toFixed(3)).join(', ')}]` +
      `  warm ${a.warm_affinity.mean.toFixed(3)}  first20 ${a.first20_affinity.mean.toFixed(3)}  regret ${a.regret.mean.toFixed(3)}  watch/session ${a.watch_time_per_session_s.mean.toFixed(1)} s` +
      `  return ${a.return_rate.mean.toFixed(3)}  gini ${a.exposure_gini.toFixed(3)}  fresh ${a.fresh_share.toFixed(3)}  repeat ${a.repeat_share.toFixed(3)}`,
  );
  return [
    `${r.world.name} v${r.world.version}: ${r.users} users, ${r.days} days, clock ${r.clock}, ${r.uploads} uploads`,
    ...rows,
    `cost: ${r.cost.requests} requests in ${r.cost.wall_s.toFixed(1)} s (${r.cost.requests_per_s.toFixed(0)} req/s), ${r.cost.retries} retries, ${r.cost.errors} errors ${JSON.stringify(r.cost.error_codes)}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (command === 'trace') {
    const rows = readFileSync(rest[0] ?? 'trace.jsonl', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ServedTrace);
    process.stdout.write(`${summariseTrace(rows).join('\n')}\n`);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      world: { type: 'string', default: 'world-a' },
      'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
      manifest: { type: 'string', default: 'sim-manifest.json' },
      videos: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '8' },
      arms: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string', default: './data-sim' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const world = resized(loadWorld(values.world), {
    ...(values.videos ? { videos: Number(values.videos) } : {}),
    ...(values.users ? { users: Number(values.users) } : {}),
  });
  const base = values['base-url'];
  if (command === 'seed') {
    const bar = progressBar('seed');
    await seedRealCatalogue(base, world, { manifest: values.manifest, progress: (d, t) => bar.update(d, t) });
    bar.done();
  } else if (command === 'run') {
    const catalogue = readManifest(values.manifest, world);
    if (!catalogue)
      throw new Error(`${values.manifest}: no catalogue of ${world.name} v${world.version}; run seed first`);
    const bar = progressBar(`simulate ${values.days} days`);
    const report = await new Simulation({
      baseUrl: base,
      world,
      catalogue,
      days: Number(values.days),
      concurrency: Number(values.concurrency),
      ...(values.arms ? { armExperiment: values.arms } : {}),
      progress: (p) => bar.update(p.day * 24 + p.hour + 1, Number(values.days) * 24, `${p.sessionsDone} sessions`),
    }).run();
    bar.done();
    process.stdout.write(`${summary(report)}\n`);
    if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2));
  } else if (command === 'fast-catalogue') {
    // Starts its own platform on --data (the templates need transcoding), stops it, then makes the copies.
    const env = simPlatformEnv(values.data);
    const bar = progressBar(`fast catalogue of ${world.catalogue.videos} videos`);
    const cat = await buildFastCatalogue(env, world);
    writeManifest(values.manifest, cat);
    bar.done(`manifest ${values.manifest}`);
  } else if (command === 'serve') {
    const p = await startPlatform(simPlatformEnv(values.data, { PORT: '8080' }));
    process.stdout.write(`platform with a simulated clock at ${p.base} (data in ${values.data}); Ctrl-C stops it\n`);
    process.on('SIGINT', () => void p.stop().then(() => process.exit(0)));
  } else throw new Error(`unknown command ${command}\n${HELP}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
