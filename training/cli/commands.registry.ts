import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progressBar } from '../../core/cli/progress.ts';
import { ANN_KINDS, type AnnKind } from '../../retrieval/ann/open.ts';
import { writeIndexArtifact } from '../../retrieval/index-holder.ts';
import { bufferToF32 } from '../baselines/artifacts.ts';
import { openRegistry } from '../registry/open.ts';
import type { ModelRecord, ModelStage } from '../registry/registry.ts';
import { buildIndex } from './ann-index.ts';
import { type Command, required, UsageError } from './args.ts';

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
  summary: 'build the serving ANN index of a registered model from its video embeddings',
  usage: 'foryou-train index --name <model> [--version <v>] [--backend usearch|hnswlib|brute-force]',
  help: `  --name <model>      registered model with video embeddings (e.g. two_tower)
  --version <v>       version (default: the latest candidate)
  --backend <kind>    ANN backend: usearch (default), hnswlib or brute-force
  The index is written beside the model's artifacts (<prefix>/ann/), where the feed loads it when the
  model is promoted to production.`,
  options: { name: { type: 'string' }, version: { type: 'string' }, backend: { type: 'string', default: 'usearch' } },
  async run(opts, _pos, io) {
    const kind = String(opts.backend);
    if (!ANN_KINDS.includes(kind as AnnKind)) {
      throw new UsageError(`--backend must be one of ${ANN_KINDS.join(', ')}, not "${kind}"`);
    }
    const { registry, close } = await stores(opts);
    try {
      const rec = await pick({ stage: 'candidate', ...opts }, registry);
      const keys = await registry.objects.list(rec.artifactPrefix);
      const file = (name: string) => keys.find((k) => k.endsWith(`/${name}`));
      const embKey = file('video_embeddings.f32');
      const idsKey = file('video_ids.json');
      if (!embKey || !idsKey) {
        throw new UsageError(
          `${rec.name}@${rec.version} has no video embeddings (video_embeddings.f32, video_ids.json)`,
        );
      }
      const vectors = bufferToF32(await registry.objects.getBuffer(embKey));
      const ids = JSON.parse((await registry.objects.getBuffer(idsKey)).toString()) as string[];
      const dim = vectors.length / Math.max(1, ids.length);
      const bar = progressBar('build index');
      const result = buildIndex(vectors, ids, dim, {
        kind: kind as AnnKind,
        version: `${rec.name}@${rec.version}`,
        seed: Number(opts.seed ?? 1),
      });
      await writeIndexArtifact(registry.objects, rec.artifactPrefix, result.snapshot);
      bar.done(`${result.kind}, ${ids.length} vectors × ${dim}`);
      io.out(
        `index: ${rec.artifactPrefix.replace(/\/+$/, '')}/ann/ (${result.kind}); recall@10 against brute force on ${result.checkQueries} queries: ${result.recallAt10.toFixed(3)}`,
      );
      return 0;
    } finally {
      await close();
    }
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
