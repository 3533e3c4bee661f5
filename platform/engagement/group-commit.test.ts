import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { GroupCommit } from './group-commit.ts';
import { likesService } from './likes.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

describe('group commit', () => {
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
    // The same like twice in one group: recorded and logged once.
    all.push(likes.like('alice', 'v0'));
    const results = await Promise.all(all);
    expect(results.every((r) => r.liked)).toBe(true);
    const rows = await f.metadata.all<{ n: number }>('SELECT COUNT(*) AS n FROM likes');
    expect(Number(rows[0]!.n)).toBe(60);
    const logged = await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 1000);
    expect(logged.filter((e) => (e.value as { type: string }).type === 'like')).toHaveLength(60);
    const counts = await f.counters.get(['v0', 'v5']);
    expect(counts.get('v0')!.likes).toBe(3);
    expect(counts.get('v5')!.likes).toBe(3);
  });

  it('groups writes that wait behind a commit, and fails only the write that throws', async () => {
    const g = new GroupCommit(f, { concurrency: 1 });
    const ok = (i: number) =>
      g.run(async (tx) => {
        await tx.run('INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, 1)', ['alice', `v${i}`]);
        return { result: i, events: [] };
      });
    const bad = g.run(async (tx) => {
      await tx.run('INSERT INTO likes (user_id, video_id, created_at) VALUES ($1, $2, 1)', ['alice', 'v1']);
      await tx.run('INSERT INTO no_such_table VALUES (1)');
      return { result: -1, events: [] };
    });
    const rest = Array.from({ length: 10 }, (_, i) => ok(i));
    await expect(bad).rejects.toThrow(/no_such_table/);
    expect(await Promise.all(rest)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rows = await f.metadata.all<{ video_id: string }>('SELECT video_id FROM likes ORDER BY video_id');
    expect(rows).toHaveLength(10);
    // The first write ran alone, the next eleven shared one transaction, which was retried one by one.
    expect(g.writes).toBe(10);
  });
});
