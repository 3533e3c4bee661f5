import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../testing/harness.ts';

/** Abuse budgets through the HTTP API: per account, per address and per user, each a 429 with Retry-After. */
describe('abuse limits', () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const post = (url: string, payload: unknown, ip = '10.1.0.1', headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress: ip, headers });

  beforeAll(async () => {
    t = await buildTestApp('embedded', 'auth-abuse', {
      RATE_LIMIT_AUTH_PER_MIN: '1000',
      RATE_LIMIT_IP_PER_MIN: '100000',
      REGISTRATIONS_PER_IP_PER_HOUR: '3',
      LOGIN_FAILURES_PER_ACCOUNT: '3',
      INVALID_TOKENS_PER_IP_PER_MIN: '5',
      UPLOADS_PER_USER_PER_MIN: '3',
      UPLOADS_PER_USER_PER_DAY: '5',
    });
  });
  afterAll(async () => t?.cleanup());

  it('refuses a fourth registration from one address within the hour, not from another', async () => {
    const codes: number[] = [];
    for (const h of ['reg_one', 'reg_two', 'reg_three', 'reg_four']) {
      codes.push(
        (await post('/api/v1/auth/register', { handle: h, password: 'long enough pw' }, '10.2.0.1')).statusCode,
      );
    }
    expect(codes).toEqual([201, 201, 201, 429]);
    const other = await post('/api/v1/auth/register', { handle: 'reg_five', password: 'long enough pw' }, '10.2.0.2');
    expect(other.statusCode).toBe(201);
  });

  it('backs off logins to an account after 3 failures from any addresses, even with the right password', async () => {
    await post('/api/v1/auth/register', { handle: 'victim', password: 'right password' }, '10.3.0.1');
    await post('/api/v1/auth/register', { handle: 'bystander', password: 'right password' }, '10.3.0.2');
    const fails: number[] = [];
    for (let i = 0; i < 3; i++) {
      fails.push(
        (await post('/api/v1/auth/login', { handle: 'victim', password: `guess ${i}` }, `10.4.0.${i}`)).statusCode,
      );
    }
    expect(fails).toEqual([401, 401, 401]);
    const locked = await post('/api/v1/auth/login', { handle: 'VICTIM', password: 'right password' }, '10.4.1.1');
    expect([locked.statusCode, locked.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const ok = await post('/api/v1/auth/login', { handle: 'bystander', password: 'right password' }, '10.4.1.1');
    expect(ok.statusCode).toBe(200);
  });

  it('answers 429 to an address after 5 unknown bearer tokens a minute, before looking tokens up', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        remoteAddress: '10.5.0.1',
        headers: { authorization: `Bearer ${randomBytes(24).toString('base64url')}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      remoteAddress: '10.5.0.2',
      headers: { authorization: `Bearer ${randomBytes(24).toString('base64url')}` },
    });
    expect(elsewhere.statusCode).toBe(401);
  });

  it('limits video creations per user to 3 a minute', async () => {
    const token = (
      await post('/api/v1/auth/register', { handle: 'uploader', password: 'long enough pw' }, '10.6.0.1')
    ).json().token as string;
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await post('/api/v1/videos', {}, '10.6.0.1', { authorization: `Bearer ${token}` })).statusCode);
    }
    expect(codes).toEqual([201, 201, 201, 429]);
  });

  describe('handles and user text', () => {
    let n = 0;
    const register = (handle: string, extra: Record<string, string> = {}) =>
      post('/api/v1/auth/register', { handle, password: 'long enough pw', ...extra }, `10.7.${n++}.1`);

    it('refuses ASCII look-alikes of an existing handle with 409 HANDLE_TAKEN', async () => {
      expect((await register('lily_rose')).statusCode).toBe(201);
      const tries = ['Iily_rose', 'l1ly_rose', 'LILY_ROSE', 'lilyrose', 'lily.rose', 'li1y_r0se'];
      const answers = await Promise.all(tries.map(async (h) => [h, (await register(h)).json().error?.code]));
      expect(answers).toEqual(tries.map((h) => [h, 'HANDLE_TAKEN']));
    });

    it('refuses a trailing or leading dot with 400, and reserved names and their look-alikes with 409', async () => {
      expect((await register('someone.')).statusCode).toBe(400);
      expect((await register('.someone')).statusCode).toBe(400);
      for (const h of ['admin', 'Adm1n', 'support', 'supp0rt', 'root', 'foryou']) {
        const res = await register(h);
        expect([h, res.statusCode, res.json().error.code]).toEqual([h, 409, 'HANDLE_TAKEN']);
      }
    });

    it('strips control and bidi-override characters from display names and captions', async () => {
      const res = await register('bidi_user', { display_name: 'Eve\u202Egnp.exe\u0007' });
      expect(res.statusCode).toBe(201);
      expect(res.json().user.display_name).toBe('Evegnp.exe');
      const auth = { authorization: `Bearer ${res.json().token}` };
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: auth })).json().display_name).toBe(
        'Evegnp.exe',
      );
      const created = await post(
        '/api/v1/videos',
        { caption: 'hello \u2066world\u2069\u202E!\nline two' },
        '10.8.0.1',
        auth,
      );
      expect(created.statusCode).toBe(201);
      const row = await t.deps.metadata.get<{ caption: string }>('SELECT caption FROM videos WHERE id = $1', [
        created.json().video_id,
      ]);
      expect(row?.caption).toBe('hello world!\nline two');
    });
  });
});
