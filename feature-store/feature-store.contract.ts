import { afterEach, describe, expect, it } from 'vitest';
import { applyEvent, FEATURE_NAMES, type FeatureVideo, featureVector, newFeatureState } from './definitions.ts';
import type { FeatureStore, FeatureStoreEvent } from './ports.ts';

const H = 3600_000;
const T0 = 1_800_000_000_000;

type V = FeatureVideo & { id: string; author: string };
const videos: V[] = Array.from({ length: 6 }, (_, i) => ({
  id: `v${i}`,
  author: `a${i % 3}`,
  tags: [`t${i % 2}`, `t${2 + (i % 3)}`],
  durationBucket: 1 + (i % 7),
  uploadMs: T0 - 5 * H,
}));

/** A deterministic mixed stream: every type, several users, hours apart, with a follow and an unknown type. */
function stream(n: number): FeatureStoreEvent[] {
  const types = [
    'impression',
    'play_start',
    'progress',
    'complete',
    'skip',
    'like',
    'comment',
    'share',
    'not_interested',
  ];
  const out: FeatureStoreEvent[] = [];
  for (let i = 0; i < n; i++) {
    const type = types[(i * 7) % types.length]!;
    out.push({
      id: `e${i}`,
      type,
      user: `u:${i % 4}`,
      video: videos[(i * 5) % videos.length]!,
      timeMs: T0 + i * 7 * 60_000,
      watchMs: (i * 1_300) % 40_000,
      durationMs: 20_000,
    });
  }
  out.push({ id: 'f1', type: 'follow', user: 'u:1', targetUser: 'a0', timeMs: T0 + n * 7 * 60_000 });
  out.push({ id: 'x1', type: 'mystery', user: 'u:2', video: videos[0]!, timeMs: T0 + n * 7 * 60_000 });
  return out;
}

const users = ['u:0', 'u:1', 'u:2', 'u:3', 'u:nobody'];

async function snapshot(store: FeatureStore, at: number) {
  const state = await store.loadState({
    users,
    videos: videos.map((v) => v.id).concat('v-none'),
    authors: [...new Set(videos.map((v) => v.author))].concat('a-none'),
  });
  const vectors = users.flatMap((u) =>
    videos.map((v) => Array.from(featureVector(state, { id: u, nums: [0.1, 0.2, 0.3, 0.4] }, v, at))),
  );
  return {
    vectors,
    videoStats: [
      ...(await store.videoStats(
        videos.map((v) => v.id),
        at,
      )),
    ],
    authorStats: [...(await store.authorStats(['a0', 'a1', 'a2'], at))],
    history: await Promise.all(users.map((u) => store.history(u))),
  };
}

/**
 * The FeatureStore contract. `makeUrl` names a fresh, empty store on each call; `open` opens a URL
 * (twice for the same URL must reach the same data).
 */
