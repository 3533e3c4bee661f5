// How the player starts videos and how far it loads ahead: one home for the numbers `bench:start`
// chose (README, "Video start"). The benchmark compares alternatives by setting `window.foryouStartTuning`
// before the page's modules run; nothing else sets it.

/** The start and preload settings of the feed's players. */
export interface StartTuning {
  /** hls.js options every player starts with. */
  hls: Record<string, unknown>;
  /** Items after the one on screen that buffer their first segment; the one after those loads its playlists. */
  bufferAhead: number;
  /** Seconds an item not yet on screen buffers (enough for its first segment, no more). */
  aheadBufferS: number;
  /** Seconds the item on screen keeps buffered ahead of its position. */
  activeBufferS: number;
  /** Start a new player at the bandwidth the previous ones measured instead of hls.js's default guess. */
  carryBandwidth: boolean;
  /** Fetch the feed's start playlist and segment beside the master when no bandwidth is known yet. */
  startHints: boolean;
  /**
   * Ms the item on screen waits for its first frame before showing its poster; -1 gives every item its
   * poster as soon as it is built (each poster then competes with the first item's segments).
   */
  posterAfterMs: number;
  /** Seek a preloaded item onto its first buffered frame while it is off screen (`Player.parkAtFirstFrame`). */
  parkAtFirstFrame: boolean;
  /**
   * Prepare and release the neighbours of the item on screen only after its first frame (or 300 ms),
   * instead of in the same task that starts it: creating and tearing down players is main-thread work and
   * their fetches share the link with a cold start.
   */
  scheduleAfterFirstFrame: boolean;
}

declare global {
  interface Window {
    foryouStartTuning?: Partial<StartTuning>;
  }
}

const DEFAULTS: StartTuning = {
  hls: {
    capLevelToPlayerSize: true,
    startFragPrefetch: true,
    backBufferLength: 10,
    // hls.js buffers up to 8 × maxBufferSize / bitrate seconds (60 MB: every buffer stretched to
    // maxMaxBufferLength); 0 leaves the buffer lengths below in charge.
    maxBufferSize: 0,
  },
  bufferAhead: 2,
  // Below any segment's length: hls.js fetches the first segment and stops.
  aheadBufferS: 0.5,
  activeBufferS: 8,
  carryBandwidth: true,
  startHints: true,
  posterAfterMs: 250,
  parkAtFirstFrame: true,
  scheduleAfterFirstFrame: true,
};

/** The settings in force: the defaults, with a benchmark's override on top. */
export const startTuning: StartTuning = (() => {
  const o = (typeof window !== 'undefined' && window.foryouStartTuning) || {};
  return { ...DEFAULTS, ...o, hls: { ...DEFAULTS.hls, ...(o.hls ?? {}) } };
})();
