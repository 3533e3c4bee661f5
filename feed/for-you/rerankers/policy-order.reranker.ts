import { createHash } from 'node:crypto';
import { z } from 'zod';
import { popularity } from '../../../retrieval/catalog.ts';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const POLICY_ORDER_SETTINGS = slot(
  'rerankers.policy_order',
  z.strictObject({ order: z.enum(['ranked', 'popular', 'random']).default('ranked') }),
);

/** A uniform number in [0, 1) from (request, video): a random order that a replay of the request reproduces. */
function hashUniform(requestId: string, videoId: string): number {
  return createHash('sha256').update(`${requestId}\u0000${videoId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Baseline orders for experiments: `ranked` (the default) keeps the pipeline's order; `popular` orders
 * by all-time popularity and `random` uniformly at random, replacing the scores so every later rule
 * works on the baseline's order. Arms in `experiments/feed.yaml` pair it with the matching sources
 * (popular or explore only), so a baseline arm serves what its name says through the same filters.
 */
export const policyOrderReranker: Reranker = {
  id: 'policy_order',
  settings: POLICY_ORDER_SETTINGS,
  rerank(query, candidates) {
    const { order } = settingsOf(query.settings, POLICY_ORDER_SETTINGS);
    if (order === 'ranked') return { kept: candidates, removed: [] };
    for (const c of candidates) {
      c.score = order === 'popular' ? Math.log1p(popularity(c.video)) : hashUniform(query.requestId, c.video.id);
      c.rules.push(`policy_order ${order}`);
    }
    return { kept: [...candidates].sort((a, b) => b.score - a.score), removed: [] };
  },
};
