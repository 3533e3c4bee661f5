import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sameMac, sign } from './hmac.ts';

describe('sign', () => {
  const secret = 's'.repeat(32);

  it('is HMAC-SHA256 over the purpose and fields joined by newlines', () => {
    const want = createHmac('sha256', secret).update('p-v1\na\nb').digest('base64url');
    expect(sign(secret, 'p-v1', ['a', 'b'])).toBe(want);
    expect(sign(secret, 'p-v1', ['a', 'b'], 'hex')).toBe(Buffer.from(want, 'base64url').toString('hex'));
  });

  it('gives different MACs for different purposes over the same fields', () => {
    expect(sign(secret, 'one', ['x'])).not.toBe(sign(secret, 'two', ['x']));
  });

  it('compares MACs in constant time and refuses a different length', () => {
    const mac = sign(secret, 'p', ['x']);
    expect(sameMac(mac, mac)).toBe(true);
    expect(sameMac(mac, `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)).toBe(false);
    expect(sameMac(mac, mac.slice(1))).toBe(false);
  });
});
