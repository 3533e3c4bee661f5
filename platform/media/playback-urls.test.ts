import { describe, expect, it } from 'vitest';
import { verifyPlaybackToken } from './playback-token.ts';
import { mediaBaseUrl, playbackLinks } from './playback-urls.ts';

describe('playbackLinks', () => {
  it('makes every URL absolute under PUBLIC_BASE_URL/media/, with or without its trailing slash', () => {
    expect(mediaBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/media/');
    expect(mediaBaseUrl('https://cdn.example/app//')).toBe('https://cdn.example/app/media/');
  });

  const secret = 'k'.repeat(32);
  const viewer = '0000000000aaaaaaaaaaaaaaaa';
  const o = { secret, nowMs: 1_000_000_500, ttlS: 3600, publicBaseUrl: 'https://cdn.example/', viewerId: viewer };

  it('leaves public media bare and without an expiry', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'public', authorPrivate: false }, o);
    expect(l.url('videos/v1/v1/master.m3u8')).toBe('https://cdn.example/media/videos/v1/v1/master.m3u8');
    expect(l.tokenExpiresAt).toBeNull();
  });

  it('signs non-public media with a token valid for exactly the configured lifetime', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'friends', authorPrivate: false }, o);
    const token = new URL(l.url('k'), 'http://x').searchParams.get('token');
    expect(l.tokenExpiresAt).toBe(Math.floor((o.nowMs + 3_600_000) / 1000) * 1000);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt! - 1)).toBe(viewer);
    expect(verifyPlaybackToken(secret, 'v1', token, l.tokenExpiresAt!)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'v2', token, o.nowMs)).toBeUndefined();
    expect(
      playbackLinks({ id: 'v1', privacy: 'private', authorPrivate: false }, { ...o, ttlS: 60 }).tokenExpiresAt,
    ).toBe(Math.floor((o.nowMs + 60_000) / 1000) * 1000);
  });

  it('gives an anonymous viewer no token (non-public media is never theirs to play)', () => {
    const l = playbackLinks({ id: 'v1', privacy: 'friends', authorPrivate: false }, { ...o, viewerId: undefined });
    expect([l.url('k'), l.tokenExpiresAt]).toEqual(['https://cdn.example/media/k', null]);
  });
});
