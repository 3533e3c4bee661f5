import { type LadderPlan, type Rung, segmentingArgs } from './ladder.ts';
import { SEGMENT_FILES } from './media-keys.ts';
import { THUMBNAIL_FILES, type ThumbnailPlan } from './thumbnails.ts';

/** x264 settings of one rung: a preset and a quality target capped by the rung's VBV. */
export interface RungEncoder {
  preset: string;
  crf: number;
  /**
   * B-frames between references. 0: Chromium's decoder holds frames back to reorder them, so a paused,
   * preloaded video showed its next frame ~30 ms later after play() with B-frames than without (measured
   * in headless Chromium with hls.js, 480p with AAC: 116 ms against 86 ms). The bits it costs are capped
   * by the rung's VBV either way.
   */
  bframes: number;
}

/**
 * The x264 settings per rung, chosen by measurement (`bench/media-presets.bench.ts`, results in
 * bench/results/media-presets.json: a 1080×1920 clip with temporal noise, each rung at capped CRF 23 with
 * its VBV, 2 threads). Up to 720p `veryfast`: `superfast` and `ultrafast` reach a slightly higher SSIM
 * only by spending 2.5–3.7× the bits at the same CRF (720p: 1.5 → 4.1–4.4 Mbit/s). At 1080p every
 * preset runs into the rung's VBV cap, so the bits are about equal and so is the quality (SSIM 0.927
 * veryfast, 0.926 superfast, 0.925 ultrafast; PSNR 39.1/38.9/39.1 dB) while the encoder's CPU halves at
 * each step (2.52 → 1.12 → 0.55 s for 4 s of video): 1080p, the largest share of the encoding, is made
 * at `ultrafast`. CRF 23 everywhere, capped per rung by maxrate/bufsize (VBV), so bit rates follow
 * picture size instead of a fixed average.
 */
export function rungEncoder(rung: Rung, basePreset: string): RungEncoder {
  const short = Math.min(rung.width, rung.height);
  return { preset: short >= 1080 && basePreset === 'veryfast' ? 'ultrafast' : basePreset, crf: 23, bframes: 0 };
}

/** What one ffmpeg pass writes: some rungs (each into its own folder) and some images. */
export interface PassOutputs {
  /** `growing`: an EVENT playlist rewritten after each segment, for a rung published while it is made. */
  rungs: readonly { rung: Rung; outDir: string; growing?: boolean }[];
  /** The poster frame, written as `poster.jpg` into `imagesDir`. */
  poster?: boolean;
  /** The preview frames and the sprite sheet, into `imagesDir`. */
  previewsAndSprite?: boolean;
  imagesDir: string;
  thumbs: ThumbnailPlan;
  durationS: number;
  threads: number;
  preset: string;
}

// A rational frame rate string ffmpeg parses exactly: frames per `seconds`.
const rate = (frames: number, seconds: number) => `${frames * 1000}/${Math.max(1, Math.round(seconds * 1000))}`;

/**
 * ffmpeg output arguments (after the input) for one pass that decodes the source once and feeds every
 * output from a split filter graph: one scaler and one x264 encoder per rung, HLS into each rung's
 * folder with keyframes forced on segment boundaries (identical timelines, so players switch anywhere),
 * plus the poster and/or the preview frames and sprite sheet. Pure.
 */
export function passArgs(plan: LadderPlan, out: PassOutputs): string[] {
  const branches: string[] = [];
  const graph: string[] = [];
  const tail: string[] = [];
  const t = out.thumbs;
  for (const [i, { rung }] of out.rungs.entries()) {
    branches.push(`r${i}`);
    graph.push(`[r${i}]scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1,format=yuv420p[o${i}]`);
  }
  if (out.poster) {
    branches.push('p');
    graph.push(
      `[p]trim=start=${t.posterAtS.toFixed(3)},setpts=PTS-STARTPTS,scale=${t.posterWidth}:${t.posterHeight},setsar=1[poster]`,
    );
  }
  if (out.previewsAndSprite) {
    const s = t.sprite;
    branches.push('pv', 'sp');
    graph.push(
      `[pv]fps=${rate(t.previewCount, out.durationS)},scale=${t.previewWidth}:${t.previewHeight},setsar=1[previews]`,
      `[sp]fps=${rate(s.cols * s.rows, out.durationS)},scale=${s.tileWidth}:${s.tileHeight},setsar=1,tile=${s.cols}x${s.rows}[sprite]`,
    );
  }
  if (branches.length === 0) throw new Error('passArgs: a pass needs at least one output');
  // Thumbnails sample the source's own frames; rungs share the output frame rate.
  const head = `[0:v]split=${branches.length}${branches.map((b) => `[${b}]`).join('')}`;
  if (plan.resampleFps) {
    for (const [i] of out.rungs.entries()) graph[i] = graph[i]!.replace(`[r${i}]`, `[r${i}]fps=${plan.fps},`);
  }
  for (const [i, { rung, outDir, growing }] of out.rungs.entries()) {
    const enc = rungEncoder(rung, out.preset);
    // biome-ignore format: flag/value pairs read better side by side
    const audio = plan.hasAudio
      ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', `${rung.audioKbps}k`, '-ac', '2', '-ar', '48000']
      : [];
    // biome-ignore format: flag/value pairs read better side by side
    tail.push(
      '-map', `[o${i}]`, ...audio, '-sn', '-dn', '-map_metadata', '-1',
      '-c:v', 'libx264', '-preset', enc.preset, '-profile:v', rung.profile, '-level:v', rung.level, '-pix_fmt', 'yuv420p',
      '-crf', String(enc.crf), '-bf', String(enc.bframes), '-maxrate', `${rung.maxKbps}k`, '-bufsize', `${rung.bufferKbits}k`,
      '-threads', String(out.threads),
      ...segmentingArgs(plan, growing ? 'event' : 'vod'),
      '-hls_segment_filename', `${outDir}/${SEGMENT_FILES.pattern}`,
      `${outDir}/index.m3u8`,
    );
  }
  const dir = out.imagesDir;
  if (out.poster) {
    // Written as soon as its frame is decoded, to a temporary name then renamed: an early publish stores it
    // while ffmpeg still runs. `-q:v 3` held the file back until ffmpeg exited (5.1); a fixed
    // `-qmin`/`-qmax` of 3 writes the same bytes at once.
    // biome-ignore format: flag/value pairs read better side by side
    tail.push(
      '-map', '[poster]', '-frames:v', '1', '-qmin', '3', '-qmax', '3', '-update', '1', '-atomic_writing', '1',
      `${dir}/${THUMBNAIL_FILES.poster}`,
    );
  }
  if (out.previewsAndSprite) {
    // biome-ignore format: flag/value pairs read better side by side
    tail.push(
      '-map', '[previews]', '-frames:v', String(t.previewCount), '-q:v', '4', '-start_number', '1', `${dir}/preview_%02d.jpg`,
      '-map', '[sprite]', '-frames:v', '1', '-q:v', '4', '-update', '1', `${dir}/${THUMBNAIL_FILES.sprite}`,
    );
  }
  return ['-filter_complex', [head, ...graph].join(';'), ...tail];
}
