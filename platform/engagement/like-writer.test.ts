import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { LikeWriter } from './like-writer.ts';
import { likesService } from './likes.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

describe('like writer (group commit of likes)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    for (const u of ['alice', 'bob', 'carol']) await f.addUser(u);
    for (let i = 0; i < 20; i++) await f.addVideo(`v${i}`, 'bob');
  });
  afterEach(() => f.close());

  it('commits concurrent likes in fewer transactions, each durable and logged once, counts exact', async () => {
    const likes = likesService(f);
    const users = ['alice', 'bob', 'carol'];
    const all = users.flatMap((u) => Array.from({ length: 20 }, (_, i) => likes.like(u, `v${i}`)));
    // The same like twice at once: recorded and logged once, both answer liked.
    all.push(likes.like('alice', 'v0'));
    const results = await Promise.all(all);
    expect(results.every((r) => r.liked)).toBe(true);
    expect(likes.stats().groups).toBeLessThan(10);
    const rows = await f.metadata.all<{ n: number }>('SELECT COUNT(*) AS n FROM likes');
    expect(Number(rows[0]!.n)).toBe(60);
    const logged = await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 1000);
    expect(logged.filter((e) => (e.value as { type: string }).type === 'like')).toHaveLength(60);
    const counts = await f.counters.get(['v0', 'v5']);
    expect(counts.get('v0')!.likes).toBe(3);
    expect(counts.get('v5')!.likes).toBe(3);
    // Bob's likes of his own videos notify nobody; alice's and carol's notify bob.
    const notes = await f.metadata.all<{ n: number }>("SELECT COUNT(*) AS n FROM notifications WHERE type = 'like'");
    expect(Number(notes[0]!.n)).toBe(40);
  });

  it('keeps the order of a like and an unlike of one pair made at once', async () => {
    const likes = likesService(f, { concurrency: 1 });
    const [a, b, c] = await Promise.all([
      likes.like('alice', 'v1'),
      likes.unlike('alice', 'v1'),
      likes.like('carol', 'v1'),
    ]);
    expect(a.liked).toBe(true);
    expect(b).toEqual({ liked: false, like_count: 1 });
    expect(c.liked).toBe(true);
    const types = (await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10)).map((e) => (e.value as { type: string }).type);
    expect(types.sort()).toEqual(['like', 'like', 'unlike']);
    expect((await f.counters.get(['v1'])).get('v1')!.likes).toBe(1);
  });

  it('answers 503 to a whole group at once when the event log refuses its append, recording nothing', async () => {
    const w = new LikeWriter(f, { concurrency: 1 });
    await f.events.close();
    const all = Array.from({ length: 6 }, (_, i) => w.set('carol', `v${i}`, true).catch((e: unknown) => e));
    for (const err of await Promise.all(all)) expect(isAppError(err, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect(await f.metadata.all('SELECT * FROM likes')).toEqual([]);
    expect(await f.metadata.all('SELECT * FROM notifications')).toEqual([]);
  });

  it('fails only the like that cannot be made, the rest of its group commits', async () => {
    const w = new LikeWriter(f, { concurrency: 1 });
    const first = w.set('alice', 'v0', true);
    const rest = Array.from({ length: 5 }, (_, i) => w.set('carol', `v${i}`, true));
    const missing = w.set('carol', 'nope', true).catch((e: unknown) => e);
    expect((await first).like_count).toBe(1);
    expect((await Promise.all(rest)).map((r) => r.like_count)).toEqual([2, 1, 1, 1, 1]);
    expect(isAppError(await missing, 'VIDEO_NOT_FOUND')).toBe(true);
    // The first ran alone; the six behind it shared one group (the missing video refused before its transaction).
    expect(w.groups).toBe(2);
    expect(w.writes).toBe(6);
  });
});
