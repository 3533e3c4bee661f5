import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import { partition } from '../filters/partition.ts';
import type { Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const CREATOR_EXPOSURE_SETTINGS = slot(
  'rerankers.creator_exposure_cap',
  z.strictObject({ cap_per_hour: z.number().int().min(1).default(100_000) }),
);

/** Drops creators already served more than the hourly cap, so one viral creator cannot take every feed. */
export const creatorExposureReranker: Reranker = {
  id: 'creator_exposure_cap',
  settings: CREATOR_EXPOSURE_SETTINGS,
  rerank(query, candidates) {
    const cap = settingsOf(query.settings, CREATOR_EXPOSURE_SETTINGS).cap_per_hour;
    return partition(candidates, (c) => (c.authorExposure ?? 0) < cap);
  },
};
