/** Where the poster, preview frames and sprite sheet come from and how big they are. */
export interface ThumbnailPlan {
  /** Seconds into the video for the poster frame. */
  posterAtS: number;
  posterWidth: number;
  posterHeight: number;
  previewCount: number;
  previewWidth: number;
  previewHeight: number;
  /** Sprite sheet for scrubbing: `cols × rows` tiles, one every `intervalS` seconds from 0. */
  sprite: { cols: number; rows: number; tileWidth: number; tileHeight: number; intervalS: number };
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

function fitWithin(w: number, h: number, maxShort: number): { width: number; height: number } {
  const scale = Math.min(1, maxShort / Math.min(w, h));
  return { width: even(w * scale), height: even(h * scale) };
}

/** Plans the images for a video of the given display size and duration. Pure. */
export function planThumbnails(displayWidth: number, displayHeight: number, durationS: number): ThumbnailPlan {
  const poster = fitWithin(displayWidth, displayHeight, 720);
  const preview = fitWithin(displayWidth, displayHeight, 360);
  const tile = fitWithin(displayWidth, displayHeight, 90);
  const cols = 5;
  const rows = 2;
  return {
    // Past the first second: many clips open on a black or fading frame.
    posterAtS: Math.min(1, durationS / 2),
    posterWidth: poster.width,
    posterHeight: poster.height,
    previewCount: 4,
    previewWidth: preview.width,
    previewHeight: preview.height,
    sprite: { cols, rows, tileWidth: tile.width, tileHeight: tile.height, intervalS: durationS / (cols * rows) },
  };
}

/** Output files of `thumbnailArgs`, relative to its output directory. */
export const THUMBNAIL_FILES = {
  poster: 'poster.jpg',
  sprite: 'sprite.jpg',
  preview: (i: number) => `preview_${String(i).padStart(2, '0')}.jpg`,
};

// A rational frame rate string ffmpeg parses exactly: frames per `seconds`.
const rate = (frames: number, seconds: number) => `${frames * 1000}/${Math.max(1, Math.round(seconds * 1000))}`;

/**
 * ffmpeg output arguments (after the input) writing the poster, the preview frames and the sprite sheet
 * in one decode pass, into `outDir`.
 */
export function thumbnailArgs(plan: ThumbnailPlan, durationS: number, outDir: string): string[] {
  const s = plan.sprite;
  const graph = [
    '[0:v]split=3[a][b][c]',
    `[a]trim=start=${plan.posterAtS.toFixed(3)},setpts=PTS-STARTPTS,scale=${plan.posterWidth}:${plan.posterHeight},setsar=1[poster]`,
    `[b]fps=${rate(plan.previewCount, durationS)},scale=${plan.previewWidth}:${plan.previewHeight},setsar=1[previews]`,
    `[c]fps=${rate(s.cols * s.rows, durationS)},scale=${s.tileWidth}:${s.tileHeight},setsar=1,tile=${s.cols}x${s.rows}[sprite]`,
  ].join(';');
  // biome-ignore format: flag/value pairs read better side by side
  return [
    '-filter_complex', graph,
    '-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-update', '1', `${outDir}/${THUMBNAIL_FILES.poster}`,
    '-map', '[previews]', '-frames:v', String(plan.previewCount), '-q:v', '4', '-start_number', '1', `${outDir}/preview_%02d.jpg`,
    '-map', '[sprite]', '-frames:v', '1', '-q:v', '4', '-update', '1', `${outDir}/${THUMBNAIL_FILES.sprite}`,
  ];
}
