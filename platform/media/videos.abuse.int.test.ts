import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
