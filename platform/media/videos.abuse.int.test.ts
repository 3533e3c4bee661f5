import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDrafts } from './drafts.ts';
import {
  buildMediaApp,
  type MediaTestEnv,
  multipartBody,
  newUserId,
  openMediaTestEnv,
  TEST_USER_HEADER,
} from './testing/media.testkit.ts';

let env: MediaTestEnv;
let app: FastifyInstance;
const alice = newUserId();
const as = (user: string) => ({ [TEST_USER_HEADER]: user });

beforeAll(async () => {
  env = await openMediaTestEnv('file', { MAX_UPLOAD_BYTES: '200000' });
  app = await buildMediaApp(env.deps);
});
afterAll(async () => {
  await app?.close();
  await env?.cleanup();
});

describe('POST /videos/direct with a broken multipart body', () => {
  it('returns 400 INVALID_MULTIPART for a body cut off before its closing boundary', async () => {
    const { payload, headers } = await multipartBody(
      { caption: 'cut' },
      { name: 'a.mp4', type: 'video/mp4', body: Buffer.alloc(5000, 7) },
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { ...headers, ...as(alice) },
      payload: payload.subarray(0, payload.length - 200),
    });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'INVALID_MULTIPART']);
  });

  it('returns 400 INVALID_MULTIPART for a multipart content type without a boundary', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { 'content-type': 'multipart/form-data', ...as(alice) },
      payload: 'hello',
    });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'INVALID_MULTIPART']);
  });

  it('returns 400 INVALID_MULTIPART for a body whose parts never open', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/videos/direct',
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ', ...as(alice) },
      payload: 'no parts at all',
    });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'INVALID_MULTIPART']);
  });
});

describe('drafts that never get their file', () => {
  async function draft(): Promise<{ id: string; put: () => Promise<number> }> {
    const res = await app.inject({ method: 'POST', url: '/api/v1/videos', headers: as(alice), payload: {} });
    const body = res.json();
    const url = new URL(body.upload_url);
    return {
      id: body.video_id,
      put: async () =>
        (
          await app.inject({
            method: 'PUT',
            url: url.pathname + url.search,
            headers: body.upload_headers,
            payload: Buffer.alloc(100, 1),
          })
        ).statusCode,
    };
  }

  it('refuses the signed upload URL of a deleted draft with 409 VIDEO_NOT_UPLOADABLE', async () => {
    const d = await draft();
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/videos/${d.id}`, headers: as(alice) })).statusCode).toBe(
      204,
    );
    expect(await d.put()).toBe(409);
    expect(await env.deps.objects.head(`uploads/${d.id}/source`)).toBeUndefined();
  });

  it('still accepts the upload of a live draft', async () => {
    expect(await (await draft()).put()).toBe(200);
  });

  it('expires drafts older than DRAFT_TTL_S: the video is gone and its URL refused', async () => {
    const old = await draft();
    const fresh = await draft();
    await env.deps.metadata.run('UPDATE videos SET created_at = created_at - 90000000 WHERE id = $1', [old.id]);
    expect(await expireDrafts(env.deps, env.config.DRAFT_TTL_S * 1000)).toBe(1);
    expect((await app.inject({ method: 'GET', url: `/api/v1/videos/${old.id}`, headers: as(alice) })).statusCode).toBe(
      404,
    );
    expect(await old.put()).toBe(409);
    expect(await fresh.put()).toBe(200);
  });
});
