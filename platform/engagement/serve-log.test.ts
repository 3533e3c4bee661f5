import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JoinEvent, joinServedWithEngagement, readServed, type ServedItem, ServeLog } from './serve-log.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

const T = 1_800_000_000_000;
const MIN = 60_000;

const item = (
  requestId: string,
  position: number,
  videoId: string,
  servedAt: number,
  userId = 'alice',
): ServedItem => ({
  requestId,
  position,
  userId,
  videoId,
  modelVersion: 'rank-3',
  indexVersion: 'idx-7',
  propensity: 0.25,
  features: { x_author_affinity: 0.5 },
  servedAt,
});

describe('serve log', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
  });
  afterEach(() => f.close());

  it('writes served items in batches and reads them back with their versions and features', async () => {
    const log = new ServeLog(f, { maxBatch: 1000, flushMs: 60_000 });
    const items = Array.from({ length: 250 }, (_, i) => item(`r${Math.floor(i / 10)}`, i % 10, `v${i}`, T + i));
    log.log(items);
    expect(await readServed(f.metadata, 0, T * 2)).toEqual([]);
    expect(await log.flush()).toBe(250);
    log.log([items[0]!]);
    await log.close();
    const back = await readServed(f.metadata, 0, T * 2);
    expect(back).toHaveLength(250);
    expect(back[7]).toEqual(items[7]);
  });

  it('keeps items for the next flush when the store fails', async () => {
    const log = new ServeLog(f, { maxBatch: 1000, flushMs: 60_000 });
    log.log([item('r1', 0, 'v1', T)]);
    await f.metadata.run('ALTER TABLE served_items RENAME TO served_items_away');
    await expect(log.flush()).rejects.toThrow();
    await f.metadata.run('ALTER TABLE served_items_away RENAME TO served_items');
    expect(await log.flush()).toBe(1);
    await log.close();
  });
});

describe('joinServedWithEngagement', () => {
  const served = [
    item('r1', 0, 'v1', T),
    item('r1', 1, 'v2', T),
    item('r2', 0, 'v1', T + 20 * MIN),
    item('r1', 2, 'v3', T),
  ];
  const ev = (type: string, videoId: string, ts: number, extra: Partial<JoinEvent> = {}): JoinEvent => ({
    type,
    user: 'alice',
    videoId,
    ts,
    ...extra,
  });

  it('labels each serve with the later engagement only, whatever order the events arrive in', () => {
    const events = [
      ev('like', 'v1', T + 25 * MIN), // after the second serve of v1: belongs to r2
      ev('complete', 'v2', T + 2 * MIN, { watchMs: 20_000, durationMs: 20_000 }),
      ev('like', 'v2', T - MIN), // before the serve: must not count
      ev('play_start', 'v1', T + MIN),
      ev('progress', 'v1', T + 2 * MIN, { watchMs: 5_000, durationMs: 40_000 }),
      ev('share', 'v2', T + 31 * MIN), // outside the 30 min window
      ev('like', 'v1', T + MIN, { user: 'bob' }), // another user
      ev('follow', 'v3', T + 3 * MIN, { videoId: undefined, targetUserId: 'carol' }),
      ev('not_interested', 'v3', T + 4 * MIN),
    ];
    const opts = { asOfMs: T + 120 * MIN, authorOf: new Map([['v3', 'carol']]) };
    const a = joinServedWithEngagement(served, events, opts);
    const b = joinServedWithEngagement(served, [...events].reverse(), opts);
    expect(b).toEqual(a);
    const by = new Map(a.map((x) => [`${x.requestId}/${x.position}`, x.labels]));
    expect(by.get('r1/0')).toMatchObject({ click: 1, like: 0, longView: 0, watchRatio: 5_000 / 40_000 });
    expect(by.get('r2/0')).toMatchObject({ click: 0, like: 1 });
    expect(by.get('r1/1')).toMatchObject({ click: 1, longView: 1, like: 0, forward: 0, watchRatio: 1 });
    expect(by.get('r1/2')).toMatchObject({ follow: 1, hate: 1, click: 0 });
    expect(a[0]).toMatchObject({ modelVersion: 'rank-3', indexVersion: 'idx-7', propensity: 0.25 });
  });

  it('holds back serves whose label window has not closed yet', () => {
    const out = joinServedWithEngagement(served, [], { asOfMs: T + 40 * MIN });
    expect(out.map((x) => x.requestId + x.position)).toEqual(['r10', 'r11', 'r12']);
  });
});
