import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Candidate, Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const EXPLORATION_SLOT_SETTINGS = slot(
  'rerankers.exploration_slot',
  z.strictObject({ slots: z.number().int().min(0).default(1) }),
);

/**
 * Reserves `explore_slots` positions of the page for videos only the exploration source proposed,
 * spread evenly through the page, so random exposure happens whatever their score.
 */
export const explorationSlotReranker: Reranker = {
  id: 'exploration_slot',
  settings: EXPLORATION_SLOT_SETTINGS,
  rerank(query, candidates) {
    const slots = Math.min(settingsOf(query.settings, EXPLORATION_SLOT_SETTINGS).slots, query.limit);
    if (slots <= 0) return { kept: candidates, removed: [] };
    const pureExplore = candidates.filter((c) => c.sources.length === 1 && c.sources[0]!.source === 'explore');
    const chosen = pureExplore.slice(0, slots);
    if (chosen.length === 0) return { kept: candidates, removed: [] };
    const rest = candidates.filter((c) => !chosen.includes(c));
    const kept: Candidate[] = [...rest];
    chosen.forEach((c, i) => {
      const at = Math.min(kept.length, Math.floor(((i + 1) * query.limit) / (chosen.length + 1)));
      c.rules.push(`exploration_slot @${at}`);
      kept.splice(at, 0, c);
    });
    return { kept, removed: [] };
  },
};
