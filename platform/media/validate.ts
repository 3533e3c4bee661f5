import type { ProbeOutcome, VideoInfo } from './video-info.ts';

/** Why an upload can never be transcoded; stable codes stored in `videos.failure_code` (see README). */
export type RejectionCode =
  | 'NOT_A_VIDEO'
  | 'CORRUPT_FILE'
  | 'NO_VIDEO_STREAM'
  | 'TOO_LONG'
  | 'EMPTY_FILE'
  | 'BAD_DIMENSIONS'
  | 'BAD_FRAME_RATE'
  | 'UNSUPPORTED_CODEC'
  | 'PLAYLIST_NOT_ALLOWED'
  | 'TOO_LARGE'
  | 'TOO_MANY_STREAMS'
  | 'TRUNCATED_FILE';

/** The bounds an upload must fit. */
export interface MediaLimits {
  maxDurationS: number;
  /** Smallest allowed short side and largest allowed long side, in display pixels. */
  minSide: number;
  maxSide: number;
  /** Longest side over shortest side. */
  maxAspect: number;
  minFps: number;
  maxFps: number;
  /** Largest file, bytes (the worker sets it to MAX_UPLOAD_BYTES). */
  maxBytes: number;
  /** Most streams of any kind: real clips have two or three, hostile files thousands. */
  maxStreams: number;
}

export const DEFAULT_LIMITS: MediaLimits = Object.freeze({
  maxDurationS: 180,
  minSide: 32,
  maxSide: 4096,
  maxAspect: 4,
  minFps: 1,
  maxFps: 120,
  maxBytes: 200 * 1024 * 1024,
  maxStreams: 16,
});

/** Container families we transcode, with the demuxer ffmpeg is forced to use for each. */
const CONTAINERS: readonly { match: RegExp; demuxer: string }[] = [
  { match: /(^|,)(mov|mp4)(,|$)/, demuxer: 'mov' },
  { match: /(^|,)(matroska|webm)(,|$)/, demuxer: 'matroska' },
  { match: /(^|,)avi(,|$)/, demuxer: 'avi' },
];
// Demuxers that open further URLs named inside the file.
const PLAYLIST_FORMATS = /(^|,)(hls|applehttp|dash|concat|ffconcat|sdp|rtsp|rtp|tee|m3u8?)(,|$)/;

export const VIDEO_CODECS: ReadonlySet<string> = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4']);
export const AUDIO_CODECS: ReadonlySet<string> = new Set([
  'aac',
  'mp3',
  'opus',
  'vorbis',
  'ac3',
  'eac3',
  'alac',
  'flac',
  'pcm_s16le',
  'pcm_s16be',
  'pcm_s24le',
  'pcm_f32le',
]);
// Containers round durations up a little; a 180.02 s file was still meant as a 3-minute clip.
const DURATION_GRACE_S = 0.5;

/** A file that may be transcoded, with the demuxer to force on ffmpeg. */
export interface Accepted {
  ok: true;
  info: VideoInfo;
  demuxer: string;
}

/** A file refused for good, with a code and a human-readable detail. */
export interface Rejected {
  ok: false;
  code: RejectionCode;
  detail: string;
}

const reject = (code: RejectionCode, detail: string): Rejected => ({ ok: false, code, detail });

/**
 * Decides from a probe outcome alone whether an upload may be transcoded. Pure; the rules run in a fixed
 * order so one file always gets the same code.
 */
