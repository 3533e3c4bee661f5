import { ApiError, type FeedPage, type ForyouClient } from '../platform/client/index.ts';
import { react, trueAffinity } from './behaviour.ts';
import { latentOf, type SimCatalogue } from './catalogue.ts';
import { dayOf, type UserTruth, WARM_UP_ITEMS } from './metrics.ts';
import type { SimUser, VideoLatent } from './population.ts';
import { type Rng, rng } from './rng.ts';
import { type ServedTrace, traceRow } from './trace.ts';
import type { World } from './world.ts';

const HOUR_MS = 3_600_000;
/** Candidates the oracle ranks per session (all of them in small catalogues). */
const ORACLE_SAMPLE = 3000;

/** A simulated user in a run: their client, ground truth so far and today's state. */
export interface Active {
  user: SimUser;
  client: ForyouClient;
  truth: UserTruth;
  seen: Set<number>;
  /** Items served so far (all days). */
  served: number;
  /** Arm, once read. */
  arm?: string;
  todayWatch: number[];
  activeToday: boolean;
  returnsTomorrow: boolean;
}

/** Per video key: views (watched ≥ 2 s or half), likes, comments, shares the simulated users gave. */
export type Engagement = Map<number, { views: number; likes: number; comments: number; shares: number }>;

/** What a session needs from the run around it. */
export interface SessionContext {
  world: World;
  catalogue: SimCatalogue;
  /** The experiment whose arm each user is in, read from `explain.arms` on their first page. */
  armExperiment?: string | undefined;
  trace?: ((row: ServedTrace) => void) | undefined;
  /** The platform's time now. */
  now(): number;
  engagement: Engagement;
  countExposure(a: Active, day: number, creator: number): void;
}

/**
 * One session of one user: pages of the For You feed until they stop, every item's reaction sent as
 * the web client sends it, and the ground truth of what was served (affinity, regret, freshness).
 */
export class Session {
  readonly #c: SessionContext;

  constructor(c: SessionContext) {
    this.#c = c;
  }

