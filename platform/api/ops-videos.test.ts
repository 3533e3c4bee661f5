/**
 * GET /api/v1/ops/videos: the operator's catalogue listing through the HTTP API, across the access
 * matrix (admin only) and bad input; every state, privacy and label is listed, newest first, in pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderationWorld } from '../moderation/testing/world.ts';

let w: Awaited<ReturnType<typeof moderationWorld>>;
const v: Record<string, string> = {};
const ids = async (query: string) => {
  const res = await w.call('GET', `/api/v1/ops/videos${query}`, 'admin');
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((i: { id: string }) => i.id);
};

beforeAll(async () => {
  w = await moderationWorld('ops-videos');
  await w.register('admin', 'admin');
  v.public = await w.readyVideo('owner');
  v.private = await w.readyVideo('owner', 'private');
  v.processing = (await w.call('POST', '/api/v1/videos', 'stranger', { caption: 'still uploading' })).json().video_id;
  v.removed = await w.readyVideo('stranger');
  await w.t.deps.metadata.run("UPDATE videos SET moderation = 'removed' WHERE id = $1", [v.removed!]);
  v.deleted = await w.readyVideo('owner');
  await w.call('DELETE', `/api/v1/videos/${v.deleted}`, 'owner');
}, 120_000);
afterAll(() => w?.t.cleanup());

describe('GET /api/v1/ops/videos', () => {
  it('is for admins only', async () => {
    expect(await w.answer('GET', '/api/v1/ops/videos', 'anonymous')).toEqual([401, 'UNAUTHENTICATED']);
    for (const who of ['owner', 'stranger', 'moderator'])
      expect(await w.answer('GET', '/api/v1/ops/videos', who)).toEqual([403, 'FORBIDDEN']);
  });

  it('lists every video whatever its access, newest first, deleted ones on request', async () => {
    expect(await ids('')).toEqual([v.removed, v.processing, v.private, v.public]);
    expect(await ids('?include_deleted=true')).toEqual([v.deleted, v.removed, v.processing, v.private, v.public]);
    const row = (await w.call('GET', `/api/v1/ops/videos?author_id=${w.id.owner}`, 'admin')).json().items;
    expect(row.map((r: { id: string }) => r.id)).toEqual([v.private, v.public]);
    expect(row[0]).toMatchObject({ privacy: 'private', status: 'ready', author: { handle: 'owner_u' } });
    expect(await ids('?status=uploading')).toEqual([v.processing]);
  });

  it('pages with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await w.call('GET', `/api/v1/ops/videos?limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'admin');
      seen.push(...res.json().items.map((i: { id: string }) => i.id));
      cursor = res.json().next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([v.removed, v.processing, v.private, v.public]);
  });

  it('refuses bad input with 400 and a stable code', async () => {
    expect(await w.answer('GET', '/api/v1/ops/videos?status=gone', 'admin')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await w.answer('GET', '/api/v1/ops/videos?limit=0', 'admin')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await w.answer('GET', '/api/v1/ops/videos?author_id=a%20b', 'admin')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await w.answer('GET', '/api/v1/ops/videos?cursor=%21', 'admin')).toEqual([400, 'INVALID_CURSOR']);
  });
});
