import { SEGMENT_FILES } from './media-keys.ts';

/** One HLS rendition to produce: H.264 + AAC at a fixed size and bitrate. */
export interface Rung {
  /** `360p`, `480p`, `720p`, `1080p` (named by the short side), or `<n>p` for a source below 360. */
  name: string;
  width: number;
  height: number;
  videoKbps: number;
  maxKbps: number;
  bufferKbits: number;
  audioKbps: number;
  profile: 'main' | 'high';
  /** H.264 level as x264 takes it, e.g. `3.1`. */
  level: string;
  /** The RFC 6381 CODECS value for the master playlist. */
  codecs: string;
}

/** The whole ladder for one source: every rung shares frame rate and keyframe cadence so players can switch at any segment. */
export interface LadderPlan {
  rungs: Rung[];
  /** Output frame rate (the source's, halved until it is at most 60). */
  fps: number;
  /** Set when the output rate differs from the source's. */
  resampleFps: boolean;
  segmentS: number;
  /** Length of the first segment, shorter than the rest so a player has its first frame sooner. */
  firstSegmentS: number;
  /** Frames per GOP: one keyframe per segment. */
  gop: number;
  hasAudio: boolean;
}

/** The source as the planner needs it: display size (after rotation), frame rate, audio presence. */
export interface LadderSource {
  displayWidth: number;
  displayHeight: number;
  fps: number;
  hasAudio: boolean;
}

/** Standard rungs by short side; kbps tuned for 30 fps (scaled up for higher rates). */
interface StandardRung {
  short: number;
  videoKbps: number;
  audioKbps: number;
  profile: 'main' | 'high';
}
const STANDARD: readonly StandardRung[] = [
  { short: 360, videoKbps: 700, audioKbps: 64, profile: 'main' },
  { short: 480, videoKbps: 1200, audioKbps: 96, profile: 'main' },
  { short: 720, videoKbps: 2500, audioKbps: 128, profile: 'high' },
  { short: 1080, videoKbps: 4500, audioKbps: 128, profile: 'high' },
];

// [level, max macroblocks per frame, max macroblocks per second] from the H.264 spec, table A-1.
const LEVELS: readonly [string, number, number][] = [
  ['3.0', 1620, 40500],
  ['3.1', 3600, 108000],
  ['3.2', 5120, 216000],
  ['4.0', 8192, 245760],
  ['4.2', 8704, 522240],
  ['5.0', 22080, 589824],
  ['5.1', 36864, 983040],
  ['5.2', 36864, 2073600],
];

export const SEGMENT_S = 2;
/**
 * The first segment is half as long: the bytes a player needs before its first frame halve. Measured
 * with `bench:start` (README, "Video start").
 */
export const FIRST_SEGMENT_S = 1;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** The lowest H.264 level that fits a frame size and rate. */
export function h264Level(width: number, height: number, fps: number): string {
  const mbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const hit = LEVELS.find(([, maxFs, maxMbps]) => mbs <= maxFs && mbs * fps <= maxMbps);
  return hit ? hit[0] : '5.2';
}

/** `avc1.PPCCLL`: profile_idc, constraint flags (x264 sets set1 for main), level_idc. */
export function avcCodecString(profile: 'main' | 'high', level: string): string {
  const levelIdc = Math.round(Number(level) * 10)
    .toString(16)
    .padStart(2, '0');
  return profile === 'main' ? `avc1.4d40${levelIdc}` : `avc1.6400${levelIdc}`;
}

/** Width and height of a rung whose short side is `short`, keeping the source's orientation and aspect. */
function sizeFor(src: LadderSource, short: number): { width: number; height: number } {
  const vertical = src.displayHeight > src.displayWidth;
  const srcShort = Math.min(src.displayWidth, src.displayHeight);
  const srcLong = Math.max(src.displayWidth, src.displayHeight);
  const s = even(short);
  const l = even((short * srcLong) / srcShort);
  return vertical ? { width: s, height: l } : { width: l, height: s };
}

/**
 * Plans the HLS ladder for a source. Pure. Rungs are 360p/480p/720p/1080p by the short side, so vertical
 * video gets the same quality steps as landscape; none is above the source, and a source smaller than
 * 360p gets one rung at its own (even) size.
 */
