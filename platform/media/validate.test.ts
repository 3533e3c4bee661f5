import { describe, expect, it } from 'vitest';
import { sniffContainer } from './container-sniff.ts';
import { mapFfprobeJson, parseRate } from './ffprobe.adapter.ts';
import { checkOutputDuration, validateProbe } from './validate.ts';
import type { ProbeOutcome, VideoInfo } from './video-info.ts';

function info(over: Partial<VideoInfo> = {}, video: Partial<NonNullable<VideoInfo['video']>> = {}): ProbeOutcome {
  return {
    ok: true,
    info: {
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      sizeBytes: 1000,
      durationS: 10,
      bitRate: 1000,
      streams: [],
      video: {
        codec: 'h264',
        width: 1080,
        height: 1920,
        displayWidth: 1080,
        displayHeight: 1920,
        fps: 30,
        rotation: 0,
        pixelFormat: 'yuv420p',
        bitRate: undefined,
        ...video,
      },
      audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
      ...over,
    },
  };
}

const code = (o: ProbeOutcome) => {
  const v = validateProbe(o);
  return v.ok ? 'OK' : v.code;
};
const failed = (sniffed: 'mov' | 'matroska' | 'unknown' | 'empty' | 'playlist'): ProbeOutcome => ({
  ok: false,
  sizeBytes: 10,
  sniffed,
  message: 'x',
});

describe('validateProbe', () => {
  it('accepts a normal vertical MP4 and forces the mov demuxer', () => {
    const v = validateProbe(info());
    expect(v.ok && v.demuxer).toBe('mov');
    const mkv = validateProbe(info({ container: 'matroska,webm' }, { codec: 'vp9' }));
    expect(mkv.ok && mkv.demuxer).toBe('matroska');
  });

  it('maps unreadable files by what their bytes looked like', () => {
    expect(code(failed('empty'))).toBe('EMPTY_FILE');
    expect(code(failed('playlist'))).toBe('PLAYLIST_NOT_ALLOWED');
    expect(code(failed('mov'))).toBe('CORRUPT_FILE');
    expect(code(failed('matroska'))).toBe('CORRUPT_FILE');
    expect(code(failed('unknown'))).toBe('NOT_A_VIDEO');
  });

  it('refuses playlist and protocol containers by format name', () => {
    expect(code(info({ container: 'hls' }))).toBe('PLAYLIST_NOT_ALLOWED');
    expect(code(info({ container: 'concat' }))).toBe('PLAYLIST_NOT_ALLOWED');
    expect(code(info({ container: 'dash' }))).toBe('PLAYLIST_NOT_ALLOWED');
  });

  it('refuses other containers, empty files and files without video', () => {
    expect(code(info({ container: 'image2' }))).toBe('NOT_A_VIDEO');
    expect(code(info({ sizeBytes: 0 }))).toBe('EMPTY_FILE');
    expect(code(info({ video: undefined }))).toBe('NO_VIDEO_STREAM');
  });

  it('refuses clips over 180 s but allows container rounding', () => {
    expect(code(info({ durationS: 180.2 }))).toBe('OK');
    expect(code(info({ durationS: 181 }))).toBe('TOO_LONG');
    expect(code(info({ durationS: 240 }))).toBe('TOO_LONG');
    expect(code(info({ durationS: undefined }))).toBe('CORRUPT_FILE');
    expect(code(info({ durationS: 0 }))).toBe('CORRUPT_FILE');
  });

  it('refuses unsupported codecs, bad dimensions and bad frame rates', () => {
    expect(code(info({}, { codec: 'prores' }))).toBe('UNSUPPORTED_CODEC');
    expect(code(info({ audio: { codec: 'wmav2', channels: 2, sampleRate: 44100 } }))).toBe('UNSUPPORTED_CODEC');
    expect(code(info({}, { displayWidth: 16, displayHeight: 16 }))).toBe('BAD_DIMENSIONS');
    expect(code(info({}, { displayWidth: 8000, displayHeight: 4000 }))).toBe('BAD_DIMENSIONS');
    expect(code(info({}, { displayWidth: 100, displayHeight: 1000 }))).toBe('BAD_DIMENSIONS');
    expect(code(info({}, { fps: 0 }))).toBe('BAD_FRAME_RATE');
    expect(code(info({}, { fps: 240 }))).toBe('BAD_FRAME_RATE');
  });
});