export function validateProbe(outcome: ProbeOutcome, limits: MediaLimits = DEFAULT_LIMITS): Accepted | Rejected {
  if (!outcome.ok) {
    switch (outcome.sniffed) {
      case 'empty':
        return reject('EMPTY_FILE', 'the uploaded file has no bytes');
      case 'playlist':
        return reject('PLAYLIST_NOT_ALLOWED', 'playlists and stream descriptions are not accepted as videos');
      case 'mov':
      case 'matroska':
      case 'avi':
        return reject('CORRUPT_FILE', `the ${outcome.sniffed} file could not be read: ${outcome.message}`);
      default:
        return reject('NOT_A_VIDEO', 'the file is not a video in a supported container (MP4, MOV, WebM, MKV, AVI)');
    }
  }
  const info = outcome.info;
  if (info.sizeBytes === 0) return reject('EMPTY_FILE', 'the uploaded file has no bytes');
  if (PLAYLIST_FORMATS.test(info.container)) {
    return reject('PLAYLIST_NOT_ALLOWED', `container ${info.container} refers to other files`);
  }
  const container = CONTAINERS.find((c) => c.match.test(info.container));
  if (!container) return reject('NOT_A_VIDEO', `container ${info.container} is not supported`);
  // Cheap structural limits first (size, streams, duration, dimensions, rate), then codecs: a file with an
  // absurd header is refused for what is absurd about it, not for a codec it merely fails to name.
  if (info.sizeBytes > limits.maxBytes) {
    return reject('TOO_LARGE', `${info.sizeBytes} bytes is over the ${limits.maxBytes}-byte limit`);
  }
  if (info.streams.length > limits.maxStreams) {
    return reject('TOO_MANY_STREAMS', `${info.streams.length} streams is over the limit of ${limits.maxStreams}`);
  }
  const v = info.video;
  if (!v) return reject('NO_VIDEO_STREAM', 'the file has no video stream');
  if (info.durationS === undefined || !(info.durationS > 0)) {
    return reject('CORRUPT_FILE', 'the file does not state a positive duration');
  }
  if (info.durationS > limits.maxDurationS + DURATION_GRACE_S) {
    return reject('TOO_LONG', `${info.durationS.toFixed(1)} s is over the ${limits.maxDurationS} s limit`);
  }
  const short = Math.min(v.displayWidth, v.displayHeight);
  const long = Math.max(v.displayWidth, v.displayHeight);
  // A size of 0 means the probe could not tell (an unknown codec): the codec check below names that.
  const sized = v.displayWidth > 0 && v.displayHeight > 0;
  if (sized && (short < limits.minSide || long > limits.maxSide || long / short > limits.maxAspect)) {
    return reject(
      'BAD_DIMENSIONS',
      `${v.displayWidth}×${v.displayHeight} is outside ${limits.minSide}–${limits.maxSide} px or beyond ${limits.maxAspect}:1`,
    );
  }
  const rated = v.fps > 0;
  if (rated && !(v.fps >= limits.minFps && v.fps <= limits.maxFps)) {
    return reject('BAD_FRAME_RATE', `${v.fps.toFixed(2)} fps is outside ${limits.minFps}–${limits.maxFps}`);
  }
  if (!VIDEO_CODECS.has(v.codec)) return reject('UNSUPPORTED_CODEC', `video codec ${v.codec} is not supported`);
  if (info.audio && !AUDIO_CODECS.has(info.audio.codec)) {
    return reject('UNSUPPORTED_CODEC', `audio codec ${info.audio.codec} is not supported`);
  }
  if (!sized) return reject('BAD_DIMENSIONS', 'the file does not state its picture size');
  if (!rated) return reject('BAD_FRAME_RATE', 'the file does not state its frame rate');
  return { ok: true, info, demuxer: container.demuxer };
}

// Containers and encoders pad a little (audio priming, a last frame's duration); anything beyond is missing media.
const MISSING_MEDIA_S = (durationS: number) => Math.max(1, durationS * 0.1);

/**
 * Compares the media a transcode could actually read with the duration the file's header claims. Pure.
 * A truncated upload keeps its header (an MP4 whose `moov` comes first still says 5 s when only 1.6 s of
 * samples arrived); ffmpeg decodes what is there and exits 0, so only the output length tells.
 */
export function checkOutputDuration(claimedS: number, producedS: number): Rejected | undefined {
  if (producedS >= claimedS - MISSING_MEDIA_S(claimedS)) return undefined;
  return reject(
    'TRUNCATED_FILE',
    `the file says it lasts ${claimedS.toFixed(1)} s but only ${producedS.toFixed(1)} s of video could be read`,
  );
}
