import { seededRandom } from '../../core/random.ts';
import type { Dataset, Example } from '../data/schema.ts';
import { buildRetrievalCases, evaluateRetrieval } from '../eval/retrieval.ts';
import type { RetrievalQuery } from '../models/types.ts';
import { type Artifact, f32ToBuffer, type SaveableRetrieval } from './artifacts.ts';
import { positiveCounts } from './interactions.ts';

/** Scores that ignore the query: every query gets the same (shared, read-only) array. */
export class StaticScores implements SaveableRetrieval {
  readonly name: string;
  readonly scores: Float32Array;
  readonly config: unknown;
  constructor(name: string, scores: Float32Array, config: unknown = {}) {
    this.name = name;
    this.scores = scores;
    this.config = config;
  }
  scoreAll(queries: readonly RetrievalQuery[]): Float32Array[] {
    return queries.map(() => this.scores);
  }
  artifact(): Artifact {
    return {
      files: { 'scores.f32': f32ToBuffer(this.scores) },
      dims: { videos: this.scores.length },
      config: this.config,
    };
  }
}

/** Uniformly random scores from a seeded generator: the floor every model must beat. */
export function randomModel(videos: number, seed = 1): SaveableRetrieval {
  const rand = seededRandom(seed);
  return {
    name: 'random',
    scoreAll: (queries) => queries.map(() => Float32Array.from({ length: videos }, rand)),
    artifact: () => ({ files: {}, dims: { videos }, config: { seed } }),
  };
}

/** Videos ranked by their number of positives (long view or like) in the fit examples. */
export function mostPopular(ds: Dataset, fit: readonly Example[] = ds.train): SaveableRetrieval {
  return new StaticScores('most_popular', positiveCounts(ds.videos.length, fit));
}

/** Positives weighted by 2^(-age / half-life); the ranking does not depend on the reference time. */
export function decayedPopular(ds: Dataset, halfLifeMs: number, fit: readonly Example[] = ds.train): SaveableRetrieval {
  if (!(halfLifeMs > 0)) throw new Error(`decayed_popular: half-life must be positive, got ${halfLifeMs}`);
  const nowMs = fit.at(-1)?.timeMs ?? 0;
  return new StaticScores('decayed_popular', positiveCounts(ds.videos.length, fit, { halfLifeMs, nowMs }), {
    halfLifeHours: halfLifeMs / 3_600_000,
  });
}

/** Half-lives tried when tuning, in hours. */
export const HALF_LIFE_GRID_HOURS = [3, 6, 12, 24, 48, 96, 192];

/** Picks the half-life with the best validation recall@100 (fit on train), then fits with it. */
export function tunedDecayedPopular(ds: Dataset): {
  model: SaveableRetrieval;
  halfLifeHours: number;
  grid: { hours: number; recall_at_100: number }[];
} {
  const cases = buildRetrievalCases(ds, 'validation');
  const grid = HALF_LIFE_GRID_HOURS.map((hours) => ({
    hours,
    recall_at_100: evaluateRetrieval(decayedPopular(ds, hours * 3_600_000), cases, ds.videos.length).overall
      .recall_at_100,
  }));
  const best = grid.reduce((a, b) => (b.recall_at_100 > a.recall_at_100 ? b : a));
  return { model: decayedPopular(ds, best.hours * 3_600_000), halfLifeHours: best.hours, grid };
}