describe('sniffContainer', () => {
  const b = (s: string) => Buffer.from(s, 'latin1');
  it('recognises containers and playlists from their first bytes', () => {
    expect(sniffContainer(Buffer.alloc(0))).toBe('empty');
    expect(sniffContainer(b('\0\0\0\x20ftypisom'))).toBe('mov');
    expect(sniffContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1, 2]))).toBe('matroska');
    expect(sniffContainer(b('RIFF\0\0\0\0AVI LIST'))).toBe('avi');
    expect(sniffContainer(b('#EXTM3U\n#EXTINF:2,\nfile:///etc/passwd\n'))).toBe('playlist');
    expect(sniffContainer(b('\xEF\xBB\xBF  #EXTM3U\n'))).toBe('playlist');
    expect(sniffContainer(b('ffconcat version 1.0\nfile a.mp4'))).toBe('playlist');
    expect(sniffContainer(b('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">'))).toBe('playlist');
    expect(sniffContainer(b('hello, I am a text file'))).toBe('unknown');
  });
});

describe('mapFfprobeJson', () => {
  it('maps streams, frame rate and a display-matrix rotation to display size', () => {
    const vi = mapFfprobeJson(
      {
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '4.000000', bit_rate: '900000' },
        streams: [
          {
            index: 0,
            codec_type: 'video',
            codec_name: 'h264',
            width: 1920,
            height: 1080,
            avg_frame_rate: '30000/1001',
            pix_fmt: 'yuv420p',
            side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }],
          },
          { index: 1, codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
          { index: 2, codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
        ],
      },
      1234,
    );
    expect(vi.durationS).toBe(4);
    expect(vi.video).toMatchObject({ codec: 'h264', rotation: 90, displayWidth: 1080, displayHeight: 1920 });
    expect(vi.video!.fps).toBeCloseTo(29.97, 2);
    expect(vi.audio).toEqual({ codec: 'aac', channels: 2, sampleRate: 48000 });
    expect(vi.streams[2]!.attachedPicture).toBe(true);
  });

  it('ignores cover art when looking for the video stream', () => {
    const vi = mapFfprobeJson(
      {
        format: { format_name: 'mp3' },
        streams: [{ codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } }],
      },
      10,
    );
    expect(vi.video).toBeUndefined();
  });

  it('parses frame rates defensively', () => {
    expect(parseRate('30/1')).toBe(30);
    expect(parseRate('0/0')).toBe(0);
    expect(parseRate('abc')).toBe(0);
    expect(parseRate(undefined)).toBe(0);
  });
});

describe('validateProbe order and structure', () => {
  it('reports absurd dimensions as BAD_DIMENSIONS even when the codec is unknown too', () => {
    expect(
      code(info({}, { codec: 'unknown', width: 65535, height: 65535, displayWidth: 65535, displayHeight: 65535 })),
    ).toBe('BAD_DIMENSIONS');
    expect(code(info({ durationS: 100_000 }, { codec: 'unknown' }))).toBe('TOO_LONG');
  });

  it('names the codec when the probe could not tell the size of a stream it cannot decode', () => {
    expect(code(info({}, { codec: 'unknown', width: 0, height: 0, displayWidth: 0, displayHeight: 0, fps: 0 }))).toBe(
      'UNSUPPORTED_CODEC',
    );
    expect(code(info({}, { width: 0, height: 0, displayWidth: 0, displayHeight: 0 }))).toBe('BAD_DIMENSIONS');
  });

  it('refuses files over the size limit and with too many streams before looking at codecs', () => {
    const streams = Array.from({ length: 17 }, (_, i) => ({
      index: i,
      kind: 'subtitle' as const,
      codec: 'mov_text',
      attachedPicture: false,
    }));
    expect(code(info({ streams }, { codec: 'unknown' }))).toBe('TOO_MANY_STREAMS');
    expect(code(info({ sizeBytes: 300 * 1024 * 1024 }, { codec: 'unknown' }))).toBe('TOO_LARGE');
  });
});

describe('checkOutputDuration', () => {
  it('rejects output much shorter than the header claims as TRUNCATED_FILE', () => {
    expect(checkOutputDuration(5, 1.6)).toMatchObject({ ok: false, code: 'TRUNCATED_FILE' });
    expect(checkOutputDuration(60, 50)).toMatchObject({ code: 'TRUNCATED_FILE' });
  });

  it('accepts container padding', () => {
    expect(checkOutputDuration(5, 4.2)).toBeUndefined();
    expect(checkOutputDuration(60, 55)).toBeUndefined();
    expect(checkOutputDuration(2, 2.05)).toBeUndefined();
  });
});
