import { z } from 'zod';
import { settingsOf, slot } from '../../pipeline/settings.ts';
import { positiveSeeds } from '../sources/history.ts';
import type { Candidate, Reranker } from '../types.ts';

/** This reranker's settings in `experiments/feed.yaml`. */
export const TOPIC_DISCOVERY_SETTINGS = slot(
  'rerankers.topic_discovery',
  z.strictObject({ max_per_tag: z.number().int().min(0).default(2) }),
);

/**
 * For a viewer with nothing liked, completed or watched yet (no positive history, so nothing to
 * retrieve from): at most `max_per_tag` items of one hashtag among the page's leading items, so the
 * first pages sample many topics and the viewer's first engagement seeds retrieval sooner. Items over
 * the cap move behind the others (not removed: a small catalogue may have few tags). 0 turns it off.
 */
export const topicDiscoveryReranker: Reranker = {
  id: 'topic_discovery',
  settings: TOPIC_DISCOVERY_SETTINGS,
  rerank(query, candidates) {
    const max = settingsOf(query.settings, TOPIC_DISCOVERY_SETTINGS).max_per_tag;
    if (max <= 0 || positiveSeeds(query.viewer.history, 1).length > 0) return { kept: candidates, removed: [] };
    const count = new Map<string, number>();
    const first: Candidate[] = [];
    const later: Candidate[] = [];
    for (const c of candidates) {
      const tag = c.video.hashtags[0] ?? '';
      const n = count.get(tag) ?? 0;
      if (tag !== '' && n >= max) later.push(c);
      else {
        count.set(tag, n + 1);
        first.push(c);
      }
    }
    if (later.length > 0) for (const c of later) c.rules.push(`topic_discovery: #${c.video.hashtags[0]} over ${max}`);
    return { kept: [...first, ...later], removed: [] };
  },
};
