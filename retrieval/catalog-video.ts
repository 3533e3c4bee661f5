/** A catalogue entry: what retrieval and the feed know of a servable video. */

/** Engagement counts as of the last counter flush (the API reads live counts separately). */
export interface CatalogStats {
  views: number;
  likes: number;
  comments: number;
  shares: number;
}

/** A servable video as retrieval needs it. */
export interface CatalogVideo {
  id: string;
  authorId: string;
  privacy: 'public' | 'private' | 'friends';
  hashtags: string[];
  caption: string;
  createdAt: number;
  durationMs: number | null;
  /** The rendition version (the media path's `v<version>`). */
  version: number;
  posterKey: string | null;
  /** Key of the lowest rendition's media playlist, where a player starts; absent when none is stored. */
  startKey?: string | null;
  /** The moderation label (domain/access.ts); absent reads as `none`. Removed videos are never in the catalogue. */
  moderation?: string;
  /** Whether the author's account is private (domain/access.ts); absent reads as a public account. */
  authorPrivate?: boolean;
  stats: CatalogStats;
}
