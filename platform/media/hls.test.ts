import { describe, expect, it } from 'vitest';
import {
  masterPlaylist,
  measureBandwidth,
  parseMediaPlaylist,
  playlistComplete,
  rewritePlaylistUris,
  startAtBeginning,
} from './hls.ts';
import { signPlaybackToken, verifyPlaybackToken } from './playback-token.ts';

const media =
  '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nseg_00000.ts\n#EXTINF:1.5,\nseg_00001.ts\n#EXT-X-ENDLIST\n';

describe('HLS playlists', () => {
  it('parses segments with their durations', () => {
    expect(parseMediaPlaylist(media)).toEqual([
      { uri: 'seg_00000.ts', durationS: 2 },
      { uri: 'seg_00001.ts', durationS: 1.5 },
    ]);
  });

  it('tells a finished playlist from an EVENT playlist still growing', () => {
    expect(playlistComplete(media)).toBe(true);
    expect(playlistComplete(media.replace('#EXT-X-ENDLIST\n', ''))).toBe(false);
  });

  it('makes a growing playlist start at its beginning, once', () => {
    const growing = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:1.0,\nseg_00000.ts\n';
    const once = startAtBeginning(growing);
    expect(once.split('\n').slice(0, 2)).toEqual(['#EXTM3U', '#EXT-X-START:TIME-OFFSET=0,PRECISE=YES']);
    expect(startAtBeginning(once)).toBe(once);
    expect(parseMediaPlaylist(once)).toEqual([{ uri: 'seg_00000.ts', durationS: 1 }]);
  });

  it('measures peak and average bandwidth from segment sizes', () => {
    const bw = measureBandwidth([
      { durationS: 2, bytes: 250_000 },
      { durationS: 2, bytes: 500_000 },
    ]);
    expect(bw).toEqual({ peak: 2_000_000, average: 1_500_000 });
  });

  it('writes a master playlist sorted by bandwidth with every required attribute', () => {
    const text = masterPlaylist([
      {
        uri: '720p/index.m3u8',
        bandwidth: 3e6,
        averageBandwidth: 2.5e6,
        width: 720,
        height: 1280,
        codecs: 'avc1.64001f,mp4a.40.2',
        frameRate: 30,
      },
      {
        uri: '360p/index.m3u8',
        bandwidth: 8e5,
        averageBandwidth: 7e5,
        width: 360,
        height: 640,
        codecs: 'avc1.4d401e,mp4a.40.2',
        frameRate: 30,
      },
    ]);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('#EXTM3U');
    expect(lines[3]).toBe(
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=360x640,FRAME-RATE=30.000,CODECS="avc1.4d401e,mp4a.40.2"',
    );
    expect(lines[4]).toBe('360p/index.m3u8');
    expect(lines[6]).toBe('720p/index.m3u8');
  });

  it('rewrites URI lines and URI attributes, leaving tags alone', () => {
    const out = rewritePlaylistUris(`${media}#EXT-X-MAP:URI="init.mp4"\n`, (u) => `${u}?token=t`);
    expect(out).toContain('\nseg_00000.ts?token=t\n');
    expect(out).toContain('#EXT-X-MAP:URI="init.mp4?token=t"');
    expect(out).toContain('#EXTINF:1.5,\n');
  });
});

describe('playback tokens', () => {
  const secret = 'k'.repeat(40);
  const viewer = '0000000000aaaaaaaaaaaaaaaa';
  const other = '0000000000bbbbbbbbbbbbbbbb';
  it('verifies a token for its video until it expires, answering the viewer it was issued to', () => {
    const t = signPlaybackToken(secret, 'vid1', viewer, 10_000_000);
    expect(verifyPlaybackToken(secret, 'vid1', t, 9_000_000)).toBe(viewer);
    expect(verifyPlaybackToken(secret, 'vid1', t, 10_000_000)).toBeUndefined();
  });

  it('refuses a token for another video, another secret, a tampered expiry or a swapped viewer', () => {
    const t = signPlaybackToken(secret, 'vid1', viewer, 10_000_000);
    expect(verifyPlaybackToken(secret, 'vid2', t, 0)).toBeUndefined();
    expect(verifyPlaybackToken('x'.repeat(40), 'vid1', t, 0)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'vid1', t.replace(/^\d+/, '99999999'), 0)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'vid1', t.replace(viewer, other), 0)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'vid1', undefined, 0)).toBeUndefined();
    expect(verifyPlaybackToken(secret, 'vid1', 'garbage', 0)).toBeUndefined();
  });
});
