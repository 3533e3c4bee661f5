import type { SqlExecutor } from '../../core/metadata/ports.ts';
import type { Candidate, PipelineResult } from '../../ranking/pipeline/types.ts';
import type { CatalogStats, CatalogVideo } from '../../retrieval/catalog.ts';
import { mediaKeys } from '../media/media-keys.ts';
import { signPlaybackToken } from '../media/playback-token.ts';

/** One feed item as the API returns it. */
export interface FeedItem {
  id: string;
  playback: { master_url: string; poster_url: string | null };
  author: { id: string; handle: string; display_name: string };
  caption?: string;
  hashtags: string[];
  duration_ms: number | null;
  stats: CatalogStats;
  created_at: number;
  explain?: Record<string, unknown>;
}

/** Origin URLs of a video's master playlist and poster; non-public media carries a playback token. */
export function playbackUrls(
  v: CatalogVideo,
  opts: { secret: string; nowMs: number; tokenTtlMs?: number },
): FeedItem['playback'] {
  const q =
    v.privacy === 'public'
      ? ''
      : `?token=${signPlaybackToken(opts.secret, v.id, opts.nowMs + (opts.tokenTtlMs ?? 3_600_000))}`;
  return {
    master_url: `/media/${mediaKeys.master(v.id, v.version)}${q}`,
    poster_url: v.posterKey ? `/media/${v.posterKey}${q}` : null,
  };
}

/** Handles and display names of the page's authors (a deleted author shows as a placeholder). */
export async function authorsOf(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, FeedItem['author']>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, FeedItem['author']>();
  if (unique.length === 0) return out;
  const rows = await db.all<{ id: string; handle: string; display_name: string }>(
    `SELECT id, handle, display_name FROM users WHERE id IN (${unique.map((_, i) => `$${i + 1}`).join(', ')})`,
    unique,
  );
  for (const r of rows) out.set(r.id, { id: r.id, handle: r.handle, display_name: r.display_name });
  for (const id of unique) if (!out.has(id)) out.set(id, { id, handle: 'unknown', display_name: 'Unknown' });
  return out;
}

/** Why an item is on the page: sources and ranks, score, head predictions, value terms and rules. */
export function explainItem(c: Candidate): Record<string, unknown> {
  return {
    sources: c.sources,
    score: c.score,
    heads: c.heads ?? null,
    value_terms: c.valueTerms ?? null,
    rules: c.rules,
    propensity: c.propensity,
  };
}

/** The request-level explanation: per-stage ms, per-source counts, removals per filter, degradations. */
export function explainTrace(r: PipelineResult): Record<string, unknown> {
  return {
    scorer: r.trace.scorer,
    candidates: r.trace.candidates,
    stages_ms: r.trace.stages,
    sources: r.trace.sources,
    removed: Object.fromEntries(
      Object.entries(r.trace.removed).map(([k, ids]) => [k, { count: ids.length, ids: ids.slice(0, 50) }]),
    ),
    errors: r.trace.errors,
  };
}
