import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import type { ObjectStore } from '../../core/objects/ports.ts';
import { rewritePlaylistUris } from './hls.ts';
import { mediaKeys } from './media-keys.ts';
import { type VideoRow, videosRepo } from './videos.repo.ts';

/** One video to create: whose it is, whose media it shares, and its metadata. */
export interface SyntheticVideo {
  authorId: string;
  /** A ready video whose renditions and poster the new one plays. */
  templateId: string;
  caption: string;
  hashtags: string[];
}

/** Why a fast-mode catalogue cannot be made on this store. */
export class SyntheticCatalogueError extends Error {}

async function readText(objects: ObjectStore, key: string): Promise<string> {
  const { body } = await objects.get(key);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `key` of the template `from` as the same file of version 1 of video `to`. */
const moved = (key: string, from: VideoRow, to: string) =>
  mediaKeys.prefix(to, 1) + key.slice(mediaKeys.prefix(from.id, from.version).length);

/** Copies every file of a template's version (`files`, as listed) to version 1 of video `to`. */
async function copyFiles(objects: ObjectStore, from: VideoRow, files: readonly string[], to: string): Promise<void> {
  for (const key of files) {
    const { info, body } = await objects.get(key);
    await objects.put(moved(key, from, to), body, info.contentType ? { contentType: info.contentType } : {});
  }
}

/**
 * The simulator's fast mode: creates many ready videos through the media area's own store and keys,
 * each sharing the media of a transcoded template (its own master playlist points at the template's
 * renditions; its poster is the template's), flagged `synthetic`. Refuses a store that holds real
 * uploads other than the templates, so synthetic videos are never mixed into a real catalogue.
 * Rows are written in transactions of `batch`; returns the new ids in plan order.
 */
export async function createSyntheticVideos(
  deps: { metadata: MetadataStore; objects: ObjectStore; clock: Clock },
  plan: readonly SyntheticVideo[],
  opts: {
    batch?: number;
    progress?: (done: number, total: number) => void;
    /**
     * Copy the template's files under each new video's own prefix instead of pointing at them, so every
     * video has URLs of its own (a player's or a browser's cache never serves one video for another).
     */
    copyMedia?: boolean;
  } = {},
): Promise<string[]> {
  const repo = videosRepo(deps.metadata);
  const templateIds = [...new Set(plan.map((p) => p.templateId))];
  const templates = new Map<string, { row: VideoRow; master: string; files: string[] }>();
  for (const id of templateIds) {
    const row = await repo.get(id);
    if (row?.status !== 'ready' || row.deletedAt !== null)
      throw new SyntheticCatalogueError(`template ${id} is not a ready video`);
    const master = rewritePlaylistUris(await readText(deps.objects, mediaKeys.master(row.id, row.version)), (uri) =>
      /^[a-z]+:|^\//i.test(uri) ? uri : `../../${row.id}/v${row.version}/${uri}`,
    );
    const files = opts.copyMedia ? await deps.objects.list(`${mediaKeys.prefix(row.id, row.version)}/`) : [];
    templates.set(id, { row, master, files });
  }
  const real = await deps.metadata.get(
    `SELECT COUNT(*) AS n FROM videos WHERE synthetic = 0 AND deleted_at IS NULL AND id NOT IN (${templateIds.map((_, i) => `$${i + 1}`).join(', ') || "''"})`,
    templateIds,
  );
  if (Number(real?.n ?? 0) > 0)
    throw new SyntheticCatalogueError(
      `the store holds ${real?.n} uploaded videos besides the templates: synthetic videos go only into a simulator's own store`,
    );
  const ids: string[] = [];
  const batch = opts.batch ?? 500;
  // Each video is stamped a millisecond after the one planned before it. Videos minted in one
  // millisecond would otherwise tie on created_at and be ordered by the random part of their ids, and on
  // a fresh catalogue (no views anywhere) that newest-first order is also the popularity order: a
  // seeded plan would then start from a different "most popular" list on every run.
  let lastStamp = Number.NEGATIVE_INFINITY;
  for (let start = 0; start < plan.length; start += batch) {
    const part = plan.slice(start, start + batch);
    const now = deps.clock.now();
    const made = part.map((p) => ({ p, id: newId(now), t: templates.get(p.templateId)! }));
    if (opts.copyMedia) {
      for (const { id, t } of made) await copyFiles(deps.objects, t.row, t.files, id);
    } else {
      await Promise.all(
        made.map(({ id, t }) =>
          deps.objects.put(mediaKeys.master(id, 1), Buffer.from(t.master), {
            contentType: 'application/vnd.apple.mpegurl',
          }),
        ),
      );
    }
    // Stamped after the files are written: copying takes seconds, and the catalogue picks up new videos
    // by processed_at, so a time from before the copy could fall behind its last refresh and be missed.
    const at = Math.max(deps.clock.now(), lastStamp + 1);
    lastStamp = at + made.length - 1;
    await deps.metadata.transaction(async (tx) => {
      for (const [i, { p, id, t }] of made.entries()) {
        const r = t.row;
        await tx.run(
          `INSERT INTO videos (id, author_id, caption, hashtags, music_id, privacy, status, duration_ms, width, height,
             source_key, renditions, poster_key, version, created_at, processed_at, synthetic, author_private)
           VALUES ($1, $2, $3, $4, NULL, 'public', 'ready', $5, $6, $7, NULL, $8, $9, 1, $10, $10, 1,
             COALESCE((SELECT private FROM users WHERE id = $2), 0))`,
          [
            id,
            p.authorId,
            p.caption,
            JSON.stringify(p.hashtags),
            r.durationMs,
            r.width,
            r.height,
            JSON.stringify(
              opts.copyMedia
                ? r.renditions.map((x) => ({ ...x, playlist_key: moved(x.playlist_key, r, id) }))
                : r.renditions,
            ),
            opts.copyMedia && r.posterKey ? moved(r.posterKey, r, id) : r.posterKey,
            at + i,
          ],
        );
        for (const tag of p.hashtags)
          await tx.run('INSERT INTO video_hashtags (video_id, tag) VALUES ($1, $2)', [id, tag]);
      }
    });
    ids.push(...made.map((m) => m.id));
    opts.progress?.(ids.length, plan.length);
  }
  return ids;
}
