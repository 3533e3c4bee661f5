/**
 * The content retriever: what the feed's retrieval serves until a trained two-tower is promoted. Each
 * video's vector is the serving stand-in content tower (`hashedContentEmbedder`: fixed directions of
 * its author, hashtags and duration bucket; the dataset keeps no captions), and a user is the mean of
 * their most recent engaged videos (the `history_mean` source). A learnt retriever that replaces the
 * content index must not do worse than this on the same held-out users.
 */
import type { CatalogVideo } from '../../retrieval/catalog-video.ts';
import { hashedContentEmbedder } from '../../retrieval/content-embedding.ts';
import type { Dataset } from '../data/schema.ts';
import type { RetrievalModel, RetrievalQuery } from '../models/types.ts';

/** Dimensions of the serving content index. */
const DIMS = 64;
/** Most recent engaged videos averaged into a query, as the feed's `history_mean` does. */
const SEEDS = 20;

/** The content retriever over `ds`'s videos (authors and hashtags by their keys when the dataset has them). */
export async function contentRetrieval(ds: Dataset): Promise<RetrievalModel> {
  const key = (list: readonly string[] | undefined, i: number, prefix: string) => list?.[i] || `${prefix}${i}`;
  const videos = ds.videos.map(
    (v): CatalogVideo => ({
      id: v.externalId,
      authorId: key(ds.keys?.authors, v.author, 'author-'),
      privacy: 'public',
      hashtags: v.tags.filter((t) => t > 0).map((t) => key(ds.keys?.tags, t, 'tag-')),
      caption: '',
      createdAt: v.uploadMs,
      durationMs: v.durationMs > 0 ? v.durationMs : null,
      version: 1,
      posterKey: null,
      stats: { views: 0, likes: 0, comments: 0, shares: 0 },
    }),
  );
  const vectors = await hashedContentEmbedder(DIMS).embed(videos);
  const n = ds.videos.length;
  return {
    name: 'content',
    scoreAll(queries: readonly RetrievalQuery[]) {
      return queries.map((q) => {
        const seeds = [...new Set(q.history.slice().reverse())].slice(0, SEEDS);
        const out = new Float32Array(n);
        if (seeds.length === 0) return out;
        const u = new Float32Array(DIMS);
        for (const s of seeds) for (let j = 0; j < DIMS; j++) u[j] = u[j]! + vectors[s * DIMS + j]!;
        for (let v = 0; v < n; v++) {
          let dot = 0;
          for (let j = 0; j < DIMS; j++) dot += u[j]! * vectors[v * DIMS + j]!;
          out[v] = dot;
        }
        return out;
      });
    },
  };
}
