import { AppError, isAppError } from '../../core/errors/registry.ts';
import { newId } from '../../core/ids.ts';
import { likesRepo } from '../../domain/repos/likes.repo.ts';
import { notifyMany } from '../notifications/notify.ts';
import type { StagedCount, VideoCounts } from './counters.ts';
import type { EngagementDeps } from './deps.ts';
import { actorKey, type EngagementEvent } from './events.ts';
import { engageableVideos, type VideoRef } from './lookups.ts';
import { appendEngagement } from './record.ts';

/** The caller's like state of a video after a like or unlike. */
export interface LikeResult {
  liked: boolean;
  like_count: number;
}

/** One like or unlike waiting for its group. */
interface Pending {
  userId: string;
  videoId: string;
  liked: boolean;
  resolve: (r: LikeResult) => void;
  reject: (err: unknown) => void;
}

const pairOf = (p: { userId: string; videoId: string }) => `${p.userId}\u0000${p.videoId}`;

/**
 * Group commit for likes: likes and unlikes that arrive while `concurrency` groups are committing wait and
 * then go together, each group with one read of its videos and of the blocks among its pairs, one
 * transaction holding one multi-row insert of the likes, one of their notifications and one append of
 * their events, and its counter changes in the counter outbox, then applied to the cache counters once
 * (the write-behind flush carrying them to the database). Each caller answers only once its own like row,
 * event and counter change are committed, so an acknowledged like is never lost nor left uncounted: a
 * process killed before applying leaves the outbox rows to the counter flush. A group that fails as a whole is retried one like at a time, so a like that fails, fails
 * alone. A group never holds the same (user, video) twice: the later one waits for the next group, so a
 * like then an unlike of one pair keep their order.
 */
export class LikeWriter {
  readonly #deps: EngagementDeps;
  readonly #maxGroup: number;
  readonly #concurrency: number;
  #queue: Pending[] = [];
  #active = 0;
  /** Groups committed, and likes in them (for tests and benchmarks). */
  groups = 0;
  writes = 0;

  constructor(deps: EngagementDeps, opts: { maxGroup?: number; concurrency?: number } = {}) {
    this.#deps = deps;
    this.#maxGroup = opts.maxGroup ?? 256;
    this.#concurrency = opts.concurrency ?? 2;
  }

  /** Likes (`liked`) or unlikes a video for a user; resolves once the change is durable. */
  set(userId: string, videoId: string, liked: boolean): Promise<LikeResult> {
    return new Promise<LikeResult>((resolve, reject) => {
      this.#queue.push({ userId, videoId, liked, resolve, reject });
      if (this.#active < this.#concurrency) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#active++;
    try {
      while (this.#queue.length > 0) await this.#commit(this.#take());
    } finally {
      this.#active--;
    }
  }

  /** The oldest waiting changes, up to `maxGroup`, at most one per (user, video); the others keep their place. */
  #take(): Pending[] {
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const pairs = new Set<string>();
    for (const p of this.#queue) {
      const pair = pairOf(p);
      if (group.length < this.#maxGroup && !pairs.has(pair)) {
        pairs.add(pair);
        group.push(p);
      } else rest.push(p);
    }
    this.#queue = rest;
    return group;
  }

  async #commit(group: Pending[]): Promise<void> {
    const d = this.#deps;
    let videos: (VideoRef | AppError)[];
    try {
      videos = await engageableVideos(d.metadata, group);
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    const live: { p: Pending; video: VideoRef }[] = [];
    group.forEach((p, i) => {
      const v = videos[i]!;
      if (v instanceof AppError) p.reject(v);
      else live.push({ p, video: v });
    });
    if (live.length === 0) return;
    const now = d.clock.now();
    let staged: StagedCount[];
    try {
      staged = await d.metadata.transaction(async (tx) => {
        const likes = likesRepo(tx);
        const added = await likes.addMany(
          live.filter((l) => l.p.liked).map((l) => l.p),
          now,
        );
        const flags: boolean[] = [];
        for (const { p } of live) flags.push(p.liked ? added.has(pairOf(p)) : await likes.remove(p.userId, p.videoId));
        const done = live.filter((_, i) => flags[i]);
        await notifyMany(
          tx,
          done
            .filter((l) => l.p.liked)
            .map(({ p, video }) => ({
              userId: video.authorId,
              type: 'like',
              actorId: p.userId,
              videoId: p.videoId,
              now,
            })),
        );
        const events: EngagementEvent[] = done.map(({ p, video }) => ({
          v: 1,
          id: newId(now),
          type: p.liked ? 'like' : 'unlike',
          actor: actorKey({ userId: p.userId }),
          userId: p.userId,
          videoId: p.videoId,
          authorId: video.authorId,
          ts: now,
        }));
        if (events.length > 0) await appendEngagement(d.events, events);
        const deltas = new Map<string, { likes: number }>();
        for (const { p } of done) {
          const delta = deltas.get(p.videoId) ?? { likes: 0 };
          delta.likes += p.liked ? 1 : -1;
          deltas.set(p.videoId, delta);
        }
        return d.counters.stage(tx, deltas);
      });
    } catch (err) {
      // Rolled back as a whole: each like again on its own, so only a failing one fails; but a log that
      // refused the append would refuse each of them too, so then they all answer 503 at once.
      if (live.length > 1 && !isAppError(err, 'BACKEND_UNAVAILABLE')) for (const { p } of live) await this.#commit([p]);
      else for (const { p } of live) p.reject(err);
      return;
    }
    this.groups++;
    this.writes += live.length;
    try {
      await d.counters.applyStaged(staged);
      const counts: Map<string, VideoCounts> = await d.counters.get([...new Set(live.map((l) => l.p.videoId))]);
      for (const { p } of live) p.resolve({ liked: p.liked, like_count: counts.get(p.videoId)!.likes });
    } catch (err) {
      for (const { p } of live) p.reject(err);
    }
  }
}
