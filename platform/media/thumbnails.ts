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

/** Image files of a video, relative to its `thumbs` folder (written by the lowest-rung pass, `ladder-pass.ts`). */
export const THUMBNAIL_FILES = {
  poster: 'poster.jpg',
  sprite: 'sprite.jpg',
  preview: (i: number) => `preview_${String(i).padStart(2, '0')}.jpg`,
};
