import { parseArgs } from 'node:util';
import type { CliIo, Command } from './args.ts';
import { ExperimentError } from './experiment.ts';

export type { CliIo, Command };

/** Options every command accepts. */
const COMMON = {
  help: { type: 'boolean', short: 'h', default: false },
  seed: { type: 'string' },
  metadata: { type: 'string', default: 'sqlite://./data/foryou.db' },
  objects: { type: 'string', default: 'file://./data/objects' },
} as const;

const COMMON_HELP = `  --seed <n>          random seed (overrides the experiment's)
  --metadata <url>    metadata store (default sqlite://./data/foryou.db)
  --objects <url>     object store for artifacts (default file://./data/objects)
  -h, --help          show this help`;

const COMMANDS: Record<string, () => Promise<Command>> = {
  data: async () => (await import('./commands.train.ts')).dataCommand,
  train: async () => (await import('./commands.train.ts')).trainCommand,
  release: async () => (await import('./commands.train.ts')).releaseCommand,
  eval: async () => (await import('./commands.train.ts')).evalCommand,
  export: async () => (await import('./commands.registry.ts')).exportCommand,
  index: async () => (await import('./commands.registry.ts')).indexCommand,
  promote: async () => (await import('./commands.registry.ts')).promoteCommand,
  list: async () => (await import('./commands.registry.ts')).listCommand,
  rollback: async () => (await import('./commands.registry.ts')).rollbackCommand,
  loop: async () => (await import('./commands.loop.ts')).loopCommand,
  lineage: async () => (await import('./commands.loop.ts')).lineageCommand,
};

const SUMMARIES: Record<string, string> = {
  data: 'print dataset statistics and the time split',
  train: 'train the models of an experiment on train, evaluate on validation, register as candidates',
  release: 'select on validation, refit on train+val, report test once, register the refit models',
  eval: "evaluate an experiment's registered models (candidate or production)",
  export: 'write a registered model and its video embeddings to a folder',
  index: 'build an ANN index file from exported video embeddings',
  promote: 'make a candidate the production version (gated on metrics unless --force)',
  list: 'list registered model versions',
  rollback: 'restore the previous production version',
  loop: 'the trainer worker: every N minutes train on the newest log, gate, promote with lineage',
  lineage: 'show the decision log of a model: gate verdicts, promotions, rollbacks, by whom and why',
};

function mainHelp(): string {
  return [
    'foryou-train: train, evaluate and ship the recommendation models',
    '',
    'usage: foryou-train <command> [options]',
    '',
    'commands:',
    ...Object.entries(SUMMARIES).map(([c, s]) => `  ${c.padEnd(10)} ${s}`),
    '',
    'Run `foryou-train <command> --help` for the options of a command.',
  ].join('\n');
}

function commandHelp(name: string, cmd: Command): string {
  return [
    `foryou-train ${name}: ${cmd.summary}`,
    '',
    `usage: ${cmd.usage}`,
    '',
    'options:',
    cmd.help,
    COMMON_HELP,
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err.write(`foryou-train: unknown command "${name}"\n\n${mainHelp()}\n`);
    return 2;
  }
  const cmd = await load();
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...COMMON, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.err.write(`foryou-train ${name}: ${(err as Error).message}\n\n${commandHelp(name, cmd)}`);
    return 2;
  }
  const opts = parsed.values as Record<string, string | boolean | undefined>;
  if (opts.help) {
    io.out(commandHelp(name, cmd));
    return 0;
  }
  if (opts.seed !== undefined && !/^-?\d+$/.test(String(opts.seed))) {
    io.err.write(`foryou-train ${name}: --seed must be an integer, got "${opts.seed}"\n`);
    return 2;
  }
  try {
    return await cmd.run(opts, parsed.positionals, io);
  } catch (err) {
    const e = err as Error & { problems?: readonly string[] };
    if (
      err instanceof ExperimentError ||
      e.name === 'RegistryError' ||
      e.name === 'AppError' ||
      e.name === 'UsageError'
    ) {
      io.err.write(`foryou-train ${name}: ${e.message}\n`);
      return e.name === 'UsageError' ? 2 : 1;
    }
    io.err.write(`foryou-train ${name}: ${e.stack ?? e.message}\n`);
    return 1;
  }
}