export function describeFeatureStoreContract(
  name: string,
  makeUrl: () => string,
  open: (url: string) => Promise<FeatureStore>,
): void {
  describe(`FeatureStore contract: ${name}`, () => {
    const opened: FeatureStore[] = [];
    const fresh = async (url = makeUrl()) => {
      const s = await open(url);
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('serves the same feature vectors as folding the events in memory with definitions.ts', async () => {
      const store = await fresh();
      const events = stream(120);
      await store.applyEvents(events);
      const oracle = newFeatureState();
      for (const e of events) {
        if (e.video)
          applyEvent(oracle, {
            type: e.type,
            userId: e.user,
            video: e.video,
            timeMs: e.timeMs,
            watchMs: e.watchMs,
            durationMs: e.durationMs,
          });
      }
      const at = T0 + 130 * 7 * 60_000;
      const state = await store.loadState({
        users,
        videos: videos.map((v) => v.id),
        authors: [...new Set(videos.map((v) => v.author))],
      });
      let nonZero = 0;
      for (const u of users) {
        for (const v of videos) {
          const got = featureVector(state, { id: u, nums: [0, 0, 0, 0] }, v, at);
          const want = featureVector(oracle, { id: u, nums: [0, 0, 0, 0] }, v, at);
          expect(Array.from(got)).toEqual(Array.from(want));
          nonZero += got.filter((x) => x !== 0).length;
        }
      }
      expect(got0Length(state)).toBe(FEATURE_NAMES.length);
      expect(nonZero).toBeGreaterThan(0);
    });

    it('is idempotent by event id, across and within batches', async () => {
      const store = await fresh();
      const events = stream(40);
      expect((await store.applyEvents(events)).applied).toBe(events.length);
      const before = await snapshot(store, T0 + 50 * H);
      expect((await store.applyEvents(events.slice(5, 25))).applied).toBe(0);
      expect(await store.applyEvents([events[3]!, events[3]!])).toEqual({ applied: 0, ids: [] });
      expect(await snapshot(store, T0 + 50 * H)).toEqual(before);
    });

    it('rebuilds identical state whatever the batch sizes of the replay', async () => {
      const events = stream(150);
      const a = await fresh();
      await a.applyEvents(events);
      const b = await fresh();
      for (let i = 0; i < events.length; i += 7) await b.applyEvents(events.slice(i, i + 7));
      const at = T0 + 20 * H;
      expect(await snapshot(b, at)).toEqual(await snapshot(a, at));
    });

    it('applies concurrent calls as if one after another, telling each which of its own events were new', async () => {
      const events = stream(150);
      const a = await fresh();
      await a.applyEvents(events);
      const b = await fresh();
      await b.applyEvents(events.slice(0, 10));
      const calls = [];
      for (let i = 0; i < events.length; i += 20) calls.push(b.applyEvents(events.slice(i, i + 20)));
      const results = await Promise.all(calls);
      results.forEach((r, k) => {
        const own = events.slice(k * 20, k * 20 + 20).filter((_, j) => k * 20 + j >= 10);
        expect(r).toEqual({ applied: own.length, ids: own.map((e) => e.id) });
      });
      const at = T0 + 20 * H;
      expect(await snapshot(b, at)).toEqual(await snapshot(a, at));
    });

    it('keeps windowed video stats over the last hour and the last 24 hours', async () => {
      const store = await fresh();
      const v = videos[0]!;
      const ev = (id: string, type: string, timeMs: number): FeatureStoreEvent => ({
        id,
        type,
        user: 'u:9',
        video: v,
        timeMs,
      });
      await store.applyEvents([
        ev('old', 'play_start', T0 - 30 * H),
        ev('p1', 'play_start', T0 - 5 * H),
        ev('c1', 'complete', T0 - 5 * H),
        ev('p2', 'play_start', T0 + 10),
        ev('p3', 'play_start', T0 + 20),
        ev('l1', 'like', T0 + 30),
        ev('s1', 'share', T0 + 40),
      ]);
      const stats = (await store.videoStats([v.id, 'v-none'], T0 + 1000)).get(v.id)!;
      expect(stats).toEqual({
        plays1h: 2,
        plays24h: 3,
        likes1h: 1,
        likes24h: 1,
        completes24h: 1,
        completionRate24h: 1 / 3,
        velocity: 2 + 3 + 5,
      });
      expect((await store.videoStats(['v-none'], T0)).get('v-none')!.plays24h).toBe(0);
      const later = (await store.videoStats([v.id], T0 + 30 * H)).get(v.id)!;
      expect(later.plays24h).toBe(0);
    });

    it('keeps per-author stats, counting follows of the author', async () => {
      const store = await fresh();
      await store.applyEvents([
        { id: '1', type: 'play_start', user: 'u:1', video: videos[0]!, timeMs: T0 },
        { id: '2', type: 'like', user: 'u:1', video: videos[3]!, timeMs: T0 },
        { id: '3', type: 'follow', user: 'u:1', targetUser: 'a0', timeMs: T0 },
      ]);
      const stats = await store.authorStats(['a0', 'a1'], T0 + 1);
      expect(stats.get('a0')).toEqual({ plays24h: 1, likes24h: 1, follows24h: 1 });
      expect(stats.get('a1')).toEqual({ plays24h: 0, likes24h: 0, follows24h: 0 });
    });

    it('keeps the last 50 history entries of a user by what each event meant, oldest first', async () => {
      const store = await fresh();
      const many: V[] = Array.from({ length: 60 }, (_, i) => ({ ...videos[i % videos.length]!, id: `hv${i}` }));
      // Per video: an autoplay start (no entry), then a like, a long view, a swipe after half the clip, or a quick swipe.
      const ends = [
        { type: 'like' },
        { type: 'complete', watchMs: 20_000 },
        { type: 'skip', watchMs: 14_000 },
        { type: 'skip', watchMs: 500 },
      ];
      const events: FeatureStoreEvent[] = many.flatMap((v, i) => [
        { id: `s${i}`, type: 'play_start', user: 'u:7', video: v, timeMs: T0 + 2 * i, durationMs: 20_000 },
        { id: `e${i}`, user: 'u:7', video: v, timeMs: T0 + 2 * i + 1, durationMs: 20_000, ...ends[i % 4]! },
      ]);
      await store.applyEvents(events);
      const history = await store.history('u:7');
      expect(history).toHaveLength(50);
      expect(history[0]).toEqual({ video: 'hv10', kind: 'watch', timeMs: T0 + 21 });
      expect(history.slice(-4).map((h) => h.kind)).toEqual(['like', 'complete', 'watch', 'skip']);
      expect(history.at(-1)).toEqual({ video: 'hv59', kind: 'skip', timeMs: T0 + 119 });
      expect(await store.history('u:nobody')).toEqual([]);
    });

    it('loses no update when two writers (two processes) fold into the same records at once', async () => {
      const url = makeUrl();
      const [a, b] = [await fresh(url), await fresh(url)];
      const v = videos[0]!;
      const batch = (who: string, k: number): FeatureStoreEvent[] =>
        Array.from({ length: 5 }, (_, i) => ({
          id: `${who}-${k}-${i}`,
          type: 'play_start',
          user: `u:${who}${i}`,
          video: v,
          timeMs: T0 + k,
        }));
      const writer = async (store: FeatureStore, who: string) => {
        for (let k = 0; k < 30; k++) await store.applyEvents(batch(who, k));
      };
      await Promise.all([writer(a, 'a'), writer(b, 'b')]);
      // Redelivery of a batch to the other writer is still applied once.
      expect((await b.applyEvents(batch('a', 0))).applied).toBe(0);
      expect((await a.videoStats([v.id], T0 + 100)).get(v.id)!.plays1h).toBe(300);
      expect((await b.authorStats([v.author], T0 + 100)).get(v.author)!.plays24h).toBe(300);
    });

    it('keeps state across close and reopen', async () => {
      const url = makeUrl();
      const a = await fresh(url);
      await a.applyEvents(stream(30));
      const at = T0 + 10 * H;
      const before = await snapshot(a, at);
      await a.close();
      const b = await fresh(url);
      expect(await snapshot(b, at)).toEqual(before);
      expect((await b.applyEvents(stream(30))).applied).toBe(0);
    });
  });
}

function got0Length(state: Awaited<ReturnType<FeatureStore['loadState']>>): number {
  return featureVector(state, { id: 'x', nums: [] }, videos[0]!, T0).length;
}
