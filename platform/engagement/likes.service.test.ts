import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors/registry.ts';
import { ENGAGEMENT_TOPIC } from './events.ts';
import { likesService } from './likes.service.ts';
import { type Fixture, openFixture } from './testing/fixture.ts';

describe('likes service', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await openFixture();
    await f.addUser('alice');
    await f.addUser('bob');
    await f.addVideo('v1', 'bob');
    await f.addVideo('secret', 'bob', { privacy: 'private' });
  });
  afterEach(() => f.close());

  it('likes once however often it is asked, recording one row, one event and one count', async () => {
    const likes = likesService(f);
    expect(await likes.like('alice', 'v1')).toEqual({ liked: true, like_count: 1 });
    expect(await likes.like('alice', 'v1')).toEqual({ liked: true, like_count: 1 });
    const rows = await f.metadata.all('SELECT user_id FROM likes WHERE video_id = $1', ['v1']);
    expect(rows).toHaveLength(1);
    const logged = await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10);
    expect(logged.map((e) => (e.value as { type: string }).type)).toEqual(['like']);
    expect(logged[0]!.key).toBe('u:alice');
  });

  it('unlikes idempotently and counts down', async () => {
    const likes = likesService(f);
    await likes.like('alice', 'v1');
    await likes.like('bob', 'v1');
    expect(await likes.unlike('alice', 'v1')).toEqual({ liked: false, like_count: 1 });
    expect(await likes.unlike('alice', 'v1')).toEqual({ liked: false, like_count: 1 });
    const types = (await f.events.read(ENGAGEMENT_TOPIC, 0, 0, 10)).map((e) => (e.value as { type: string }).type);
    expect(types).toEqual(['like', 'like', 'unlike']);
  });

  it('answers 404 VIDEO_NOT_FOUND for a missing video and for a private video of another user', async () => {
    const likes = likesService(f);
    for (const id of ['nope', 'secret']) {
      const err = await likes.like('alice', id).catch((e: unknown) => e);
      expect(isAppError(err, 'VIDEO_NOT_FOUND')).toBe(true);
    }
    expect(await likes.like('bob', 'secret')).toEqual({ liked: true, like_count: 1 });
  });

  it('records nothing when the event log refuses the append, and says 503', async () => {
    const likes = likesService(f);
    await f.events.close();
    const err = await likes.like('alice', 'v1').catch((e: unknown) => e);
    expect(isAppError(err, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect(await f.metadata.all('SELECT * FROM likes')).toEqual([]);
  });
});
