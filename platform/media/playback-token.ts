import { sameMac, sign } from '../../core/signing/hmac.ts';

function mac(secret: string, videoId: string, viewerId: string, expS: number): string {
  return sign(secret, 'foryou-playback-v2', [videoId, viewerId, String(expS)]);
}

/**
 * A token `<expS>.<viewerId>.<hmac>` granting `viewerId` playback of one video's media until
 * `expiresAtMs`. The viewer is in it so the origin can re-check that viewer's access on every request
 * (a token alone would outlive an unfollow, a block or a privacy edit).
 */
export function signPlaybackToken(secret: string, videoId: string, viewerId: string, expiresAtMs: number): string {
  const expS = Math.floor(expiresAtMs / 1000);
  return `${expS}.${viewerId}.${mac(secret, videoId, viewerId, expS)}`;
}

/**
 * The viewer a token was issued to, when `token` was signed for `videoId` with `secret` and has not
 * expired at `nowMs`; undefined otherwise. Pure: whether that viewer may still see the video is the
 * caller's check.
 */
export function verifyPlaybackToken(
  secret: string,
  videoId: string,
  token: unknown,
  nowMs: number,
): string | undefined {
  if (typeof token !== 'string') return undefined;
  const m = /^(\d{1,12})\.([0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return undefined;
  const expS = Number(m[1]);
  const viewerId = m[2]!;
  if (!sameMac(mac(secret, videoId, viewerId, expS), m[3]!)) return undefined;
  return expS * 1000 > nowMs ? viewerId : undefined;
}