export function planLadder(src: LadderSource, opts: { firstSegmentS?: number } = {}): LadderPlan {
  if (!(src.displayWidth > 0 && src.displayHeight > 0))
    throw new Error('planLadder: source dimensions must be positive');
  let fps = src.fps > 0 ? src.fps : 30;
  while (fps > 60) fps /= 2;
  const rateFactor = fps > 31 ? 1.5 : 1;
  const srcShort = Math.min(src.displayWidth, src.displayHeight);
  const picks: StandardRung[] = STANDARD.filter((r) => r.short <= srcShort);
  if (picks.length === 0) {
    const base = STANDARD[0]!;
    // Bitrate shrinks with the pixel count, with a floor so tiny clips still look clean.
    const scale = (srcShort / base.short) ** 2;
    picks.push({ ...base, short: srcShort, videoKbps: Math.max(150, Math.round(base.videoKbps * scale)) });
  }
  const rungs = picks.map((p): Rung => {
    const { width, height } = sizeFor(src, p.short);
    const videoKbps = Math.round(p.videoKbps * rateFactor);
    const level = h264Level(width, height, fps);
    return {
      name: `${even(p.short)}p`,
      width,
      height,
      videoKbps,
      maxKbps: Math.round(videoKbps * 1.5),
      bufferKbits: videoKbps * 2,
      audioKbps: p.audioKbps,
      profile: p.profile,
      level,
      codecs: avcCodecString(p.profile, level),
    };
  });
  return {
    rungs,
    fps,
    resampleFps: fps !== src.fps && src.fps > 0,
    segmentS: SEGMENT_S,
    firstSegmentS: opts.firstSegmentS ?? FIRST_SEGMENT_S,
    gop: Math.max(1, Math.round(fps * SEGMENT_S)),
    hasAudio: src.hasAudio,
  };
}

/**
 * Keyframe and HLS cutting options shared by every rung: keyframes forced at 0, the end of the first
 * segment and every `segmentS` after it; scene-cut keyframes off. ffmpeg's HLS muxer cuts at the first
 * keyframe past `hls_time × segments so far`, so `hls_time` is the first segment's length and the later
 * cuts follow the forced keyframes. Segments are CMAF (fragmented MP4 after one `init.mp4`), so the same
 * files serve HLS and DASH (`dash.ts`). An `event` playlist is rewritten after every segment and finished with
 * `#EXT-X-ENDLIST` (the muxer writes it to a temporary file and renames it), so a rung can be published
 * while it is still being made.
 */
export function segmentingArgs(plan: LadderPlan, playlistType: 'vod' | 'event' = 'vod'): string[] {
  const first = plan.firstSegmentS;
  const keyframes = `expr:if(eq(n_forced,0),1,gte(t,${first}+(n_forced-1)*${plan.segmentS}))`;
  // biome-ignore format: flag/value pairs read better side by side
  return [
    '-g', String(plan.gop), '-keyint_min', String(plan.gop), '-sc_threshold', '0',
    '-force_key_frames', keyframes,
    '-f', 'hls', '-hls_time', String(first), '-hls_playlist_type', playlistType,
    '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', SEGMENT_FILES.init,
    '-hls_flags', 'independent_segments', '-hls_list_size', '0',
  ];
}

/** Where one rung's ffmpeg reads and writes. */
export interface RungIo {
  /** Absolute path of the source file. */
  input: string;
  /** Demuxer forced on the input, as validation allowed it. */
  demuxer: string;
  /** Directory that receives `index.m3u8` and `init.mp4` and `seg_NNNNN.m4s`. */
  outDir: string;
  threads: number;
  /** x264 preset; `veryfast` keeps a 2-core box near realtime at 1080p. */
  preset: string;
}

/**
 * ffmpeg output arguments for one rung alone, one process per rung (everything after the global and
 * input options): the old way, kept as the baseline `bench:media` measures `passArgs` against. Every rung is
 * cut by `segmentingArgs`, so every rung's segments start on the same frames and a player may switch
 * rungs at any boundary.
 */
export function rungArgs(plan: LadderPlan, rung: Rung, io: RungIo): string[] {
  const filters = [`scale=${rung.width}:${rung.height}:flags=bicubic`, 'setsar=1', 'format=yuv420p'];
  if (plan.resampleFps) filters.unshift(`fps=${plan.fps}`);
  // biome-ignore format: flag/value pairs read better side by side
  const audio = plan.hasAudio
    ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${rung.audioKbps}k`, '-ac', '2', '-ar', '48000']
    : ['-an'];
  // biome-ignore format: flag/value pairs read better side by side
  return [
    '-map', '0:v:0',
    ...audio,
    '-sn', '-dn', '-map_metadata', '-1',
    '-vf', filters.join(','),
    '-c:v', 'libx264', '-preset', io.preset, '-profile:v', rung.profile, '-level:v', rung.level, '-pix_fmt', 'yuv420p',
    '-b:v', `${rung.videoKbps}k`, '-maxrate', `${rung.maxKbps}k`, '-bufsize', `${rung.bufferKbits}k`,
    '-threads', String(io.threads),
    ...segmentingArgs(plan),
    '-hls_segment_filename', `${io.outDir}/${SEGMENT_FILES.pattern}`,
    `${io.outDir}/index.m3u8`,
  ];
}
