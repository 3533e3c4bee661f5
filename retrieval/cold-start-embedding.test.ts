import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.ts';
import type { CatalogVideo } from './catalog-video.ts';
import { coldStartVectors } from './cold-start-embedding.ts';
import { captionTokens, hashedContentEmbedder } from './content-embedding.ts';
import { buildSnapshot } from './index-holder.ts';

const video = (id: string, authorId: string, hashtags: string[], caption = ''): CatalogVideo => ({
  id,
  authorId,
  privacy: 'public',
  hashtags,
  caption,
  createdAt: 0,
  durationMs: 12_000,
  version: 1,
  posterKey: null,
  stats: { views: 0, likes: 0, comments: 0, shares: 0 },
});

const unit = (dims: number, axis: number) => Float32Array.from({ length: dims }, (_, j) => (j === axis ? 1 : 0));
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, j) => s + x * b[j]!, 0);

describe('cold-start vectors in a trained space', () => {
  // Creator a's cooking videos point along axis 0, creator b's dance videos along axis 1.
  const indexed = [
    video('a1', 'a', ['cooking']),
    video('a2', 'a', ['cooking']),
    video('b1', 'b', ['dance']),
    video('b2', 'b', ['dance']),
  ];
  const vectors = new Float32Array(4 * 4);
  for (const [i, axis] of [0, 0, 1, 1].entries()) vectors.set(unit(4, axis), i * 4);
  const s = buildSnapshot('two_tower@1', ['a1', 'a2', 'b1', 'b2'], vectors);

  it("puts a creator's new video beside that creator's indexed videos, and a new creator's by hashtag and caption", async () => {
    const fresh = [
      video('a3', 'a', []),
      video('c1', 'c', ['dance']),
      video('c2', 'c', [], 'Cooking tonight'),
      video('z1', 'z', ['unknown']),
    ];
    const catalog = Catalog.fromVideos([...indexed, ...fresh]);
    const { vectors: out, fromNeighbours } = await coldStartVectors(s, catalog, fresh);
    const row = (i: number) => out.subarray(i * 4, (i + 1) * 4);
    expect(fromNeighbours).toBe(3);
    expect(cos(row(0), unit(4, 0))).toBeCloseTo(1, 5);
    expect(cos(row(1), unit(4, 1))).toBeCloseTo(1, 5);
    expect(cos(row(2), unit(4, 0))).toBeCloseTo(1, 5);
    // No neighbour: the hashed content direction, still a unit vector of the index's size.
    const z = (await hashedContentEmbedder(4).embed([fresh[3]!])).subarray(0, 4);
    expect([...row(3)]).toEqual([...z]);
  });

  it('reads caption words once, lower-cased, 3+ letters', () => {
    expect(captionTokens('Cooking at 9, COOKING again! #x')).toEqual(['cooking', 'again']);
  });
});
