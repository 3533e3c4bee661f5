import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Candidate, Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const EXPLORATION_SLOT_SETTINGS = slot(
  'rerankers.exploration_slot',
  z.strictObject({ slots: z.number().int().min(0).default(1) }),
);

/** The rule an exploration-slot item carries (`exploration_slot @<position>`); the serve log flags it. */
export const EXPLORATION_SLOT_RULE = 'exploration_slot';

/**
 * Reserves `slots` positions of the page for videos the exploration source drew (uniformly from the
 * catalogue), spread evenly through the page, so random exposure happens whatever their score. The
 * slot's videos are drawn uniformly from the k explore draws left after filtering (not the
 * best-scored), so the chance that the slot shows a given video is known: the source's draw probability
 * times min(slots, k) / k. That replaces the item's propensity for the serve log; off-policy evaluation
 * weighs the slot's outcomes by its inverse. A draw other sources also proposed can take the slot too,
 * so the slot covers the whole catalogue (it is not limited to videos no other source wanted).
 */
export function explorationSlot(random: () => number = Math.random): Reranker {
  return {
    id: 'exploration_slot',
    settings: EXPLORATION_SLOT_SETTINGS,
    rerank(query, candidates) {
      const slots = Math.min(settingsOf(query.settings, EXPLORATION_SLOT_SETTINGS).slots, query.limit);
      if (slots <= 0) return { kept: candidates, removed: [] };
      const pool = candidates.filter((c) => c.sources.some((s) => s.source === 'explore'));
      // The draw probability is on the draws no other source proposed (the others carry 1).
      const draw = Math.min(...pool.map((c) => c.propensity));
      if (!(draw < 1)) return { kept: candidates, removed: [] };
      const chosen: Candidate[] = [];
      const k = pool.length;
      while (chosen.length < slots && pool.length > 0)
        chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
      for (const c of chosen) c.propensity = (draw * chosen.length) / k;
      return place(query.limit, candidates, chosen);
    },
  };
}

export const explorationSlotReranker: Reranker = explorationSlot();

/** The page with the chosen candidates spread evenly through its first `limit` positions. */
function place(
  limit: number,
  candidates: Candidate[],
  chosen: Candidate[],
): { kept: Candidate[]; removed: Candidate[] } {
  const rest = candidates.filter((c) => !chosen.includes(c));
  const kept: Candidate[] = [...rest];
  chosen.forEach((c, i) => {
    const at = Math.min(kept.length, Math.floor(((i + 1) * limit) / (chosen.length + 1)));
    c.rules.push(`${EXPLORATION_SLOT_RULE} @${at}`);
    kept.splice(at, 0, c);
  });
  return { kept, removed: [] };
}
