import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../testing/harness.ts';
import { LOGIN_FAILURE_WINDOW_MS } from './auth.service.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>;
const inject = (t: App, url: string, payload: object, ip: string) =>
  t.app.inject({ method: 'POST', url, payload, remoteAddress: ip });

/** Waits for a fresh fixed window when the current one ends within 10 s, so a budget is not reset mid-test. */
async function awayFromWindowEdge(windowMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
}

/**
 * Sign-in limits behind a campus or carrier NAT: many people share one address, so the per-address
 * budget counts attempts generously and failures separately; guessing stays slow per account and per
 * address.
 */
describe('sign-in limits behind one address', () => {
  describe('with the default budgets', () => {
    let t: App;
    beforeAll(async () => {
      t = await buildTestApp('embedded', 'auth-nat-defaults');
    });
    afterAll(async () => t?.cleanup());

    it('lets 60 people behind one NAT register and sign in within a minute, a few typos included', async () => {
      await awayFromWindowEdge(60_000);
      const nat = '100.64.0.1';
      const handles = Array.from({ length: 60 }, (_, i) => `nat_user_${i}`);
      const codes: number[] = [];
      for (const handle of handles)
        codes.push((await inject(t, '/api/v1/auth/register', { handle, password: 'long enough pw' }, nat)).statusCode);
      // Ten of them mistype their password once before getting it right.
      for (const handle of handles.slice(0, 10))
        codes.push((await inject(t, '/api/v1/auth/login', { handle, password: 'typo' }, nat)).statusCode);
      for (const handle of handles)
        codes.push((await inject(t, '/api/v1/auth/login', { handle, password: 'long enough pw' }, nat)).statusCode);
      // 130 attempts from one address in a minute: the old default of 30 refused all but the first 30.
      expect(codes.filter((c) => c === 429)).toEqual([]);
      expect(codes.filter((c) => c === 201)).toHaveLength(60);
      expect(codes.filter((c) => c === 401)).toHaveLength(10);
      expect(codes.filter((c) => c === 200)).toHaveLength(60);
    });
  });

  describe('with small budgets', () => {
    let t: App;
    beforeAll(async () => {
      t = await buildTestApp('embedded', 'auth-nat-small', {
        RATE_LIMIT_AUTH_PER_MIN: '20',
        RATE_LIMIT_IP_PER_MIN: '100000',
        REGISTRATIONS_PER_IP_PER_HOUR: '1000',
        LOGIN_FAILURES_PER_ACCOUNT: '3',
        LOGIN_FAILURES_PER_IP: '5',
      });
      for (let i = 0; i < 8; i++)
        await inject(t, '/api/v1/auth/register', { handle: `member_${i}`, password: 'right password' }, `10.20.${i}.1`);
    });
    afterAll(async () => t?.cleanup());

    it('counts every attempt per address: the 21st in a minute is a 429 with Retry-After, another address is not held', async () => {
      await awayFromWindowEdge(60_000);
      const codes: number[] = [];
      // Successful logins: more than the per-address failure budget (5), which they do not spend.
      for (let i = 0; i < 21; i++) {
        const res = await inject(
          t,
          '/api/v1/auth/login',
          { handle: 'member_0', password: 'right password' },
          '10.21.0.1',
        );
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.json().error.code).toBe('RATE_LIMITED');
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(codes).toEqual([...Array(20).fill(200), 429]);
      const other = await inject(
        t,
        '/api/v1/auth/login',
        { handle: 'member_0', password: 'right password' },
        '10.21.0.2',
      );
      expect(other.statusCode).toBe(200);
    });

    it('stops credential stuffing from one address: 5 failures over 5 accounts, then 429 even with a right password', async () => {
      await awayFromWindowEdge(LOGIN_FAILURE_WINDOW_MS);
      const stuffer = '10.22.0.1';
      const fails: number[] = [];
      // One guess per account: each stays under its own budget of 3.
      for (let i = 1; i <= 5; i++)
        fails.push(
          (await inject(t, '/api/v1/auth/login', { handle: `member_${i}`, password: 'guess' }, stuffer)).statusCode,
        );
      expect(fails).toEqual([401, 401, 401, 401, 401]);
      const held = await inject(t, '/api/v1/auth/login', { handle: 'member_6', password: 'right password' }, stuffer);
      expect([held.statusCode, held.json().error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
      // The accounts themselves are not locked: their owners sign in from elsewhere.
      const owner = await inject(
        t,
        '/api/v1/auth/login',
        { handle: 'member_1', password: 'right password' },
        '10.22.0.2',
      );
      expect(owner.statusCode).toBe(200);
    });

    it('still backs off one account after 3 failures spread over many addresses', async () => {
      await awayFromWindowEdge(LOGIN_FAILURE_WINDOW_MS);
      for (let i = 0; i < 3; i++)
        await inject(t, '/api/v1/auth/login', { handle: 'member_7', password: `guess ${i}` }, `10.23.${i}.1`);
      const locked = await inject(
        t,
        '/api/v1/auth/login',
        { handle: 'member_7', password: 'right password' },
        '10.23.9.1',
      );
      expect(locked.statusCode).toBe(429);
    });
  });
});
