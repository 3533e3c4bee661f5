import { settingsOf } from '../../pipeline/settings.ts';
import { queryVectorOf } from '../query-vector.ts';
import { TWO_TOWER_LABELS } from '../sources/two-tower.source.ts';
import type { Candidate, FeedQuery, PreRanker } from '../types.ts';
import { VALUE_MODEL_SETTINGS } from './value-model.settings.ts';

/** Whether a candidate source entry is the request's own query-vector ANN search (either label). */
const isQueryAnn = (name: string) => name === TWO_TOWER_LABELS.model || name === TWO_TOWER_LABELS.historyMean;

/**
 * Sets every candidate's retrieval prior: the two-tower affinity divided by the softmax temperature
 * (a logit of "the viewer picks this video"), for every candidate whatever source proposed it. A
 * candidate missing from the index gets the lowest prior of the request. A viewer with no query vector
 * (no history, no index) gets a prior of 0 everywhere: ranks of different sources (popular, fresh,
 * interests) are not comparable, so the value alone orders their candidates.
 */
export async function scoreRetrievalPrior(query: FeedQuery, candidates: Candidate[]): Promise<void> {
  const s = query.index;
  const q = s ? await queryVectorOf(query) : undefined;
  if (!s || !q) {
    for (const c of candidates) c.prior = 0;
    return;
  }
  const { combine } = settingsOf(query.settings, VALUE_MODEL_SETTINGS);
  const t = s.queryTower ? combine.retrieval_temperature : combine.content_temperature;
  // The ANN already scored its own hits with this query vector; the index scores the rest in one call.
  const known: (number | undefined)[] = new Array(candidates.length);
  const askIds: string[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    let score: number | undefined;
    for (const x of c.sources) {
      if (isQueryAnn(x.source)) {
        score = x.score;
        break;
      }
    }
    known[i] = score;
    if (score === undefined) askIds.push(c.video.id);
  }
  const asked = askIds.length > 0 ? await s.affinities(q, askIds) : [];
  let next = 0;
  let lowest = Number.POSITIVE_INFINITY;
  const missing: Candidate[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const a = known[i] ?? asked[next++];
    if (a === undefined) {
      missing.push(c);
      continue;
    }
    c.affinity = a;
    c.prior = a / t;
    lowest = Math.min(lowest, c.prior);
  }
  for (const c of missing) c.prior = Number.isFinite(lowest) ? lowest : 0;
}

/**
 * The candidates worth ranking: the `rank_top_n` best priors (at most `keep_per_author` of one creator
 * among them), each source's `keep_per_source` best by
 * its own rank (so a followed creator's upload or a fresh video is ranked even when the two-tower
 * does not know it), and every exploration pick (propensity < 1); best prior first, ties in the order
 * the sources were merged.
 */
export function keepForRanking(query: FeedQuery, candidates: Candidate[]): Candidate[] {
  const {
    rank_top_n: topN,
    keep_per_source: perSource,
    keep_per_author: perAuthor,
  } = settingsOf(query.settings, VALUE_MODEL_SETTINGS).combine;
  const prior = (c: Candidate) => c.prior ?? Number.NEGATIVE_INFINITY;
  const sorted = [...candidates].sort((a, b) => prior(b) - prior(a));
  const byAuthor = new Map<string, number>();
  let top = 0;
  return sorted.filter((c) => {
    const n = byAuthor.get(c.video.authorId) ?? 0;
    const inTop = top < topN && (perAuthor === 0 || n < perAuthor);
    if (inTop) {
      top++;
      byAuthor.set(c.video.authorId, n + 1);
    }
    return inTop || c.propensity < 1 || c.sources.some((s) => s.rank < perSource && !isQueryAnn(s.source));
  });
}

/** The For You pre-ranker: the retrieval prior and `keepForRanking`. */
export const retrievalPriorPreRanker: PreRanker = {
  id: 'retrieval_prior',
  settings: VALUE_MODEL_SETTINGS,
  score: scoreRetrievalPrior,
  keep: keepForRanking,
};
