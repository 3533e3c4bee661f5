import { createHash } from 'node:crypto';
import { durationBucket } from '../feature-store/signals.ts';
import type { CatalogVideo } from './catalog.ts';

/** Caption words a content vector reads: lower-case letters and digits, 3+ characters, at most 8. */
export function captionTokens(caption: string): string[] {
  const words = caption.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [];
  return [...new Set(words)].slice(0, 8);
}

/** Embeds videos from their content alone (no engagement yet), in the index's vector space. */
export interface ContentEmbedder {
  readonly dims: number;
  /** Row-major unit vectors, one row per video. */
  embed(videos: readonly CatalogVideo[]): Promise<Float32Array>;
}

function hashedUnit(token: string, dims: number, out: Float32Array, weight: number): void {
  // Four hash bytes per component give a deterministic pseudo-random direction per token.
  let block = createHash('sha256').update(token).digest();
  for (let j = 0; j < dims; j++) {
    if ((j * 2) % block.length === 0 && j > 0) block = createHash('sha256').update(block).digest();
    const b = block.readUInt16LE((j * 2) % block.length);
    out[j] = out[j]! + weight * (b / 32768 - 1);
  }
}

/**
 * The stand-in content tower used until a trained one is promoted: a video's vector is the normalised
 * sum of fixed random directions of its author and hashtags (weight 1), caption words and duration
 * bucket (0.5), so videos sharing tags, creators or words are neighbours. It shares no space with a trained query tower; it only serves item-to-item retrieval.
 */
export function hashedContentEmbedder(dims: number): ContentEmbedder {
  return {
    dims,
    async embed(videos) {
      const out = new Float32Array(videos.length * dims);
      videos.forEach((v, i) => {
        const row = out.subarray(i * dims, (i + 1) * dims);
        hashedUnit(`author:${v.authorId}`, dims, row, 1);
        for (const t of v.hashtags) hashedUnit(`tag:${t.toLowerCase()}`, dims, row, 1);
        for (const w of captionTokens(v.caption)) hashedUnit(`word:${w}`, dims, row, 0.5);
        if (v.durationMs !== null) hashedUnit(`duration:${durationBucket(v.durationMs)}`, dims, row, 0.5);
        if (v.hashtags.length === 0) hashedUnit(`video:${v.id}`, dims, row, 0.5);
        let s = 0;
        for (let j = 0; j < dims; j++) s += row[j]! ** 2;
        const inv = 1 / Math.sqrt(s || 1);
        for (let j = 0; j < dims; j++) row[j] = row[j]! * inv;
      });
      return out;
    },
  };
}
