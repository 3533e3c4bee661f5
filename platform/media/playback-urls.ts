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
 * Where media is served: `<PUBLIC_BASE_URL>/media/`. Every playback URL the API returns is absolute
 * under it (the feed, `GET /videos/:id` and any other surface), so a client never resolves one itself.
 */
export function mediaBaseUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/media/`;
}

/**
 * The one builder of playback URLs (the video API and the feed both use it). Public media is served
 * to anyone, so its URLs stay bare and cacheable; anything else gets a token for this video and this
 * viewer valid for `ttlS`. The origin re-checks the viewer's access on every request (`origin-access.ts`),
 * so the lifetime is not what revokes a viewer who lost access; it only bounds a leaked URL's use.
 * Anonymous viewers never see non-public media, so they get bare URLs (which the origin refuses).
 */
export function playbackLinks(
  video: { id: string; privacy: string; authorPrivate: boolean },
  o: { secret: string; nowMs: number; ttlS: number; publicBaseUrl: string; viewerId: string | undefined },
): PlaybackLinks {
  const base = mediaBaseUrl(o.publicBaseUrl);
  if (openToAnyone(video) || o.viewerId === undefined) {
    return { url: (key) => `${base}${key}`, tokenExpiresAt: null };
  }
  const expiresAt = o.nowMs + o.ttlS * 1000;
  const query = `?token=${signPlaybackToken(o.secret, video.id, o.viewerId, expiresAt)}`;
  return { url: (key) => `${base}${key}${query}`, tokenExpiresAt: Math.floor(expiresAt / 1000) * 1000 };
}
