import { describe, expect, it } from 'vitest';
import { eventsToExamples, type PlatformEngagementEvent } from './events.loader.ts';

const ev = (
  type: PlatformEngagementEvent['type'],
  userId: string,
  videoId: string,
  timeMs: number,
  extra: Partial<PlatformEngagementEvent> = {},
) => ({ type, userId, videoId, timeMs, ...extra }) as PlatformEngagementEvent;

describe('eventsToExamples', () => {
  it('joins later events to their impression regardless of arrival order', () => {
    const events = [
      ev('like', 'alice', 'v1', 5_000),
      ev('complete', 'alice', 'v1', 40_000, { watchMs: 30_000, durationMs: 30_000 }),
      ev('impression', 'bob', 'v1', 2_000, { durationMs: 10_000 }),
      ev('play_start', 'alice', 'v1', 1_500),
      ev('impression', 'alice', 'v1', 1_000, { durationMs: 30_000 }),
      ev('skip', 'bob', 'v1', 4_000, { watchMs: 3_000 }),
    ];
    const { examples, userIndex, orphanEvents } = eventsToExamples(events);
    expect(orphanEvents).toBe(0);
    expect(examples).toHaveLength(2);
    const alice = examples.find((e) => e.user === userIndex.get('alice'))!;
    expect(alice.timeMs).toBe(1_000);
    expect(alice.labels).toMatchObject({ click: 1, like: 1, longView: 1, watchRatio: 1 });
    const bob = examples.find((e) => e.user === userIndex.get('bob'))!;
    expect(bob.labels).toMatchObject({ click: 1, like: 0, longView: 0 });
    expect(bob.labels.watchRatio).toBeCloseTo(0.3);
  });

  it('gives each impression of a pair only the events before the next one', () => {
    const { examples } = eventsToExamples([
      ev('impression', 'u', 'v', 0, { durationMs: 10_000 }),
      ev('impression', 'u', 'v', 100_000, { durationMs: 10_000 }),
      ev('like', 'u', 'v', 100_500),
      ev('not_interested', 'u', 'v', 500),
    ]);
    expect(examples.map((e) => [e.labels.hate, e.labels.like])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('counts events outside the session window or without an impression as orphans', () => {
    const { examples, orphanEvents } = eventsToExamples(
      [ev('impression', 'u', 'v', 0), ev('like', 'u', 'v', 61_000), ev('share', 'u', 'w', 10)],
      { sessionWindowMs: 60_000 },
    );
    expect(orphanEvents).toBe(2);
    expect(examples[0]!.labels.like).toBe(0);
  });

  it('extends given id maps without mutating them', () => {
    const users = new Map([['known', 7]]);
    const { examples, userIndex } = eventsToExamples(
      [ev('impression', 'known', 'v', 0), ev('impression', 'new', 'v', 1)],
      {
        userIndex: users,
      },
    );
    expect(examples[0]!.user).toBe(7);
    expect(userIndex.get('new')).toBe(1);
    expect(users.size).toBe(1);
  });

  it('rejects an unknown event type', () => {
    expect(() => eventsToExamples([ev('teleport' as never, 'u', 'v', 0)])).toThrow(/unknown event type "teleport"/);
  });
});
