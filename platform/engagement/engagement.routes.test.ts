import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fixture, openFixture } from './testing/fixture.ts';
import { buildTestApp } from './testing/test-app.ts';

type Method = 'GET' | 'POST' | 'DELETE';

describe('engagement routes', () => {
  let f: Fixture;
  let app: FastifyInstance;
  beforeEach(async () => {
    f = await openFixture();
    for (const u of ['alice', 'bob']) await f.addUser(u);
    await f.addVideo('v1', 'bob');
    app = await buildTestApp(f);
  });
  afterEach(async () => {
    await app.close();
    await f.close();
  });

  const call = (
    method: Method,
    url: string,
    opts: { user?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: {
        ...(opts.user ? { 'x-test-user': opts.user } : {}),
        ...(opts.raw !== undefined || opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.raw !== undefined
        ? { payload: opts.raw }
        : opts.body !== undefined
          ? { payload: JSON.stringify(opts.body) }
          : {}),
    });

  it('likes, comments, shares, follows and shows the profile through HTTP', async () => {
    expect((await call('POST', '/videos/v1/like', { user: 'alice' })).json()).toEqual({ liked: true, like_count: 1 });
    const c = await call('POST', '/videos/v1/comments', { user: 'alice', body: { content: ' nice ' } });
    expect(c.statusCode).toBe(201);
    expect(c.json()).toMatchObject({ content: 'nice', user: { id: 'alice' } });
    const page = await call('GET', '/videos/v1/comments?limit=1');
    expect(page.json()).toMatchObject({ items: [{ content: 'nice' }], next_cursor: null });
    expect((await call('POST', '/videos/v1/share', { user: 'alice', body: { channel: 'sms' } })).statusCode).toBe(201);
    expect((await call('POST', '/users/bob/follow', { user: 'alice' })).json()).toEqual({
      following: true,
      requested: false,
      follower_count: 1,
    });
    expect((await call('GET', '/users/bob', { user: 'alice' })).json()).toMatchObject({
      follower_count: 1,
      video_count: 1,
      followed_by_viewer: true,
    });
    expect((await call('DELETE', `/comments/${c.json().id}`, { user: 'alice' })).statusCode).toBe(204);
    expect((await call('DELETE', '/users/bob/follow', { user: 'alice' })).json()).toEqual({
      following: false,
      requested: false,
      follower_count: 0,
    });
    expect((await call('DELETE', '/videos/v1/like', { user: 'alice' })).json()).toEqual({
      liked: false,
      like_count: 0,
    });
  });

  it('accepts client events from a signed-in user or an X-Device-Id, answering 202 with duplicates counted', async () => {
    const body = { events: [{ client_event_id: 'e1', type: 'impression', video_id: 'v1' }] };
    const first = await call('POST', '/events', { headers: { 'x-device-id': 'dev-1' }, body });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect((await call('POST', '/events', { headers: { 'x-device-id': 'dev-1' }, body })).json()).toEqual({
      accepted: 0,
      duplicates: 1,
      dropped: 0,
    });
    expect((await call('POST', '/events', { user: 'alice', body })).json()).toEqual({
      accepted: 1,
      duplicates: 0,
      dropped: 0,
    });
    const anon = await call('POST', '/events', { body });
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error.code).toBe('UNAUTHENTICATED');
  });

  const ev = { client_event_id: 'e1', type: 'impression', video_id: 'v1' };
  const cases: [
    string,
    Method,
    string,
    { user?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
    number,
    string,
  ][] = [
    ['like without a session', 'POST', '/videos/v1/like', {}, 401, 'UNAUTHENTICATED'],
    ['like of an unknown video', 'POST', '/videos/nope/like', { user: 'alice' }, 404, 'VIDEO_NOT_FOUND'],
    ['like with a malformed id', 'POST', '/videos/bad%20id!/like', { user: 'alice' }, 400, 'VALIDATION_FAILED'],
    [
      'like with an over-long id',
      'POST',
      `/videos/${'x'.repeat(65)}/like`,
      { user: 'alice' },
      400,
      'VALIDATION_FAILED',
    ],
    ['unlike of an unknown video', 'DELETE', '/videos/nope/like', { user: 'alice' }, 404, 'VIDEO_NOT_FOUND'],
    ['comment without a body', 'POST', '/videos/v1/comments', { user: 'alice' }, 400, 'VALIDATION_FAILED'],
    [
      'comment with invalid JSON',
      'POST',
      '/videos/v1/comments',
      { user: 'alice', raw: '{"content":' },
      400,
      'INVALID_JSON',
    ],
    [
      'comment that is blank',
      'POST',
      '/videos/v1/comments',
      { user: 'alice', body: { content: '   ' } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'comment too long',
      'POST',
      '/videos/v1/comments',
      { user: 'alice', body: { content: 'x'.repeat(501) } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'comment of the wrong type',
      'POST',
      '/videos/v1/comments',
      { user: 'alice', body: { content: 42 } },
      400,
      'VALIDATION_FAILED',
    ],
    ['comment as an array body', 'POST', '/videos/v1/comments', { user: 'alice', body: [] }, 400, 'VALIDATION_FAILED'],
    [
      'reply to an unknown parent',
      'POST',
      '/videos/v1/comments',
      { user: 'alice', body: { content: 'x', parent_id: 'nope' } },
      404,
      'COMMENT_NOT_FOUND',
    ],
    [
      'comment on an unknown video',
      'POST',
      '/videos/nope/comments',
      { user: 'alice', body: { content: 'x' } },
      404,
      'VIDEO_NOT_FOUND',
    ],
    ['comments with a bad cursor', 'GET', '/videos/v1/comments?cursor=abc', {}, 400, 'INVALID_CURSOR'],
    ['comments with a bad limit', 'GET', '/videos/v1/comments?limit=0', {}, 400, 'VALIDATION_FAILED'],
    ['comments with a non-numeric limit', 'GET', '/videos/v1/comments?limit=ten', {}, 400, 'VALIDATION_FAILED'],
    ['delete an unknown comment', 'DELETE', '/comments/nope', { user: 'alice' }, 404, 'COMMENT_NOT_FOUND'],
    ['delete a comment without a session', 'DELETE', '/comments/nope', {}, 401, 'UNAUTHENTICATED'],
    [
      'share to an unknown channel',
      'POST',
      '/videos/v1/share',
      { user: 'alice', body: { channel: 'fax' } },
      400,
      'VALIDATION_FAILED',
    ],
    ['share without a body', 'POST', '/videos/v1/share', { user: 'alice' }, 400, 'VALIDATION_FAILED'],
    ['follow yourself', 'POST', '/users/alice/follow', { user: 'alice' }, 400, 'VALIDATION_FAILED'],
    ['follow an unknown user', 'POST', '/users/ghost/follow', { user: 'alice' }, 404, 'USER_NOT_FOUND'],
    ['unfollow without a session', 'DELETE', '/users/bob/follow', {}, 401, 'UNAUTHENTICATED'],
    ['profile of an unknown user', 'GET', '/users/ghost', {}, 404, 'USER_NOT_FOUND'],
    ['events without a body', 'POST', '/events', { user: 'alice' }, 400, 'VALIDATION_FAILED'],
    ['events as an empty batch', 'POST', '/events', { user: 'alice', body: { events: [] } }, 400, 'VALIDATION_FAILED'],
    [
      'events over 100',
      'POST',
      '/events',
      { user: 'alice', body: { events: Array.from({ length: 101 }, (_, i) => ({ ...ev, client_event_id: `e${i}` })) } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'events of an unknown type',
      'POST',
      '/events',
      { user: 'alice', body: { events: [{ ...ev, type: 'teleport' }] } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'events with a negative watch',
      'POST',
      '/events',
      { user: 'alice', body: { events: [{ ...ev, watch_ms: -5 }] } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'events with a fractional position',
      'POST',
      '/events',
      { user: 'alice', body: { events: [{ ...ev, position: 1.5 }] } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'events with a bad device id',
      'POST',
      '/events',
      { headers: { 'x-device-id': 'a b' }, body: { events: [ev] } },
      400,
      'VALIDATION_FAILED',
    ],
    ['events with invalid JSON', 'POST', '/events', { user: 'alice', raw: 'nope' }, 400, 'INVALID_JSON'],
  ];
  it.each(cases)('answers %s with %i', async (_name, method, url, opts, status, code) => {
    const res = await call(method, url, opts);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('answers 403 FORBIDDEN when deleting another user’s comment', async () => {
    const c = (await call('POST', '/videos/v1/comments', { user: 'alice', body: { content: 'x' } })).json();
    await f.addUser('carol');
    const res = await call('DELETE', `/comments/${c.id}`, { user: 'carol' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });
});
