// One video element and its HLS pipeline. hls.js (loaded as a classic script, global `Hls`) plays
// HLS through MediaSource where the browser has no native HLS (Chromium, Firefox); Safari plays it natively.
import type Hls from 'hls.js';
import type { StartHint } from './api.ts';
import { startTuning } from './start-tuning.ts';

declare global {
  interface Window {
    Hls?: typeof Hls;
  }
}

/** Whether sound is on for every video: off until the viewer taps, as browsers block audible autoplay. */
export const sound = { on: false };

/** Where a player is in its life: released, manifest only, buffering ahead, or on screen. */
export type PlayerState = 'idle' | 'manifest' | 'buffering' | 'active';

/** The last bandwidth estimate any player measured (bits/s), for the next player to start from. */
let lastBandwidth: number | undefined;

function hlsConfig(): Record<string, unknown> {
  const t = startTuning;
  return {
    autoStartLoad: false,
    // Short clips: a few seconds ahead is enough, and preloaded neighbours must stay cheap.
    maxBufferLength: t.aheadBufferS,
    maxMaxBufferLength: Math.max(16, t.activeBufferS),
    ...t.hls,
    ...(t.carryBandwidth && lastBandwidth ? { abrEwmaDefaultEstimate: lastBandwidth } : {}),
  };
}

/**
 * Plays one item's master playlist. `prepare('manifest')` fetches only the playlists, `prepare('buffer')`
 * also buffers the first segments, so the next item starts at once; `activate()` plays and measures the
 * time to the first presented frame; `release()` frees the decoder and buffers.
 */
export class Player {
  readonly video: HTMLVideoElement;
  readonly src: string;
  state: PlayerState = 'idle';
  /** Ms from the item becoming visible to its first frame on screen, for the last activation. */
  firstFrameMs: number | null = null;
  error: string | null = null;
  private hls: Hls | null = null;
  private loading = false;
  private activation = 0;
  private onFirstFrame: ((ms: number) => void) | null = null;

  /** The lowest rendition's playlist, init and first segment, fetched beside the master when starting cold. */
  private readonly start: StartHint | null;
  private readonly poster: string | null;
  private posterTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(video: HTMLVideoElement, src: string, opts: { start?: StartHint | null; poster?: string | null } = {}) {
    this.video = video;
    this.src = src;
    this.start = opts.start ?? null;
    this.poster = opts.poster ?? null;
    if (this.poster && startTuning.posterAfterMs < 0) video.poster = this.poster;
  }

  private get native(): boolean {
    return !window.Hls?.isSupported() && this.video.canPlayType('application/vnd.apple.mpegurl') !== '';
  }

  /** Loads the manifest (and with 'buffer' the first segments) without playing. */
  prepare(depth: 'manifest' | 'buffer'): void {
    if (this.state === 'idle') this.attach();
    if (depth === 'buffer' && !this.loading) {
      this.loading = true;
      if (this.hls) this.hls.startLoad(-1);
      else this.video.preload = 'auto';
      if (this.state === 'manifest') this.state = 'buffering';
    }
  }

