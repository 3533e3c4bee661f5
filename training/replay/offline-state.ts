import {
  applyExample,
  type FeatureState,
  type FeatureVideo,
  newFeatureState,
} from '../../feature-store/definitions.ts';
import type { FeatureStore, HistoryEntry } from '../../feature-store/ports.ts';
import type { Dataset, Example } from '../data/schema.ts';

/** Serving-style keys for KuaiRand rows, so the replayed state looks exactly like the online store's. */
export const replayKeys = {
  actor: (user: number) => `u:${user}`,
  video: (video: number) => String(video),
  author: (author: number) => `a${author}`,
  tag: (tag: number) => `t${tag}`,
};

const HISTORY_MAX = 50;

/**
 * The feature state of a KuaiRand log replayed up to a moving time, folded with the shared feature
 * definitions (the same `applyExample` training uses), plus each user's engagement history and
 * follows. `advanceTo(t)` folds every example strictly before `t`; it only moves forward.
 */
export class OfflineState {
  readonly state: FeatureState = newFeatureState();
  readonly histories = new Map<string, HistoryEntry[]>();
  readonly follows = new Map<string, Set<string>>();
  readonly #videos: FeatureVideo[];
  readonly #log: Example[];
  #next = 0;

  constructor(ds: Dataset) {
    this.#videos = ds.videos.map((v, i) => ({
      id: replayKeys.video(i),
      author: replayKeys.author(v.author),
      tags: v.tags.filter((t) => t > 0).map(replayKeys.tag),
      durationBucket: v.durationBucket,
      durationMs: v.durationMs,
      uploadMs: v.uploadMs,
    }));
    this.#log = [...ds.train, ...ds.validation, ...ds.test].sort((a, b) => a.timeMs - b.timeMs);
    // The pre-period has no per-item times: it is folded in just before the log starts.
    const seedMs = (this.#log[0]?.timeMs ?? 0) - 1;
    ds.users.forEach((u, i) => {
      const liked = new Set(u.historyLike);
      const long = new Set(u.historyLong);
      // Same order as `pointInTimeFeatures`, so the recent list (and its cap) matches training's.
      for (const v of new Set([...u.historyLike, ...u.historyLong, ...u.historyWatch])) {
        const l = long.has(v) ? 1 : 0;
        const k = liked.has(v) ? 1 : 0;
        applyExample(this.state, replayKeys.actor(i), this.#videos[v]!, seedMs, { click: l | k, longView: l, like: k });
        this.#remember(replayKeys.actor(i), v, k ? 'like' : l ? 'complete' : 'watch', seedMs);
      }
    });
  }

  /** The serving view of a video. */
  video(index: number): FeatureVideo {
    return this.#videos[index]!;
  }

  /** Folds every logged impression before `timeMs`. */
  advanceTo(timeMs: number): void {
    while (this.#next < this.#log.length && this.#log[this.#next]!.timeMs < timeMs) {
      const ex = this.#log[this.#next++]!;
      const actor = replayKeys.actor(ex.user);
      applyExample(this.state, actor, this.#videos[ex.video]!, ex.timeMs, ex.labels);
      const kind = ex.labels.like ? 'like' : ex.labels.longView ? 'complete' : ex.labels.click ? 'watch' : 'skip';
      this.#remember(actor, ex.video, kind, ex.timeMs);
      if (ex.labels.follow) {
        const set = this.follows.get(actor) ?? new Set<string>();
        set.add(this.#videos[ex.video]!.author as string);
        this.follows.set(actor, set);
      }
    }
  }

  #remember(actor: string, video: number, kind: HistoryEntry['kind'], timeMs: number): void {
    const h = this.histories.get(actor) ?? [];
    h.push({ video: replayKeys.video(video), kind, timeMs });
    if (h.length > HISTORY_MAX) h.shift();
    this.histories.set(actor, h);
  }

  /** The read side of the FeatureStore port over this state (what the serving hydrators call). */
  store(): FeatureStore {
    const self = this;
    return {
      kind: 'sqlite',
      async applyEvents() {
        throw new Error('the replay state is read-only');
      },
      async loadState(q) {
        const s = self.state;
        return {
          config: s.config,
          users: new Map(q.users.flatMap((u) => (s.users.has(u) ? [[u, s.users.get(u)!]] : []))),
          videos: new Map(q.videos.flatMap((v) => (s.videos.has(v) ? [[v, s.videos.get(v)!]] : []))),
          authors: new Map((q.authors ?? []).flatMap((a) => (s.authors.has(a) ? [[a, s.authors.get(a)!]] : []))),
          global: s.global,
        };
      },
      async videoStats() {
        return new Map();
      },
      async authorStats() {
        return new Map();
      },
      async history(user) {
        return [...(self.histories.get(user) ?? [])];
      },
      async ping() {},
      async close() {},
    };
  }
}
