import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { applyRetention } from './retention.service.ts';
import { readServed, type ServedItem, ServeLog } from './serve-log.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

const T = 1_800_000_000_000;
const HOUR = 3_600_000;

const served = (n: number, at: number, tag: string): ServedItem[] =>
  Array.from({ length: n }, (_, i) => ({
    requestId: `${tag}${Math.floor(i / 10)}`,
    position: i % 10,
    userId: 'alice',
    videoId: `v${i}`,
    modelVersion: 'm',
    indexVersion: 'i',
    propensity: null,
    features: {},
    servedAt: at,
  }));

describe('log retention', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
  });
  afterEach(() => f.close());

  it('deletes served items and consumed events past their retention, and keeps the rest', async () => {
    const log = new ServeLog(f, { flushMs: 60_000 });
    log.log([...served(12_000, T - 3 * HOUR, 'old'), ...served(30, T - HOUR / 2, 'new')]);
    await log.close();
    await f.events.append(ENGAGEMENT_TOPIC, [
      ...Array.from({ length: 8 }, (_, i) => ({ key: 'alice', value: { i }, timestamp: T - 3 * HOUR })),
      { key: 'alice', value: { i: 8 }, timestamp: T - HOUR / 2 },
    ]);
    const sub = await f.events.subscribe({ topic: ENGAGEMENT_TOPIC, group: 'all-read', handler: async () => {} });
    const caughtUp = async () => (await f.events.committed(ENGAGEMENT_TOPIC, 'all-read'))[0] === 9;
    while (!(await caughtUp())) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();

    const r = await applyRetention(f, T, { serveLogMs: HOUR, eventLogMs: HOUR });
    expect(r).toEqual({ servedItems: 12_000, events: 8 });
    expect((await readServed(f.metadata, 0, T * 2)).map((s) => s.requestId)).toEqual(
      served(30, 0, 'new').map((s) => s.requestId),
    );
    expect((await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 100)).map((e) => e.value)).toEqual([{ i: 8 }]);
  });

  it('keeps everything when the retention is 0', async () => {
    const log = new ServeLog(f, { flushMs: 60_000 });
    log.log(served(5, T - 100 * HOUR, 'old'));
    await log.close();
    expect(await applyRetention(f, T, { serveLogMs: 0, eventLogMs: 0 })).toEqual({ servedItems: 0, events: 0 });
    expect(await readServed(f.metadata, 0, T)).toHaveLength(5);
  });
});
