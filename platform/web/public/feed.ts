// The vertical feed: one item per screen with CSS scroll-snap; the item on screen plays, the next one
// is buffered ahead, the one after has its manifest loaded, far ones are released.
import { leaveEvent } from '../../../feature-store/signals.ts';
import { ApiError, fetchFeed, type Item } from './api.ts';
import { openAuthSheet } from './auth.ts';
import type { EventBatcher } from './events.ts';
import { Player, sound } from './player.ts';
import { buildItemView, type ItemView } from './rail.ts';
import { startTuning } from './start-tuning.ts';
import { h, toast } from './ui.ts';

/** Which feed the tabs show. */
export type FeedType = 'for_you' | 'following';

interface Watch {
  ms: number;
  last: number;
  started: boolean;
  completed: boolean;
  sinceProgress: number;
}

interface Slot {
  item: Item;
  view: ItemView;
  player: Player;
  impressed: boolean;
  watch: Watch | null;
}

const VISIBLE_RATIO = 0.6;
/** Longest wait for the item on screen's first frame before its neighbours are prepared anyway. */
const SCHEDULE_AFTER_MS = 300;
const PROGRESS_EVERY_MS = 10_000;
const LOAD_AHEAD = 3;
const DOUBLE_TAP_MS = 280;

/**
 * Owns the feed element: pages in items, tracks which one is on screen, drives players and sends
 * impression / play_start / progress / complete / skip events for what the viewer actually saw.
 */
export class Feed {
  readonly root: HTMLElement;
  private readonly events: EventBatcher;
  private slots: Slot[] = [];
  private active = -1;
  private feedType: FeedType = 'for_you';
  private cursor: string | null = null;
  private exhausted = false;
  private loading: Promise<void> | null = null;
  private generation = 0;
  private observer: IntersectionObserver;
  private wheelAcc = 0;
  private wheelLockUntil = 0;
  /** First-frame times of every activation so far (ms), for the debug overlay. */
  readonly firstFrames: number[] = [];
  /** The last page's request and versions, for the debug overlay. */
  pageMeta: { requestId: string | null; modelVersion: string | null; indexVersion: string | null } = {
    requestId: null,
    modelVersion: null,
    indexVersion: null,
  };

