import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { type ClientEvent, clientEventBatchSchema, clientEventsService } from './client-events.service.ts';
import { ENGAGEMENT_TOPIC, type EngagementEvent } from './events.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

const ev = (id: string, extra: Partial<ClientEvent> = {}): ClientEvent => ({
  client_event_id: id,
  type: 'progress',
  video_id: 'v1',
  watch_ms: 3000,
  ...extra,
});

describe('client events service', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    await f.addVideo('v1', 'bob');
  });
  afterEach(() => f.close());

  it('appends new events and drops repeats of a client event id, within and across batches', async () => {
    const svc = clientEventsService(f);
    expect(await svc.ingest({ userId: 'alice' }, [ev('a'), ev('b'), ev('a')])).toEqual({
      accepted: 2,
      duplicates: 1,
      dropped: 0,
    });
    expect(await svc.ingest({ userId: 'alice' }, [ev('b'), ev('c')])).toEqual({
      accepted: 1,
      duplicates: 1,
      dropped: 0,
    });
    // Another actor may reuse an id: dedup is per actor.
    expect(await svc.ingest({ deviceId: 'dev-1' }, [ev('a')])).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    const logged = await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10);
    const values = logged.map((l) => l.value as EngagementEvent);
    expect(values.map((v) => v.id)).toEqual(['u:alice:a', 'u:alice:b', 'u:alice:c', 'd:dev-1:a']);
    expect(values[3]).toMatchObject({
      actor: 'd:dev-1',
      type: 'progress',
      videoId: 'v1',
      watchMs: 3000,
      ts: f.clock.now(),
    });
    expect(values[3]!.userId).toBeUndefined();
  });

  it('forgets the dedup markers of a batch the log refused, so the retry is accepted', async () => {
    const svc = clientEventsService(f);
    await f.events.close();
    const err = await svc.ingest({ userId: 'alice' }, [ev('a')]).catch((e) => e);
    expect(isAppError(err, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect(await f.cache.get('ce:u:alice:a')).toBeUndefined();
  });

  it('validates batches: 1 to 100 events, known types, no unknown fields', () => {
    const ok = (body: unknown) => clientEventBatchSchema.safeParse(body).success;
    expect(ok({ events: [ev('a')] })).toBe(true);
    expect(ok({ events: [] })).toBe(false);
    expect(ok({ events: Array.from({ length: 101 }, (_, i) => ev(`e${i}`)) })).toBe(false);
    expect(ok({ events: [{ ...ev('a'), type: 'teleport' }] })).toBe(false);
    expect(ok({ events: [{ ...ev('a'), extra: 1 }] })).toBe(false);
    expect(ok({ events: [{ ...ev('a'), watch_ms: -1 }] })).toBe(false);
    expect(ok({ events: [{ ...ev('a'), client_event_id: 'has space' }] })).toBe(false);
  });
});
