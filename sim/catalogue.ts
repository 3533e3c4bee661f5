import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, type FeedItem, ForyouClient } from '../platform/client/index.ts';
import { makeClip } from './clips.ts';
import { pool } from './pool.ts';
import { makeCatalogue, makeCreators, type SimCreator, type VideoLatent } from './population.ts';
import type { World } from './world.ts';

/** The password of every simulated account (they are test accounts on a simulator's platform). */
export const SIM_PASSWORD = 'simulated user password';

/**
 * What the simulator knows of the catalogue: its creators' accounts and, per platform video id, the
 * latent topic, creator and quality. Saved as JSON (the manifest) so a later run, the demo check or
 * the fast-mode command's output can be picked up again.
 */
export interface SimCatalogue {
  world: { name: string; version: number; seed: number };
  mode: 'real' | 'fast';
  creators: SimCreator[];
  /** Platform video id → latent. */
  videos: Record<string, VideoLatent>;
  nextKey: number;
}

/** Reads a manifest; undefined when missing or of another world. */
export function readManifest(path: string, world: World): SimCatalogue | undefined {
  if (!existsSync(path)) return undefined;
  const m = JSON.parse(readFileSync(path, 'utf8')) as SimCatalogue;
  return m.world.name === world.name && m.world.version === world.version && m.world.seed === world.seed
    ? m
    : undefined;
}

export function writeManifest(path: string, m: SimCatalogue): void {
  writeFileSync(path, JSON.stringify(m));
}

/** A client signed in as `handle`: registered on first use, logged in after (reruns are idempotent). */
export async function signIn(baseUrl: string, handle: string, displayName?: string): Promise<ForyouClient> {
  const c = new ForyouClient({ baseUrl });
  try {
    await c.register(handle, SIM_PASSWORD, displayName);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 'HANDLE_TAKEN') throw err;
    await c.login(handle, SIM_PASSWORD);
  }
  return c;
}

/** Clip looks per topic: uploads reuse these files (each upload is still its own video, transcoded on its own). */
export const CLIP_VARIANTS = 4;
const clipCache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** The clip of (topic, variant), made once per process; its length spans the world's duration range. */
export function clipFor(world: World, topic: number, variant: number, workDir: string) {
  const [lo, hi] = world.catalogue.duration_s;
  const seconds = Math.round((lo + ((hi - lo) * variant) / Math.max(1, CLIP_VARIANTS - 1)) * 10) / 10;
  const key = `${world.catalogue.topics[topic]}/${variant}/${seconds}`;
  let bytes = clipCache.get(key);
  if (!bytes) {
    const label = `#${world.catalogue.topics[topic]!}`;
    bytes = makeClip(workDir, `t${topic}v${variant}`, { topic, label, seconds, variant });
    clipCache.set(key, bytes);
    bytes.catch(() => clipCache.delete(key));
  }
  return { seconds, bytes };
}

/** Uploads one video of `latent` as its creator through the normal upload and transcode path. */
export async function uploadLatent(
  client: ForyouClient,
  world: World,
  latent: VideoLatent,
  workDir: string,
): Promise<string> {
  const topic = world.catalogue.topics[latent.topic]!;
  const clip = clipFor(world, latent.topic, latent.key % CLIP_VARIANTS, workDir);
  latent.durationS = clip.seconds;
  const { videoId } = await client.upload(await clip.bytes, {
    caption: `${topic} clip ${latent.key}`,
    hashtags: [topic],
  });
  return videoId;
}

/** Progress of a long step: done of total. */
export type Progress = (done: number, total: number) => void;

/**
 * Real mode: registers the world's creators and uploads its initial catalogue as real clips through
 * `POST /api/v1/videos` (signed PUT, complete, transcode), then waits until every video is ready.
 * Idempotent with a manifest: videos already listed there are not uploaded again.
 */
export async function seedRealCatalogue(
  baseUrl: string,
  world: World,
  opts: { manifest?: string; concurrency?: number; progress?: Progress; readyTimeoutMs?: number } = {},
): Promise<SimCatalogue> {
  const known = opts.manifest ? readManifest(opts.manifest, world) : undefined;
  const creators = makeCreators(world);
  const clients = await pool(creators, 8, (c) =>
    signIn(baseUrl, c.handle, `${world.catalogue.topics[c.mainTopic]} creator ${c.index}`),
  );
  creators.forEach((c, i) => {
    c.userId = clients[i]!.user!.id;
  });
  const latents = makeCatalogue(world, creators);
  const cat: SimCatalogue = known ?? {
    world: { name: world.name, version: world.version, seed: world.seed },
    mode: 'real',
    creators,
    videos: {},
    nextKey: latents.length,
  };
  cat.creators = creators;
  const have = new Set(Object.values(cat.videos).map((v) => v.key));
  const todo = latents.filter((l) => !have.has(l.key));
  const dir = mkdtempSync(join(tmpdir(), 'foryou-sim-clips-'));
  let done = latents.length - todo.length;
  try {
    const ids = await pool(todo, opts.concurrency ?? 2, async (l) => {
      const id = await uploadLatent(clients[l.creator]!, world, l, dir);
      cat.videos[id] = l;
      opts.progress?.(++done, latents.length * 2);
      return id;
    });
    if (opts.manifest) writeManifest(opts.manifest, cat);
    // Transcoding runs behind the API; wait for every video (already-ready ones answer at once).
    let ready = 0;
    const all = Object.entries(cat.videos);
    await pool(all, 4, async ([id, l]) => {
      await clients[l.creator]!.waitReady(id, { timeoutMs: opts.readyTimeoutMs ?? 600_000, intervalMs: 500 });
      opts.progress?.(latents.length + ++ready, latents.length * 2);
    });
    void ids;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cat;
}

/** The latent of a served item: from the manifest, else guessed from its hashtags (a video the simulator did not make). */
export function latentOf(cat: SimCatalogue, world: World, item: Pick<FeedItem, 'id' | 'hashtags' | 'duration_ms'>) {
  const known = cat.videos[item.id];
  if (known) return known;
  const topic = world.catalogue.topics.findIndex((t) => item.hashtags.includes(t));
  return {
    key: -1 - (hashString(item.id) % 1_000_000),
    topic: Math.max(0, topic),
    creator: -1,
    quality: 0.5,
    durationS: (item.duration_ms ?? 10_000) / 1000,
    day: -1,
  } satisfies VideoLatent;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
