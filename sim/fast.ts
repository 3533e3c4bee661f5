import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLIP_VARIANTS, type SimCatalogue, signIn, uploadLatent } from './catalogue.ts';
import { startPlatform } from './platform-process.ts';
import { pool } from './pool.ts';
import { makeCatalogue, makeCreators, type VideoLatent } from './population.ts';
import type { World } from './world.ts';

const run = promisify(execFile);
const COMMAND = new URL('../platform/media/synthetic-videos.main.ts', import.meta.url).pathname;

/**
 * Fast mode, step 1 (platform running): registers the world's creators and uploads one real template
 * clip per (topic, variant) through the API, waiting until they are transcoded. Returns the catalogue
 * so far (the templates only) and the plan step 2 executes.
 */
export async function prepareFastCatalogue(
  baseUrl: string,
  world: World,
): Promise<{
  catalogue: SimCatalogue;
  plan: { authorId: string; templateId: string; caption: string; hashtags: string[] }[];
  latents: VideoLatent[];
}> {
  const creators = makeCreators(world);
  const clients = await pool(creators, 8, (c) => signIn(baseUrl, c.handle));
  creators.forEach((c, i) => {
    c.userId = clients[i]!.user!.id;
  });
  const latents = makeCatalogue(world, creators);
  const dir = mkdtempSync(join(tmpdir(), 'foryou-sim-templates-'));
  const templates = new Map<string, { id: string; seconds: number }>();
  try {
    // Only the (topic, variant) templates the catalogue copies: an uploaded template no copy points at
    // would be a real video besides the templates, which the synthetic-catalogue step refuses.
    const used = new Set(latents.map((l) => `${l.topic}/${l.key % CLIP_VARIANTS}`));
    const slots = world.catalogue.topics
      .flatMap((_, topic) => Array.from({ length: CLIP_VARIANTS }, (_, variant) => ({ topic, variant })))
      .filter(({ topic, variant }) => used.has(`${topic}/${variant}`));
    await pool(slots, 2, async ({ topic, variant }) => {
      const owner = creators.find((c) => c.mainTopic === topic) ?? creators[0]!;
      const latent: VideoLatent = { key: -1, topic, creator: owner.index, quality: 0.5, durationS: 0, day: -1 };
      latent.key = variant; // picks the variant's clip
      const id = await uploadLatent(clients[owner.index]!, world, latent, dir);
      await clients[owner.index]!.waitReady(id, { timeoutMs: 300_000, intervalMs: 500 });
      templates.set(`${topic}/${variant}`, { id, seconds: latent.durationS });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const plan = latents.map((l) => {
    const t = templates.get(`${l.topic}/${l.key % CLIP_VARIANTS}`)!;
    l.durationS = t.seconds;
    return {
      authorId: creators[l.creator]!.userId!,
      templateId: t.id,
      caption: `${world.catalogue.topics[l.topic]} clip ${l.key}`,
      hashtags: [world.catalogue.topics[l.topic]!],
    };
  });
  const catalogue: SimCatalogue = {
    world: { name: world.name, version: world.version, seed: world.seed },
    mode: 'fast',
    creators,
    videos: {},
    nextKey: latents.length,
  };
  return { catalogue, plan, latents };
}

/**
 * Fast mode, step 2 (platform stopped): runs the platform's operator command (`npm run sim:catalogue`)
 * with the platform's environment to create the planned videos as synthetic copies of the templates,
 * and records their latents. The templates themselves stay out of the simulator's catalogue.
 */
export async function createFastCatalogue(
  env: Record<string, string>,
  prepared: Awaited<ReturnType<typeof prepareFastCatalogue>>,
): Promise<SimCatalogue> {
  const dir = mkdtempSync(join(tmpdir(), 'foryou-sim-plan-'));
  try {
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(prepared.plan));
    await run(process.execPath, [COMMAND, '--plan', join(dir, 'plan.json'), '--out', join(dir, 'ids.json')], {
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    const ids = JSON.parse(readFileSync(join(dir, 'ids.json'), 'utf8')) as string[];
    ids.forEach((id, i) => {
      prepared.catalogue.videos[id] = prepared.latents[i]!;
    });
    return prepared.catalogue;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fast mode, both steps: a platform started on `env` for the templates, stopped while the copies are
 * written (step 2 writes the stores directly), then the whole catalogue. Start the platform again to use it.
 */
export async function buildFastCatalogue(env: Record<string, string>, world: World): Promise<SimCatalogue> {
  const platform = await startPlatform(env);
  let prepared: Awaited<ReturnType<typeof prepareFastCatalogue>>;
  try {
    prepared = await prepareFastCatalogue(platform.base, world);
  } finally {
    await platform.stop();
  }
  return createFastCatalogue(env, prepared);
}
