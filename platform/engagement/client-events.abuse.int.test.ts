import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.ts';
import { buildTestApp } from '../api/testing/harness.ts';
import { featuresConsumer } from './consumers/features.consumer.ts';
import { consumerHandler } from './consumers/runner.ts';
import { viewsConsumer } from './consumers/views.consumer.ts';
import { VideoCounters } from './counters.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent } from './events.ts';

/**
 * Faked views and watch time through POST /events: events for videos the sender cannot see, stamped
 * in the future, or from made-up anonymous devices never reach the log, and absurd watch times are
 * clamped, so they move no counter and no feature.
 */
describe('POST /events against faked views and watch time', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let mallory = '';
  let counters: VideoCounters;
  const privateVideo = newId();
  const draft = newId();
  const shortClip = newId();
  const anonClip = newId();
  const longVideo = newId();

  const send = (events: unknown[], headers: Record<string, string>, ip = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { events }, remoteAddress: ip });
  const addVideo = (id: string, author: string, privacy: string, status: string, durationMs: number) =>
    t.deps.metadata.run(
      `INSERT INTO videos (id, author_id, privacy, status, duration_ms, hashtags, created_at)
       VALUES ($1, $2, $3, $4, $5, '[]', $6)`,
      [id, author, privacy, status, durationMs, Date.now()],
    );
  /** Runs the views and features consumers over the whole log, as the background workers would. */
  async function consumeAll(): Promise<EngagementEvent[]> {
    const batch = await t.deps.events.read(ENGAGEMENT_TOPIC, 0, 0, 10_000);
    const deps = { ...t.deps, counters };
    await consumerHandler(deps, viewsConsumer(deps))(batch);
    await consumerHandler(deps, featuresConsumer(deps))(batch);
    return batch.map((b) => b.value as EngagementEvent);
  }

  beforeAll(async () => {
    t = await buildTestApp('embedded', 'events-abuse', {
      RATE_LIMIT_IP_PER_MIN: '100000',
      RATE_LIMIT_USER_PER_MIN: '100000',
      ANON_DEVICES_PER_IP_PER_HOUR: '3',
    });
    counters = new VideoCounters(t.deps);
    const reg = async (handle: string) =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { handle, password: 'long enough pw' },
        })
      ).json() as { token: string; user: { id: string } };
    const alice = await reg('alice_author');
    const m = await reg('mallory');
    mallory = m.token;
    await addVideo(privateVideo, alice.user.id, 'private', 'ready', 30_000);
    await addVideo(draft, alice.user.id, 'public', 'uploading', 30_000);
    await addVideo(shortClip, alice.user.id, 'public', 'ready', 3000);
    await addVideo(anonClip, alice.user.id, 'public', 'ready', 10_000);
    await addVideo(longVideo, alice.user.id, 'public', 'ready', 1_200_000);
  });
  afterAll(async () => t?.cleanup());

  it('drops events for a private video and a draft of another user: no view, no feature', async () => {
    const events = [privateVideo, draft].flatMap((v) =>
      ['play_start', 'progress', 'complete'].map((type, i) => ({
        client_event_id: `${v}-${i}`,
        type,
        video_id: v,
        watch_ms: 5000,
      })),
    );
    const res = await send(events, { authorization: `Bearer ${mallory}` });
    expect([res.statusCode, res.json()]).toEqual([202, { accepted: 0, duplicates: 0, dropped: 6 }]);
    const logged = await consumeAll();
    expect(logged.filter((e) => e.videoId === privateVideo || e.videoId === draft)).toEqual([]);
    const counts = await counters.get([privateVideo, draft]);
    expect([counts.get(privateVideo)?.views ?? 0, counts.get(draft)?.views ?? 0]).toEqual([0, 0]);
    const stats = await t.deps.featureStore.videoStats([privateVideo, draft], Date.now());
    expect([stats.get(privateVideo)?.plays24h ?? 0, stats.get(draft)?.plays24h ?? 0]).toEqual([0, 0]);
  });

  it('clamps 24 h of watch time on a 3 s video to 3 s, and per actor to the wall clock', async () => {
    const res = await send(
      [{ client_event_id: 'long', type: 'progress', video_id: shortClip, watch_ms: 24 * 3_600_000, duration_ms: 1 }],
      { authorization: `Bearer ${mallory}` },
    );
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    // Thousands of full plays in one go outrun the clock: past 2 h of watch per hour, the rest counts 0.
    // Each play is a view of its own (play_start, then its running total), 50 plays per batch.
    const plays = (b: number) =>
      Array.from({ length: 50 }, (_, i) => [
        { client_event_id: `start-${b}-${i}`, type: 'play_start', video_id: shortClip },
        { client_event_id: `loop-${b}-${i}`, type: 'progress', video_id: shortClip, watch_ms: 3000 },
      ]).flat();
    for (let b = 0; b < 60; b++) await send(plays(b), { authorization: `Bearer ${mallory}` });
    const logged = (await consumeAll()).filter((e) => e.videoId === shortClip);
    expect(logged[0]).toMatchObject({ watchMs: 3000, durationMs: 3000 });
    const total = logged.reduce((s, e) => s + (e.watchMs ?? 0), 0);
    // 3 s + 3,000 plays of 3 s = 9,003 s claimed; 2 h (7,200 s) is what one hour of wall clock allows.
    expect(total).toBe(7_200_000);
    expect(Math.max(...logged.map((e) => e.watchMs ?? 0))).toBeLessThanOrEqual(3000);
  });

  it('charges a long view by its increases, not by every repeat of its running total', async () => {
    // 3 x 20 min of watching, a progress every 10 s with the view's running total (as the web client
    // sends): 1 h of real watching fits the 2 h budget, so every total is stored as sent. Summing the
    // repeated totals instead would charge 3 x 2,420 min and cut the views after about 6 min.
    const viewer = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { handle: 'heavy_viewer', password: 'long enough pw' },
      })
    ).json() as { token: string };
    const sent: number[] = [];
    for (let view = 0; view < 3; view++) {
      const events: unknown[] = [{ client_event_id: `lv-${view}-start`, type: 'play_start', video_id: longVideo }];
      for (let s = 1; s <= 120; s++) {
        events.push({
          client_event_id: `lv-${view}-${s}`,
          type: 'progress',
          video_id: longVideo,
          watch_ms: s * 10_000,
        });
        sent.push(s * 10_000);
      }
      for (let i = 0; i < events.length; i += 50) {
        const res = await send(events.slice(i, i + 50), { authorization: `Bearer ${viewer.token}` });
        expect(res.json()).toMatchObject({ dropped: 0 });
      }
    }
    // Resending a running total adds nothing to the budget either.
    await send([{ client_event_id: 'lv-again', type: 'progress', video_id: longVideo, watch_ms: 1_200_000 }], {
      authorization: `Bearer ${viewer.token}`,
    });
    const logged = (await consumeAll()).filter((e) => e.videoId === longVideo && e.type === 'progress');
    expect(logged.map((e) => e.watchMs)).toEqual([...sent, 1_200_000]);
    // The feature store reads the running totals as such (the most watched in each view), so these views are long views.
    expect((await t.deps.featureStore.history(logged[0]!.actor)).map((h) => h.video)).toContain(longVideo);
  });

  it('drops events stamped more than five minutes in the future', async () => {
    const res = await send(
      [{ client_event_id: 'future', type: 'play_start', video_id: anonClip, ts: Date.now() + 3_600_000 }],
      { authorization: `Bearer ${mallory}` },
    );
    expect(res.json()).toEqual({ accepted: 0, duplicates: 0, dropped: 1 });
  });

  it('counts views from at most 3 new anonymous devices per address per hour', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await send([{ client_event_id: 'p', type: 'complete', video_id: anonClip }], {
        'x-device-id': `fake-${i}`,
      });
      expect(res.statusCode).toBe(202);
    }
    // A device already counted keeps counting; another address has its own budget.
    expect(
      (
        await send([{ client_event_id: 'q', type: 'progress', video_id: anonClip, watch_ms: 4000 }], {
          'x-device-id': 'fake-1',
        })
      ).json(),
    ).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect(
      (
        await send(
          [{ client_event_id: 'p', type: 'complete', video_id: anonClip }],
          { 'x-device-id': 'other' },
          '10.0.0.2',
        )
      ).json(),
    ).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    await consumeAll();
    expect((await counters.get([anonClip])).get(anonClip)?.views).toBe(4);
    // The made-up devices past the budget left no history behind; the first ones did.
    expect((await t.deps.featureStore.history('d:fake-0')).length).toBeGreaterThan(0);
    expect(await t.deps.featureStore.history('d:fake-10')).toEqual([]);
  });
});
