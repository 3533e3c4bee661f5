import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferToF32 } from '../baselines/artifacts.ts';
import { openRegistry } from '../registry/open.ts';
import type { ModelRecord, ModelStage } from '../registry/registry.ts';
import { buildIndex } from './ann-index.ts';
import { type Command, required, UsageError } from './main.ts';
import { progressBar } from './progress.ts';

const stores = (opts: Record<string, string | boolean | undefined>) =>
  openRegistry({ metadataUrl: opts.metadata as string, objectsUrl: opts.objects as string });

const MODEL_HELP = `  --name <model>      registered model name (required)
  --version <v>       a version (default: the one in --stage)
  --stage <stage>     candidate, production or archived (default production)`;

async function pick(
  opts: Record<string, string | boolean | undefined>,
  registry: Awaited<ReturnType<typeof stores>>['registry'],
): Promise<ModelRecord> {
  const name = required(opts, 'name');
  if (typeof opts.version === 'string') return registry.get(name, opts.version);
  const stage = (opts.stage as ModelStage | undefined) ?? 'production';
  const rec = await registry.byStage(name, stage);
  if (!rec) throw new UsageError(`no ${stage} version of ${name}; see \`foryou-train list --name ${name}\``);
  return rec;
}

/** `foryou-train export`. */
export const exportCommand: Command = {
  summary: 'write a registered model and its video embeddings to a folder',
  usage: 'foryou-train export --name <model> [--version v | --stage s] --out <dir>',
  help: `${MODEL_HELP}
  --out <dir>         destination folder (required)`,
  options: {
    name: { type: 'string' },
    version: { type: 'string' },
    stage: { type: 'string' },
    out: { type: 'string' },
  },
  async run(opts, _pos, io) {
    const out = required(opts, 'out');
    const { registry, close } = await stores(opts);
    try {
      const rec = await pick(opts, registry);
      mkdirSync(out, { recursive: true });
      const keys = await registry.objects.list(rec.artifactPrefix);
      for (const k of keys)
        writeFileSync(join(out, k.slice(rec.artifactPrefix.length)), await registry.objects.getBuffer(k));
      io.out(`exported ${rec.name}@${rec.version} (${keys.length} files) to ${out}`);
      if (!keys.some((k) => k.endsWith('video_embeddings.f32')))
        io.out('note: this model has no video embeddings, so `index` cannot use it');
    } finally {
      await close();
    }
    return 0;
  },
};

/** `foryou-train index`. */
export const indexCommand: Command = {
  summary: 'build an ANN index file from exported video embeddings',
  usage: 'foryou-train index --from <export dir> [--out <file>] [--brute-force]',
  help: `  --from <dir>        folder written by \`export\` (video_embeddings.f32, video_ids.json, metadata.json)
  --out <file>        index file (default <from>/videos.usearch, or videos.brute.json with --brute-force)
  --brute-force       skip usearch and write an exact (brute-force) index description`,
  options: { from: { type: 'string' }, out: { type: 'string' }, 'brute-force': { type: 'boolean', default: false } },
  async run(opts, _pos, io) {
    const from = required(opts, 'from');
    for (const f of ['video_embeddings.f32', 'video_ids.json', 'metadata.json']) {
      if (!existsSync(join(from, f)))
        throw new UsageError(`${join(from, f)} not found; run \`foryou-train export\` on a model with embeddings`);
    }
    const meta = JSON.parse(readFileSync(join(from, 'metadata.json'), 'utf8')) as { dims?: Record<string, number> };
    const vectors = bufferToF32(readFileSync(join(from, 'video_embeddings.f32')));
    const ids = JSON.parse(readFileSync(join(from, 'video_ids.json'), 'utf8')) as string[];
    const dim = meta.dims?.embeddingDim ?? meta.dims?.factors ?? vectors.length / Math.max(1, ids.length);
    const bar = progressBar('build index');
    const result = await buildIndex(vectors, ids, dim, {
      out: opts.out as string | undefined,
      dir: from,
      bruteForce: opts['brute-force'] === true,
      seed: Number(opts.seed ?? 1),
    });
    bar.done(`${result.kind}, ${ids.length} vectors × ${dim}`);
    io.out(
      `index: ${result.file} (${result.kind}); recall@10 against brute force on ${result.checkQueries} queries: ${result.recallAt10.toFixed(3)}`,
    );
    return 0;
  },
};

/** `foryou-train promote`. */
export const promoteCommand: Command = {
  summary: 'make a candidate the production version (gated on metrics unless --force)',
  usage: 'foryou-train promote --name <model> --version <v> [--force]',
  help: `  --name <model>      registered model name (required)
  --version <v>       version to promote (default: the latest candidate)
  --force             promote even when worse than production on the gate metrics`,
  options: { name: { type: 'string' }, version: { type: 'string' }, force: { type: 'boolean', default: false } },
  async run(opts, _pos, io) {
    const { registry, close } = await stores(opts);
    try {
      const name = required(opts, 'name');
      let version = opts.version as string | undefined;
      if (!version) {
        const c = await registry.byStage(name, 'candidate');
        if (!c) throw new UsageError(`no candidate of ${name} to promote`);
        version = c.version;
      }
      const rec = await registry.promote(name, version, { force: opts.force === true });
      io.out(`${rec.name}@${rec.version} is now production`);
    } finally {
      await close();
    }
    return 0;
  },
};

/** `foryou-train list`. */
export const listCommand: Command = {
  summary: 'list registered model versions',
  usage: 'foryou-train list [--name <model>] [--json]',
  help: `  --name <model>      only this model
  --json              print JSON`,
  options: { name: { type: 'string' }, json: { type: 'boolean', default: false } },
  async run(opts, _pos, io) {
    const { registry, close } = await stores(opts);
    try {
      const rows = await registry.list(opts.name as string | undefined);
      if (opts.json) {
        io.out(JSON.stringify(rows, null, 2));
        return 0;
      }
      io.out('| name | version | stage | family | metrics | created |');
      io.out('|---|---|---|---|---|---|');
      for (const r of rows) {
        const metrics = Object.entries(r.metrics)
          .map(([k, v]) => `${k}=${v.toFixed(4)}`)
          .join(' ');
        io.out(
          `| ${r.name} | ${r.version} | ${r.stage} | ${r.metadata.family} | ${metrics} | ${new Date(r.createdAt).toISOString()} |`,
        );
      }
    } finally {
      await close();
    }
    return 0;
  },
};

/** `foryou-train rollback`. */
export const rollbackCommand: Command = {
  summary: 'restore the previous production version',
  usage: 'foryou-train rollback --name <model>',
  help: '  --name <model>      registered model name (required)',
  options: { name: { type: 'string' } },
  async run(opts, _pos, io) {
    const { registry, close } = await stores(opts);
    try {
      const rec = await registry.rollback(required(opts, 'name'));
      io.out(`${rec.name}@${rec.version} is production again`);
    } finally {
      await close();
    }
    return 0;
  },
};
