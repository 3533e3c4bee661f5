import { describe, expect, it } from 'vitest';
import { verifyPlaybackToken } from './playback-token.ts';
import { playbackLinks } from './playback-urls.ts';

describe('playbackLinks', () => {
  const secret = 'k'.repeat(32);
  const o = { secret, nowMs: 1_000_000_500, ttlS: 3600, base: '/media/' };

  it('leaves public media bare and without an expiry', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'public' }, o);
    expect(l.url('videos/v1/v1/master.m3u8')).toBe('/media/videos/v1/v1/master.m3u8');
    expect(l.tokenExpiresAt).toBeNull();
  });

  it('signs non-public media with a token valid for exactly the configured lifetime', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'friends' }, o);
    const token = new URL(l.url('k'), 'http://x').searchParams.get('token');
    expect(l.tokenExpiresAt).toBe(Math.floor((o.nowMs + 3_600_000) / 1000) * 1000);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt! - 1)).toBe(true);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt!)).toBe(false);
    expect(verifyPlaybackToken(secret, 'v2', token, o.nowMs)).toBe(false);
    expect(playbackLinks({ id: 'v1', privacy: 'private' }, { ...o, ttlS: 60 }).tokenExpiresAt).toBe(
      Math.floor((o.nowMs + 60_000) / 1000) * 1000,
    );
  });
});
