import { createHmac, timingSafeEqual } from 'node:crypto';

function mac(secret: string, videoId: string, expS: number): string {
  return createHmac('sha256', secret).update(`foryou-playback-v1\n${videoId}\n${expS}`).digest('base64url');
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
  const expected = Buffer.from(mac(secret, videoId, expS));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  return expS * 1000 > nowMs;
}