  async run(a: Active, day: number, hour: number, s: number): Promise<void> {
    const w = this.#c.world;
    const r = rng(w.seed, 'session', a.user.index, day, hour, s);
    const batcher = a.client.eventBatcher({ maxDelayMs: 0, idPrefix: `s${a.user.index}.${day}.${hour}.${s}` });
    const topicCount = new Map<number, number>();
    const servedAff: number[] = [];
    let position = 0;
    let watchMs = 0;
    let cursor: string | null | undefined;
    let stop = false;
    while (!stop && position < w.session.max_items) {
      const wantArm = this.#c.armExperiment !== undefined && a.arm === undefined;
      let page: FeedPage;
      page = await a.client.feed({
        limit: w.session.page_size,
        ...(cursor ? { cursor } : {}),
        ...(wantArm || this.#c.trace ? { explain: '1' } : {}),
      });
      if (wantArm) this.#readArm(a, page);
      if (page.items.length === 0) break;
      // Ground truth counts every item the platform served (the whole page, watched or not), so a
      // feed is judged by what it offered, not by how far a satisfied user happened to scroll.
      const t = dayOf(a.truth, day);
      for (const [i, item] of page.items.entries()) {
        const latent = latentOf(this.#c.catalogue, w, item);
        const aff = trueAffinity(w, a.user, latent) * (a.seen.has(latent.key) ? w.session.rewatch_factor : 1);
        this.#c.trace?.(
          traceRow(
            { user: a.user, arm: a.arm, served: a.served, day, position: position + i },
            latent,
            aff,
            item.explain,
            page.explain,
          ),
        );
        if (a.served >= WARM_UP_ITEMS) {
          t.warmServed++;
          t.warmAffinitySum += aff;
        }
        a.served++;
        t.served++;
        t.affinitySum += aff;
        servedAff.push(aff);
        if (a.seen.has(latent.key)) t.repeats++;
        if (a.truth.first20.length < 20) a.truth.first20.push(aff);
        if (item.created_at > this.#c.now() - HOUR_MS) t.freshServed++;
        this.#c.countExposure(a, day, latent.creator);
      }
      for (const item of page.items) {
        const latent = latentOf(this.#c.catalogue, w, item);
        const sameTopic = topicCount.get(latent.topic) ?? 0;
        const repeat = a.seen.has(latent.key);
        const reaction = react(
          w,
          a.user,
          latent,
          { position, sameTopicBefore: sameTopic, views: item.stats.views, repeat },
          r,
        );
        topicCount.set(latent.topic, sameTopic + 1);
        a.seen.add(latent.key);
        const durationMs = item.duration_ms ?? latent.durationS * 1000;
        const watched = Math.round(reaction.watchFraction * durationMs);
        watchMs += watched;
        a.todayWatch.push(reaction.watchFraction);
        const base = { video_id: item.id, request_id: page.request_id, position };
        batcher.add({ type: 'impression', ...base });
        batcher.add({ type: 'play_start', ...base, duration_ms: Math.round(durationMs) });
        if (reaction.completed) batcher.add({ type: 'complete', ...base, watch_ms: watched, duration_ms: durationMs });
        else {
          if (watched > 0) batcher.add({ type: 'progress', ...base, watch_ms: watched, duration_ms: durationMs });
          batcher.add({ type: 'skip', ...base, watch_ms: watched, duration_ms: durationMs });
        }
        if (reaction.notInterested) batcher.add({ type: 'not_interested', ...base });
        const e = this.#c.engagement.get(latent.key) ?? { views: 0, likes: 0, comments: 0, shares: 0 };
        this.#c.engagement.set(latent.key, e);
        if (watched >= 2000 || reaction.watchFraction >= 0.5) e.views++;
        if (reaction.like) e.likes++;
        if (reaction.comment) e.comments++;
        if (reaction.share) e.shares++;
        if (reaction.like) {
          await a.client.like(item.id);
          dayOf(a.truth, day).likes++;
        }
        if (reaction.follow && !item.author.id.startsWith('_')) await a.client.follow(item.author.id).catch(ignoreSelf);
        if (reaction.comment) await a.client.comment(item.id, commentFor(reaction.affinity));
        if (reaction.share) await a.client.share(item.id);
        position++;
        if (!reaction.continues || position >= w.session.max_items) {
          stop = true;
          break;
        }
      }
      // The next page is asked for once this page's events are in, as a player that flushes on swipe.
      await batcher.flush();
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    await batcher.flush();
    if (servedAff.length > 0) {
      const t = dayOf(a.truth, day);
      t.sessions++;
      t.watchMs += watchMs;
      t.regretSum += this.#regret(a, servedAff, r);
    }
  }

  /** (Mean of the best n unseen affinities − mean served) × n, over the oracle's candidates. */
  #regret(a: Active, served: readonly number[], r: Rng): number {
    const scores: number[] = [];
    for (const v of this.#oraclePool(r)) if (!a.seen.has(v.key)) scores.push(trueAffinity(this.#c.world, a.user, v));
    scores.sort((x, y) => y - x);
    const n = Math.min(served.length, scores.length);
    if (n === 0) return 0;
    let best = 0;
    for (let i = 0; i < n; i++) best += scores[i]!;
    const got = served.reduce((x, y) => x + y, 0);
    return (best / n - got / served.length) * served.length;
  }

  /** The oracle's candidates: every known video (or a fixed-size sample of a large catalogue). */
  #oraclePool(r: Rng): VideoLatent[] {
    const all = Object.values(this.#c.catalogue.videos);
    if (all.length <= ORACLE_SAMPLE) return all;
    return Array.from({ length: ORACLE_SAMPLE }, () => all[r.int(all.length)]!);
  }

  #readArm(a: Active, page: FeedPage): void {
    const arms = (page.explain?.arms ?? []) as { experiment: string; arm: string }[];
    a.arm = arms.find((x) => x.experiment === this.#c.armExperiment)?.arm ?? 'none';
    a.truth.arm = a.arm;
  }
}

function commentFor(affinity: number): string {
  return affinity > 0.8 ? 'love this' : affinity > 0.5 ? 'nice one' : 'hmm';
}

/** A follow of oneself or of a deleted account is refused by the platform; the simulator shrugs. */
function ignoreSelf(err: unknown): void {
  if (err instanceof ApiError && err.status < 500) return;
  throw err;
}
