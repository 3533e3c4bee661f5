import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_SETS, buildTestApp } from '../testing/harness.ts';

describe.each(BACKEND_SETS)('auth on the %s backends', (set) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(set, `auth-${set}`, { RATE_LIMIT_AUTH_PER_MIN: '12' });
  });
  afterAll(async () => t?.cleanup());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers, remoteAddress: '10.0.0.1' });

  it('registers, then answers /me with the bearer token', async () => {
    const res = await post('/api/v1/auth/register', { handle: 'Alice_1', password: 'correct horse' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user.handle).toBe('alice_1');
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const me = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: body.user.id, handle: 'alice_1' });
    expect(me.json()).not.toHaveProperty('password_hash');
  });

  it('returns 409 HANDLE_TAKEN for a handle registered in another case', async () => {
    const res = await post('/api/v1/auth/register', { handle: 'ALICE_1', password: 'another one' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('HANDLE_TAKEN');
  });

  it('logs in with the password and not with a wrong one', async () => {
    const ok = await post('/api/v1/auth/login', { handle: 'alice_1', password: 'correct horse' });
    expect(ok.statusCode).toBe(200);
    const bad = await post('/api/v1/auth/login', { handle: 'alice_1', password: 'wrong horse' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('INVALID_CREDENTIALS');
    const unknown = await post('/api/v1/auth/login', { handle: 'nobody', password: 'wrong horse' });
    expect(unknown.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('revokes the token on logout, at once', async () => {
    const { token } = (await post('/api/v1/auth/login', { handle: 'alice_1', password: 'correct horse' })).json();
    const auth = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ url: '/api/v1/me', headers: auth })).statusCode).toBe(200);
    expect((await post('/api/v1/auth/logout', {}, auth)).statusCode).toBe(204);
    const after = await t.app.inject({ url: '/api/v1/me', headers: auth });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['no header', {}],
    ['an unknown token', { authorization: `Bearer ${'x'.repeat(43)}` }],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers /me with 401 UNAUTHENTICATED for %s', async (_name, headers) => {
    const res = await t.app.inject({ url: '/api/v1/me', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    [{ handle: 'ab', password: 'long enough' }],
    [{ handle: 'bad handle!', password: 'long enough' }],
    [{ handle: 'bob_ok', password: 'short' }],
    [{ handle: 'bob_ok' }],
    [{ handle: 42, password: 'long enough' }],
  ])('rejects registration %j with 400 VALIDATION_FAILED', async (payload) => {
    const res = await post('/api/v1/auth/register', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('rate-limits login attempts per IP with 429 and Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { handle: 'alice_1', password: 'guess' },
        remoteAddress: '10.0.0.99',
      });
      if (res.statusCode === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(limited!.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held by this one's budget (another handle: alice_1 is now backed off per account).
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { handle: 'someone_else', password: 'guess' },
      remoteAddress: '10.0.0.100',
    });
    expect(other.statusCode).toBe(401);
  });
});
