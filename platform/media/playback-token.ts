import { sameMac, sign } from '../../core/signing/hmac.ts';

function mac(secret: string, videoId: string, expS: number): string {
  return sign(secret, 'foryou-playback-v1', [videoId, String(expS)]);
}

/** A token `<expS>.<hmac>` granting playback of one video's media until `expiresAtMs`. */
export function signPlaybackToken(secret: string, videoId: string, expiresAtMs: number): string {
  const expS = Math.floor(expiresAtMs / 1000);
  return `${expS}.${mac(secret, videoId, expS)}`;
}

/** True when `token` was signed for `videoId` with `secret` and has not expired at `nowMs`. Pure. */
export function verifyPlaybackToken(secret: string, videoId: string, token: unknown, nowMs: number): boolean {
  if (typeof token !== 'string') return false;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return false;
  const expS = Number(m[1]);
  if (!sameMac(mac(secret, videoId, expS), m[2]!)) return false;
  return expS * 1000 > nowMs;
}
