/**
 * The seen and re-serve policy of For You, in one place: what the feed remembers as shown to a viewer,
 * and when a video the viewer has already seen may come back. Read by the seen ledger (side effect and
 * hydrator), the already-seen filter, the rewatch source and the rewatch cap.
 *
 * The rule: a video shown before is never served again through the ordinary sources. The only way back
 * is the rewatch source, and only for a video the viewer loved (liked it or watched it to its end, the
 * newest word about it not a skip or "not interested"), last shown at least `min_gap_hours` ago, at most
 * `max_per_page` of a page, never twice in a session. By default only from a hashtag the viewer loves
 * that has run dry (`dry_below`), as real short-video feeds do: a small, spaced share of re-watches when
 * the unseen supply of a loved topic is gone. Every other filter (privacy, removed, blocked, not
 * interested) still applies to a re-served video: the one access rule decides, as for any candidate.
 */
import { z } from 'zod';
import type { Catalog } from '../../retrieval/catalog.ts';
import {
  patchSettings,
  type SettingsSlot,
  type SettingsTree,
  settingsOf,
  slot,
  sourceBudgetSchema,
} from '../pipeline/settings.ts';
import type { Candidate, FeedQuery } from './types.ts';

/** The policy's settings in `experiments/feed.yaml` (`sources.rewatch`: the rewatch source owns the slot). */
export const REWATCH_SETTINGS = slot(
  'sources.rewatch',
  sourceBudgetSchema.extend({
    /** A loved video comes back no sooner than this after it was last shown (or loved). */
    min_gap_hours: z.number().min(0).default(24),
    /** A hashtag counts as run dry when fewer of its videos than this are left unshown; 0 = re-serve from any loved hashtag. */
    dry_below: z.number().int().min(0).default(10),
    /** Re-served videos on one page at most (the rest of a page is unseen videos). */
    max_per_page: z.number().int().min(0).default(1),
    /** Served videos remembered per viewer as seen (the newest kept); 0 = only this session and recent impressions. */
    seen_memory: z.number().int().min(0).max(10_000).default(2000),
    /** A viewer's ledger is dropped this long after their last page (its TTL, renewed on every page). */
    seen_ttl_hours: z.number().int().min(1).default(720),
  }),
);

/**
 * The settings for a viewer who has been shown everything the ledger could exclude: the same settings
 * with the ledger off, so the feed ranks what they saw longest ago (beyond the session and the recent
 * impressions) instead of handing over to the unpersonalised fallback page. Undefined when the ledger
 * is off already (nothing to relax).
 */
export function withoutSeenLedger(
  slots: readonly SettingsSlot<unknown>[],
  settings: SettingsTree,
): SettingsTree | undefined {
  if (settingsOf(settings, REWATCH_SETTINGS).seen_memory <= 0) return undefined;
  return patchSettings(slots, settings, { sources: { rewatch: { seen_memory: 0 } } }, 'seen ledger relaxed');
}

/** The rule name a re-served item carries in `explain` (and the source that found it). */
export const REWATCH_ID = 'rewatch';

const HOUR_MS = 3_600_000;

/**
 * When the viewer was last served `videoId` as far as the ledger remembers; a video among the recent
 * impressions but not in the ledger (a lost or disabled ledger) counts as shown just now.
 */
export function lastShownMs(query: FeedQuery, videoId: string): number | undefined {
  const served = query.viewer.seenAt.get(videoId);
  if (served !== undefined) return served;
  return query.viewer.recentImpressions.has(videoId) ? query.nowMs : undefined;
}

/** True when the viewer has been shown the video: this session, recently, or in the remembered ledger. */
export function wasShown(query: FeedQuery, videoId: string): boolean {
  return query.sessionSeen.has(videoId) || lastShownMs(query, videoId) !== undefined;
}

/**
 * The viewer's loved videos, newest love first: liked or watched to the end, and whose newest history
 * entry is not a rejection (a skip or quick swipe after the love takes it back). "Not interested" marks
 * exclude a video too; a hidden creator's videos go through the not-interested filter like any candidate.
 */
export function lovedVideos(query: FeedQuery): { video: string; lovedAtMs: number }[] {
  const { history, notInterestedVideos } = query.viewer;
  const decided = new Set<string>();
  const out: { video: string; lovedAtMs: number }[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!;
    if (decided.has(h.video)) continue;
    if (h.kind === 'skip') decided.add(h.video);
    else if (h.kind === 'like' || h.kind === 'complete') {
      decided.add(h.video);
      if (!notInterestedVideos.has(h.video)) out.push({ video: h.video, lovedAtMs: h.timeMs });
    }
  }
  return out;
}

/** True when a loved video is spaced out enough to come back now: not this session, last shown `min_gap_hours` ago or more. */
export function spacedEnough(query: FeedQuery, videoId: string, lovedAtMs: number): boolean {
  if (query.sessionSeen.has(videoId)) return false;
  const { min_gap_hours: gapH } = settingsOf(query.settings, REWATCH_SETTINGS);
  const last = Math.max(lovedAtMs, lastShownMs(query, videoId) ?? lovedAtMs);
  return query.nowMs - last >= gapH * HOUR_MS;
}

/** True when the candidate is a re-serve: proposed by the rewatch source (which applied the policy). */
export function isReserve(c: Candidate): boolean {
  return c.sources.some((s) => s.source === REWATCH_ID);
}

/** Videos of a hashtag looked at when deciding whether it ran dry for a viewer. */
const DRY_SCAN = 500;

/**
 * Whether each hashtag has run dry for the viewer: fewer than `dry_below` of its (newest 500) videos
 * never shown to them. Memoised per call site for one request; `dry_below` 0 means nothing is ever dry.
 */
export function dryTags(query: FeedQuery, catalog: Pick<Catalog, 'byTag'>): (tag: string) => boolean {
  const { dry_below: dryBelow } = settingsOf(query.settings, REWATCH_SETTINGS);
  const dry = new Map<string, boolean>();
  return (tag) => {
    if (dryBelow <= 0) return false;
    let d = dry.get(tag);
    if (d === undefined) {
      let unseen = 0;
      for (const v of catalog.byTag(tag).slice(0, DRY_SCAN)) if (!wasShown(query, v.id) && ++unseen >= dryBelow) break;
      d = unseen < dryBelow;
      dry.set(tag, d);
    }
    return d;
  };
}