  private attach(): void {
    this.state = 'manifest';
    this.error = null;
    const HlsCtor = window.Hls;
    if (this.native || !HlsCtor) {
      this.video.preload = 'metadata';
      this.video.src = this.src;
      return;
    }
    const hls = new HlsCtor(hlsConfig());
    this.hls = hls;
    hls.on(HlsCtor.Events.FRAG_LOADED, () => {
      if (Number.isFinite(hls.bandwidthEstimate) && hls.bandwidthEstimate > 0) lastBandwidth = hls.bandwidthEstimate;
    });
    hls.on(HlsCtor.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === HlsCtor.ErrorTypes.NETWORK_ERROR && this.error === null) {
        this.error = `network: ${data.details}`;
        hls.startLoad(-1);
      } else if (data.type === HlsCtor.ErrorTypes.MEDIA_ERROR && this.error === null) {
        this.error = `media: ${data.details}`;
        hls.recoverMediaError();
      } else {
        this.error = `fatal: ${data.details}`;
        this.release();
      }
    });
    // Starting with no bandwidth measured yet, hls.js begins on the lowest rendition and asks for the
    // master, then that playlist, then its first segment, one after the other. Asking for the last two now
    // lets its own requests find them in the HTTP cache (the playlist is cacheable for 2 s, segments for
    // good): two round trips saved.
    if (this.start && startTuning.startHints && lastBandwidth === undefined) {
      for (const url of [this.start.playlist, this.start.init, this.start.segment]) {
        if (url) void fetch(url).catch(() => {});
      }
    }
    hls.loadSource(this.src);
    hls.attachMedia(this.video);
    if (startTuning.parkAtFirstFrame) {
      this.video.addEventListener('canplay', () => this.parkAtFirstFrame(), { once: true });
    }
  }

  /**
   * Moves a preloaded player that is not playing yet onto its first buffered frame. Buffers start at the
   * audio's first sample and the first video frame comes tens of ms later (AAC priming), so play() from 0
   * would wait that long for the clock to reach the picture already on screen before the next one shows;
   * seeking inside the buffer now, off screen, costs nothing then.
   */
  private parkAtFirstFrame(): void {
    const v = this.video;
    if (this.state === 'active' || !v.paused || v.buffered.length === 0) return;
    const start = v.buffered.start(0);
    if (v.currentTime < start && start - v.currentTime < 0.5) v.currentTime = start;
  }

  /** Plays from the current position; `visibleAt` (performance.now()) starts the first-frame clock. */
  activate(visibleAt: number, onFirstFrame?: (ms: number) => void): void {
    this.prepare('buffer');
    if (this.hls) this.hls.config.maxBufferLength = startTuning.activeBufferS;
    this.state = 'active';
    this.firstFrameMs = null;
    this.onFirstFrame = onFirstFrame ?? null;
    const activation = ++this.activation;
    const done = () => {
      if (activation !== this.activation || this.firstFrameMs !== null) return;
      this.firstFrameMs = Math.round(performance.now() - visibleAt);
      this.onFirstFrame?.(this.firstFrameMs);
    };
    // The poster only covers a slow start: a preloaded item already shows its first frame, and on a cold
    // start the poster's bytes would compete with the first segment's.
    if (this.poster && !this.video.poster && startTuning.posterAfterMs >= 0) {
      clearTimeout(this.posterTimer);
      this.posterTimer = setTimeout(() => {
        if (this.firstFrameMs === null && this.poster) this.video.poster = this.poster;
      }, startTuning.posterAfterMs);
    }
    if (typeof this.video.requestVideoFrameCallback === 'function') this.video.requestVideoFrameCallback(done);
    else this.video.addEventListener('playing', done, { once: true });
    void this.play();
  }

  /** Starts playback; when the browser refuses sound without a gesture, falls back to muted. */
  async play(): Promise<void> {
    this.video.muted = !sound.on;
    try {
      await this.video.play();
    } catch (err) {
      const name = (err as DOMException).name;
      if (name === 'NotAllowedError' && !this.video.muted) {
        sound.on = false;
        this.video.muted = true;
        await this.video.play().catch(() => {});
      }
      // AbortError: paused or released before it started, which is what the viewer asked for.
    }
  }

  /** Pauses; keeps the buffer so coming back is instant. */
  deactivate(): void {
    this.activation++;
    this.video.pause();
    if (this.hls) this.hls.config.maxBufferLength = startTuning.aheadBufferS;
    if (this.state === 'active') this.state = 'buffering';
  }

  /** Frees the pipeline; the poster stays. `prepare()` can attach again later. */
  release(): void {
    this.activation++;
    this.video.pause();
    this.hls?.destroy();
    this.hls = null;
    this.loading = false;
    this.video.removeAttribute('src');
    this.video.load();
    this.state = 'idle';
  }

  /** What the debug overlay shows: rendition, buffer ahead, dropped frames. */
  stats(): { level: string; bufferAheadS: number; dropped: number } {
    const v = this.video;
    const lv = this.hls && this.hls.currentLevel >= 0 ? this.hls.levels[this.hls.currentLevel] : undefined;
    let ahead = 0;
    for (let i = 0; i < v.buffered.length; i++) {
      if (v.buffered.start(i) <= v.currentTime && v.currentTime <= v.buffered.end(i)) {
        ahead = v.buffered.end(i) - v.currentTime;
      }
    }
    return {
      level: lv
        ? `${lv.width}x${lv.height}@${Math.round(lv.bitrate / 1000)}k`
        : v.videoWidth
          ? `${v.videoWidth}x${v.videoHeight}`
          : '-',
      bufferAheadS: Math.round(ahead * 10) / 10,
      dropped: v.getVideoPlaybackQuality?.().droppedVideoFrames ?? 0,
    };
  }
}
