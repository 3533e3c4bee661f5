import { describe, expect, it } from 'vitest';
import { verifyPlaybackToken } from './playback-token.ts';
import { playbackLinks } from './playback-urls.ts';

describe('playbackLinks', () => {
  const secret = 'k'.repeat(32);
  const viewer = '0000000000aaaaaaaaaaaaaaaa';
  const o = { secret, nowMs: 1_000_000_500, ttlS: 3600, base: '/media/', viewerId: viewer };

  it('leaves public media bare and without an expiry', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'public' }, o);
    expect(l.url('videos/v1/v1/master.m3u8')).toBe('/media/videos/v1/v1/master.m3u8');
    expect(l.tokenExpiresAt).toBeNull();
  });

  it('signs non-public media with a token valid for exactly the configured lifetime', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'friends' }, o);
    const token = new URL(l.url('k'), 'http://x').searchParams.get('token');
    expect(l.tokenExpiresAt).toBe(Math.floor((o.nowMs + 3_600_000) / 1000) * 1000);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt! - 1)).toBe(viewer);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt!)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'v2', token, o.nowMs)).toBeUndefined();
    expect(playbackLinks({ id: 'v1', privacy: 'private' }, { ...o, ttlS: 60 }).tokenExpiresAt).toBe(
      Math.floor((o.nowMs + 60_000) / 1000) * 1000,
    );
  });

  it('gives an anonymous viewer no token (non-public media is never theirs to play)', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'friends' }, { ...o, viewerId: undefined });
    expect([l.url('k'), l.tokenExpiresAt]).toEqual(['/media/k', null]);
  });
});
