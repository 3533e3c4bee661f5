import type { Catalog, CatalogVideo } from './catalog.ts';
import { captionTokens, hashedContentEmbedder } from './content-embedding.ts';
import type { IndexSnapshot } from './index-holder.ts';

/** Neighbours read per creator, hashtag or caption word (the newest in the catalogue's order). */
const PER_GROUP = 50;
const WEIGHTS = { creator: 2, hashtag: 1, caption: 0.5 } as const;

function addMeanOf(
  s: IndexSnapshot,
  ids: readonly CatalogVideo[],
  self: string,
  weight: number,
  out: Float32Array,
): boolean {
  const acc = new Float32Array(s.dims);
  let n = 0;
  for (const v of ids) {
    if (n >= PER_GROUP) break;
    const key = v.id === self ? undefined : s.keyOf.get(v.id);
    const row = key === undefined ? undefined : s.vectors.row(key);
    if (!row) continue;
    for (let j = 0; j < s.dims; j++) acc[j] = acc[j]! + row[j]!;
    n++;
  }
  if (n === 0) return false;
  for (let j = 0; j < s.dims; j++) out[j] = out[j]! + (weight * acc[j]!) / n;
  return true;
}

function normalise(row: Float32Array): boolean {
  let s = 0;
  for (const x of row) s += x * x;
  if (!(s > 0) || !Number.isFinite(s)) return false;
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < row.length; j++) row[j] = row[j]! * inv;
  return true;
}

/**
 * Cold-start vectors for new videos in a trained index's space, from their metadata alone: the
 * weighted mean of the indexed vectors of the same creator's videos (weight 2), of each hashtag's
 * videos (1) and of videos tagged with a caption word (0.5), normalised. A video with no indexed
 * neighbour (a new creator with new tags) gets the hashed content direction, so it is still
 * retrievable item-to-item and by exploration, until a model trained on its engagement replaces it.
 */
export async function coldStartVectors(
  s: IndexSnapshot,
  catalog: Pick<Catalog, 'byAuthor' | 'byTag'>,
  videos: readonly CatalogVideo[],
): Promise<{ vectors: Float32Array; fromNeighbours: number }> {
  const out = new Float32Array(videos.length * s.dims);
  const lonely: number[] = [];
  videos.forEach((v, i) => {
    const row = out.subarray(i * s.dims, (i + 1) * s.dims);
    let any = addMeanOf(s, catalog.byAuthor(v.authorId), v.id, WEIGHTS.creator, row);
    const tags = new Set(v.hashtags.map((t) => t.toLowerCase()));
    for (const t of tags) any = addMeanOf(s, catalog.byTag(t), v.id, WEIGHTS.hashtag, row) || any;
    for (const w of captionTokens(v.caption))
      if (!tags.has(w)) any = addMeanOf(s, catalog.byTag(w), v.id, WEIGHTS.caption, row) || any;
    if (!any || !normalise(row)) lonely.push(i);
  });
  if (lonely.length > 0) {
    const fallback = await hashedContentEmbedder(s.dims).embed(lonely.map((i) => videos[i]!));
    lonely.forEach((i, r) => {
      out.set(fallback.subarray(r * s.dims, (r + 1) * s.dims), i * s.dims);
    });
  }
  return { vectors: out, fromNeighbours: videos.length - lonely.length };
}
