/** The ranker's prediction heads; all but `watchRatio` are probabilities. */
export const RANKING_HEADS = [
  'click',
  'longView',
  'like',
  'follow',
  'comment',
  'forward',
  'hate',
  'watchRatio',
] as const;
export type RankingHead = (typeof RANKING_HEADS)[number];

/** Binary heads, in output order; `watchRatio` (regression on log1p) is the last output. */
export const BINARY_HEADS = RANKING_HEADS.filter((h) => h !== 'watchRatio');
