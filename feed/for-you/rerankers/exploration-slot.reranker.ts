import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import type { Candidate, FeedQuery, Reranker } from '../types.ts';
import { AUTHOR_DIVERSITY_SETTINGS } from './author-diversity.reranker.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const EXPLORATION_SLOT_SETTINGS = slot(
  'rerankers.exploration_slot',
  z.strictObject({
    slots: z.number().int().min(0).default(1),
    /**
     * Only the first this many pages of a feed session carry the slot (the page's number being the
     * items served earlier in the session ÷ the page size); 0 = every page.
     */
    first_pages: z.number().int().min(0).default(0),
  }),
);

/** The rule an exploration-slot item carries (`exploration_slot @<position>`); the serve log flags it. */
export const EXPLORATION_SLOT_RULE = 'exploration_slot';

/**
 * Reserves `slots` positions of the page for videos the exploration source drew (uniformly from the
 * catalogue), spread evenly through the page, so random exposure happens whatever their score. Two
 * steps around the other rerankers: `pick` runs first and takes the slot's videos out of the list,
 * drawn uniformly from the k explore draws that passed the filters (not the best-scored); `place` runs
 * last and puts them into the page. The diversity rules in between (author, topic) therefore never
 * remove a slot video or decide which draws it may come from, so the chance that the slot shows a given
 * video is known: the source's draw probability times min(slots, k) / k. That replaces the item's
 * propensity for the serve log; off-policy evaluation weighs the slot's outcomes by its inverse. A draw
 * other sources also proposed can take the slot too, so the slot covers the whole catalogue.
 * With `first_pages`, only a feed session's first pages carry the slot: whether a page does depends on
 * its place in the session alone, never on the viewer or the candidates, so the propensity of a slot
 * decision is unchanged, and the later pages, where the viewer's own watching has said most, are not
 * given up to a random video. Off-policy evaluation reads the slot on a session's first page anyway
 * (`bench/lib/experiments-ope.ts`: a random feed's context).
 */
export function explorationSlot(random: () => number = Math.random): { pick: Reranker; place: Reranker } {
  const reserved = new WeakMap<object, Candidate[]>();
  return {
    pick: {
      id: 'exploration_slot',
      settings: EXPLORATION_SLOT_SETTINGS,
      rerank(query, candidates) {
        const s = settingsOf(query.settings, EXPLORATION_SLOT_SETTINGS);
        const slots = Math.min(s.slots, query.limit);
        if (slots <= 0 || !slotPage(query, s.first_pages)) return { kept: candidates, removed: [] };
        const pool = candidates.filter((c) => c.sources.some((s) => s.source === 'explore'));
        // The draw probability is on the draws no other source proposed (the others carry 1).
        const draw = Math.min(...pool.map((c) => c.propensity));
        if (!(draw < 1)) return { kept: candidates, removed: [] };
        const chosen: Candidate[] = [];
        const k = pool.length;
        while (chosen.length < slots && pool.length > 0)
          chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
        for (const c of chosen) c.propensity = (draw * chosen.length) / k;
        reserved.set(query, chosen);
        return { kept: candidates.filter((c) => !chosen.includes(c)), removed: [] };
      },
    },
    place: {
      id: 'exploration_slot_place',
      settings: EXPLORATION_SLOT_SETTINGS,
      rerank(query, candidates) {
        const chosen = reserved.get(query) ?? [];
        reserved.delete(query);
        // The page still keeps at most max_per_author per creator: a slot video counts, and its
        // creator's lower-placed other videos wait for a later page.
        const max = settingsOf(query.settings, AUTHOR_DIVERSITY_SETTINGS).max_per_author;
        let list = candidates;
        const removed: Candidate[] = [];
        for (const c of chosen) {
          const mine = list.filter((x) => x.video.authorId === c.video.authorId);
          removed.push(...mine.slice(Math.max(0, max - 1)));
          list = list.filter((x) => !removed.includes(x));
        }
        return { kept: place(query.limit, list, chosen).kept, removed };
      },
    },
  };
}

export const explorationSlotRerankers = explorationSlot();

/** Whether this page of the feed session is one of its first `firstPages` (0 = every page). */
function slotPage(query: FeedQuery, firstPages: number): boolean {
  return firstPages === 0 || Math.floor(query.sessionSeen.size / Math.max(1, query.limit)) < firstPages;
}

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
