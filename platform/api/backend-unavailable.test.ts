import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from './error-handler.ts';

/**
 * A backend that is down answers 503 BACKEND_UNAVAILABLE with Retry-After, not 500 (bench:chaos
 * found 8-9 x 500 INTERNAL from ioredis' MaxRetriesPerRequestError while Redis was stopped for 3 s).
 */
describe('a request that meets a backend that is down', () => {
  it('answers 503 BACKEND_UNAVAILABLE with Retry-After; a bug stays 500', async () => {
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    app.get('/redis-down', async () => {
      throw Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
        name: 'MaxRetriesPerRequestError',
      });
    });
    app.get('/pg-down', async () => {
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    });
    app.get('/bug', async () => {
      throw new TypeError('x is undefined');
    });
    for (const url of ['/redis-down', '/pg-down']) {
      const res = await app.inject({ url });
      expect([res.statusCode, res.headers['retry-after'], res.json().error.code]).toEqual([
        503,
        '2',
        'BACKEND_UNAVAILABLE',
      ]);
    }
    const bug = await app.inject({ url: '/bug' });
    expect([bug.statusCode, bug.json().error.code]).toEqual([500, 'INTERNAL']);
    await app.close();
  });
});
