import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, errorRegistry, isAppError } from './registry.ts';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error registry', () => {
  it.each(Object.entries(errorRegistry))('documents %s with its status in docs/errors.md', (code, { status }) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it('documents no code that the registry lacks', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(errorRegistry).sort());
  });

  it('gives every 4xx/5xx code a status in range and a message', () => {
    for (const { status, message } of Object.values(errorRegistry)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(message.length).toBeGreaterThan(5);
    }
  });

  it('carries code, status and details on AppError', () => {
    const e = new AppError('RATE_LIMITED', undefined, { retry_after_s: 3 });
    expect([e.code, e.status, e.details]).toEqual(['RATE_LIMITED', 429, { retry_after_s: 3 }]);
    expect(isAppError(e, 'RATE_LIMITED')).toBe(true);
    expect(isAppError(e, 'INTERNAL')).toBe(false);
    expect(isAppError(new Error('x'))).toBe(false);
  });
});