  constructor(root: HTMLElement, events: EventBatcher) {
    this.root = root;
    this.events = events;
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), {
      root,
      threshold: [VISIBLE_RATIO],
    });
    root.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    document.addEventListener('keydown', (e) => this.onKey(e));
    document.addEventListener('visibilitychange', () => this.onVisibility());
  }

  /** The item on screen, if any. */
  current(): { item: Item; player: Player; index: number } | null {
    const s = this.slots[this.active];
    return s ? { item: s.item, player: s.player, index: this.active } : null;
  }

  /** Empties the feed and loads the first page of `feedType`; `first` (a shared link) goes on top. */
  async reset(feedType: FeedType, first?: Item): Promise<void> {
    this.generation++;
    this.leave();
    for (const s of this.slots) s.player.release();
    this.observer.disconnect();
    this.slots = [];
    this.active = -1;
    this.root.replaceChildren();
    this.root.scrollTop = 0;
    this.feedType = feedType;
    this.cursor = null;
    this.exhausted = false;
    this.loading = null;
    if (first) this.append([first]);
    await this.loadMore();
  }

  private loadMore(): Promise<void> {
    if (this.loading || this.exhausted) return this.loading ?? Promise.resolve();
    const gen = this.generation;
    this.loading = (async () => {
      try {
        const page = await fetchFeed(this.feedType, this.cursor);
        if (gen !== this.generation) return;
        this.pageMeta = { requestId: page.requestId, modelVersion: page.modelVersion, indexVersion: page.indexVersion };
        this.cursor = page.nextCursor;
        this.exhausted = page.nextCursor === null || page.items.length === 0;
        const seen = new Set(this.slots.map((s) => s.item.id));
        this.append(page.items.filter((i) => !seen.has(i.id)));
      } catch (err) {
        if (gen !== this.generation) return;
        toast(err);
        if (err instanceof ApiError && err.status === 401 && this.feedType === 'following') {
          void openAuthSheet('Log in to see videos from creators you follow.');
        }
      } finally {
        if (gen === this.generation) this.loading = null;
      }
      if (this.slots.length === 0) this.showEmpty();
    })();
    return this.loading;
  }

  private showEmpty(): void {
    const text =
      this.feedType === 'following' ? 'Follow creators to see their videos here.' : 'No videos yet. Upload the first!';
    this.root.replaceChildren(h('div', { class: 'empty' }, text));
  }

  private append(items: Item[]): void {
    for (const item of items) {
      const index = this.slots.length;
      const view = buildItemView(item, index);
      const slot: Slot = {
        item,
        view,
        player: new Player(view.video, item.hls, { start: item.start, poster: item.poster }),
        impressed: false,
        watch: null,
      };
      this.slots.push(slot);
      this.wire(slot, index);
      this.root.append(view.el);
      this.observer.observe(view.el);
    }
    // The first item plays as soon as it exists; the observer also fires, setActive ignores the repeat.
    if (this.active === -1 && this.slots.length > 0) this.setActive(0);
    else if (this.active >= 0) this.schedule(this.active);
  }

  private wire(slot: Slot, index: number): void {
    const { el, video } = slot.view;
    video.addEventListener('timeupdate', () => this.onTime(slot, index));
    video.addEventListener('playing', () => {
      el.classList.remove('paused');
      const w = slot.watch;
      if (index !== this.active || !w || w.started) return;
      w.started = true;
      this.track('play_start', slot);
    });
    video.addEventListener('pause', () => el.classList.toggle('paused', index === this.active));
    let pendingTap: ReturnType<typeof setTimeout> | undefined;
    let lastTap = 0;
    el.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      if (target.closest('.rail, button, a')) {
        if (target.closest('.mute-hint')) this.toggleSound(true);
        return;
      }
      const now = performance.now();
      if (now - lastTap < DOUBLE_TAP_MS) {
        clearTimeout(pendingTap);
        lastTap = 0;
        const box = el.getBoundingClientRect();
        slot.view.burst(e.clientX - box.left, e.clientY - box.top);
        void slot.view.like(false);
        return;
      }
      lastTap = now;
      pendingTap = setTimeout(() => this.singleTap(slot), DOUBLE_TAP_MS);
    });
  }

  private singleTap(slot: Slot): void {
    if (!sound.on) {
      this.toggleSound(true);
      return;
    }
    const v = slot.player.video;
    if (v.paused) void slot.player.play();
    else v.pause();
  }

  /** Turns sound on or off for every video (the first tap only unmutes). */
  toggleSound(on = !sound.on): void {
    sound.on = on;
    for (const s of this.slots) s.player.video.muted = !on;
    document.body.classList.toggle('sound-on', on);
    const cur = this.slots[this.active];
    if (cur?.player.video.paused) void cur.player.play();
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    let best: IntersectionObserverEntry | undefined;
    for (const e of entries) {
      if (
        e.isIntersecting &&
        e.intersectionRatio >= VISIBLE_RATIO &&
        (!best || e.intersectionRatio > best.intersectionRatio)
      ) {
        best = e;
      }
    }
    if (best) this.setActive(Number((best.target as HTMLElement).dataset.index));
  }

  private setActive(index: number): void {
    const slot = this.slots[index];
    if (!slot || index === this.active) return;
    const visibleAt = performance.now();
    this.leave();
    this.active = index;
    for (const s of this.slots) s.view.el.classList.toggle('active', s === slot);
    if (!slot.impressed) {
      slot.impressed = true;
      this.track('impression', slot);
    }
    slot.watch = { ms: 0, last: slot.player.video.currentTime, started: false, completed: false, sinceProgress: 0 };
    // Preparing and releasing the neighbours (hls.js instances, MediaSource attach and teardown) is
    // main-thread work: it waits for this item's first frame, or SCHEDULE_AFTER_MS if none comes.
    let scheduled = false;
    const scheduleOnce = () => {
      if (scheduled || index !== this.active) return;
      scheduled = true;
      this.schedule(index);
    };
    if (startTuning.scheduleAfterFirstFrame) setTimeout(scheduleOnce, SCHEDULE_AFTER_MS);
    else scheduleOnce();
    slot.player.activate(visibleAt, (ms) => {
      slot.view.el.dataset.firstFrameMs = String(ms);
      // The same moment on the page's clock, so a measurement can also count from navigation.
      slot.view.el.dataset.firstFrameAt = String(Math.round(visibleAt + ms));
      this.firstFrames.push(ms);
      scheduleOnce();
    });
    if (index >= this.slots.length - LOAD_AHEAD) void this.loadMore();
  }

  /** Buffers the start of the next item(s), loads the manifest of the one after, releases the far ones. */
  private schedule(index: number): void {
    const ahead = startTuning.bufferAhead;
    this.slots.forEach((s, j) => {
      if (j > index && j <= index + ahead) s.player.prepare('buffer');
      else if (j === index + ahead + 1) s.player.prepare('manifest');
      else if ((j < index - 1 || j > index + ahead + 1) && s.player.state !== 'idle') s.player.release();
    });
  }

  /** Ends the current view: a progress event with the watch time, then what leaving means (`signals.ts`). */
  private leave(): void {
    const slot = this.slots[this.active];
    if (!slot) return;
    const w = slot.watch;
    slot.player.deactivate();
    slot.view.el.classList.remove('paused');
    if (w) {
      if (w.ms > 0) this.track('progress', slot, w.ms);
      const end = leaveEvent(w);
      if (end) this.track(end, slot, w.ms);
    }
    slot.watch = null;
  }

  private onTime(slot: Slot, index: number): void {
    const w = slot.watch;
    const v = slot.player.video;
    if (index !== this.active || !w) return;
    const dur = this.durationMs(slot) / 1000;
    let d = v.currentTime - w.last;
    // A jump back near the end is the loop restarting: one full watch.
    if (d < 0 && dur > 0 && w.last > dur * 0.8) {
      d = dur - w.last + v.currentTime;
      if (!w.completed) {
        w.completed = true;
        this.track('complete', slot, w.ms + d * 1000);
      }
    }
    w.last = v.currentTime;
    if (d > 0 && d < 1.5) {
      w.ms += d * 1000;
      w.sinceProgress += d * 1000;
    }
    if (w.sinceProgress >= PROGRESS_EVERY_MS) {
      w.sinceProgress = 0;
      this.track('progress', slot, w.ms);
    }
    if (dur > 0) {
      const bar = slot.view.el.querySelector<HTMLElement>('.progress .bar');
      if (bar) bar.style.transform = `scaleX(${Math.min(1, v.currentTime / dur)})`;
    }
  }

  private durationMs(slot: Slot): number {
    const d = slot.player.video.duration;
    return Number.isFinite(d) && d > 0 ? d * 1000 : (slot.item.durationMs ?? 0);
  }

  private track(type: 'impression' | 'play_start' | 'progress' | 'complete' | 'skip', slot: Slot, watchMs?: number) {
    const dur = this.durationMs(slot);
    this.events.track(type, slot.item.id, {
      ...(watchMs !== undefined ? { watchMs } : {}),
      ...(dur > 0 && type !== 'impression' ? { durationMs: dur } : {}),
      requestId: slot.item.requestId,
      position: slot.item.position,
    });
  }

  /** Scrolls to the item `delta` away (one screen per step). */
  go(delta: number): void {
    const target = Math.max(0, Math.min(this.slots.length - 1, Math.max(0, this.active) + delta));
    this.slots[target]?.view.el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  private onWheel(e: WheelEvent): void {
    // One item per gesture: a trackpad's inertia would otherwise fling past several.
    e.preventDefault();
    const now = performance.now();
    if (now < this.wheelLockUntil) return;
    this.wheelAcc += e.deltaY;
    if (Math.abs(this.wheelAcc) < 40) return;
    this.go(this.wheelAcc > 0 ? 1 : -1);
    this.wheelAcc = 0;
    this.wheelLockUntil = now + 450;
  }

  private onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    if (t.closest('input, textarea, select, .backdrop') || document.querySelector('.backdrop')) return;
    if (this.root.hidden) return;
    const cur = this.slots[this.active];
    const keys: Record<string, () => void> = {
      ArrowDown: () => this.go(1),
      PageDown: () => this.go(1),
      j: () => this.go(1),
      ArrowUp: () => this.go(-1),
      PageUp: () => this.go(-1),
      k: () => this.go(-1),
      m: () => this.toggleSound(),
      l: () => void cur?.view.like(true),
      ' ': () => cur && (cur.player.video.paused ? void cur.player.play() : cur.player.video.pause()),
    };
    const action = keys[e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    action();
  }

  private onVisibility(): void {
    const slot = this.slots[this.active];
    if (!slot) return;
    if (document.visibilityState === 'hidden') {
      // Report what was watched so far; the batcher flushes on the same event.
      if (slot.watch && slot.watch.ms > 0) {
        this.track('progress', slot, slot.watch.ms);
        slot.watch.sinceProgress = 0;
      }
      slot.player.video.pause();
    } else if (!this.root.hidden) {
      void slot.player.play();
    }
  }

  /** Pauses without leaving (another page covers the feed). */
  pause(): void {
    this.slots[this.active]?.player.video.pause();
  }

  /** Plays the current item again after `pause()`. */
  resume(): void {
    const s = this.slots[this.active];
    if (s) void s.player.play();
  }
}
