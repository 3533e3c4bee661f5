import { describe, expect, it } from 'vitest';
import { actorKey, engagementEventSchema, toPlatformEvent } from './events.ts';

describe('engagement events', () => {
  const base = { v: 1 as const, id: 'e1', actor: 'u:alice', userId: 'alice', videoId: 'v1', ts: 5 };

  it('maps logged events to the training loader’s shape, keyed by actor', () => {
    expect(toPlatformEvent({ ...base, type: 'complete', watchMs: 900, durationMs: 1000 })).toEqual({
      type: 'complete',
      userId: 'u:alice',
      videoId: 'v1',
      timeMs: 5,
      watchMs: 900,
      durationMs: 1000,
    });
    expect(toPlatformEvent({ ...base, type: 'unlike' })).toBeUndefined();
    expect(toPlatformEvent({ v: 1, id: 'f', type: 'follow', actor: 'u:a', targetUserId: 'b', ts: 1 })).toBeUndefined();
  });

  it('rejects values that are not engagement events', () => {
    for (const bad of [
      null,
      'x',
      { ...base },
      { ...base, type: 'like', actor: 'alice' },
      { ...base, type: 'like', ts: -1 },
    ]) {
      expect(engagementEventSchema.safeParse(bad).success).toBe(false);
    }
    expect(engagementEventSchema.safeParse({ ...base, type: 'like' }).success).toBe(true);
  });

  it('keys users and devices apart', () => {
    expect(actorKey({ userId: 'a', deviceId: 'd' })).toBe('u:a');
    expect(actorKey({ deviceId: 'd' })).toBe('d:d');
    expect(() => actorKey({})).toThrow(TypeError);
  });
});
