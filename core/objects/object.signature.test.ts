import { describe, expect, it } from 'vitest';
import { signObjectUrl, verifyObjectSignature } from './object.signature.ts';

const secret = 'k'.repeat(32);
const now = 1_700_000_000_000;
const grant = { op: 'put' as const, key: 'uploads/a b/ü.mp4', exp: now / 1000 + 60, max: 100, ct: 'video/mp4' };

function check(url: string, overrides: Partial<Parameters<typeof verifyObjectSignature>[0]> = {}) {
  const u = new URL(url);
  const key = decodeURIComponent(u.pathname.replace(/^\/objects\//, ''));
  return verifyObjectSignature({
    secret,
    key,
    op: 'put',
    query: Object.fromEntries(u.searchParams),
    nowMs: now,
    ...overrides,
  });
}

describe('signed object URLs', () => {
  it('round-trips a grant, with the key percent-encoded per segment', () => {
    const url = signObjectUrl('http://api.test/', secret, grant);
    expect(url.startsWith('http://api.test/objects/uploads/a%20b/%C3%BC.mp4?op=put&')).toBe(true);
    expect(check(url)).toEqual({ ok: true, grant });
  });

  it('refuses another secret, key, op, limit or content type', () => {
    const url = signObjectUrl('http://api.test', secret, grant);
    expect(check(url, { secret: 'x'.repeat(32) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(url, { key: 'uploads/other.mp4' })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(url, { op: 'get' })).toEqual({ ok: false, reason: 'wrong-op' });
    expect(check(url.replace('max=100', 'max=101'))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check(url.replace('ct=video%2Fmp4', 'ct=text%2Fhtml'))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses from the expiry second on, and malformed or missing parameters', () => {
    const url = signObjectUrl('http://api.test', secret, grant);
    expect(check(url, { nowMs: grant.exp * 1000 - 1 }).ok).toBe(true);
    expect(check(url, { nowMs: grant.exp * 1000 })).toEqual({ ok: false, reason: 'expired' });
    expect(check(url.replace(/&sig=[0-9a-f]+/, ''))).toEqual({ ok: false, reason: 'missing' });
    expect(check(url.replace(/exp=\d+/, 'exp=1e12'))).toEqual({ ok: false, reason: 'malformed' });
    expect(check(url.replace(/sig=[0-9a-f]+/, 'sig=zz'))).toEqual({ ok: false, reason: 'malformed' });
  });
});
