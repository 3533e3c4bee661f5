import { openToAnyone } from '../../domain/access.ts';
import { signPlaybackToken } from './playback-token.ts';

/** The playback token lifetime when none is configured (PLAYBACK_TOKEN_TTL_S's default). */
export const DEFAULT_PLAYBACK_TOKEN_TTL_S = 3600;

/** Media URLs for one video in one response, and when their token (if any) stops working. */
export interface PlaybackLinks {
  /** The origin URL of a media key; non-public media carries the playback token. */
  url(key: string): string;
  /** Epoch ms the token expires (whole seconds), or null for public media, which needs none. */
  tokenExpiresAt: number | null;
}

/**
 * The one builder of playback URLs (the video API and the feed both use it). Public media is served
 * to anyone, so its URLs stay bare and cacheable; anything else gets a token for this video valid for
 * `ttlS`, which bounds how long a viewer who lost access (an unfollow, a privacy edit) can keep
 * fetching media with a URL they were already given.
 */
export function playbackLinks(
  video: { id: string; privacy: string },
  o: { secret: string; nowMs: number; ttlS: number; base: string },
): PlaybackLinks {
  if (openToAnyone(video)) return { url: (key) => `${o.base}${key}`, tokenExpiresAt: null };
  const expiresAt = o.nowMs + o.ttlS * 1000;
  const query = `?token=${signPlaybackToken(o.secret, video.id, expiresAt)}`;
  return { url: (key) => `${o.base}${key}${query}`, tokenExpiresAt: Math.floor(expiresAt / 1000) * 1000 };
}
