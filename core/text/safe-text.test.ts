import { describe, expect, it } from 'vitest';
import { cleanMultiline, cleanSingleLine } from './safe-text.ts';

describe('safe text', () => {
  it('removes bidi overrides and isolates, and control characters', () => {
    expect(cleanMultiline('good\u202Eevil\u2066x\u2069\u0007\u0000 end')).toBe('goodevilx end');
    expect(cleanSingleLine('Al\u200Fice\u0085')).toBe('Alice');
  });

  it('keeps line breaks and tabs in multi-line text only', () => {
    expect(cleanMultiline('a\nb\tc')).toBe('a\nb\tc');
    expect(cleanSingleLine('a\nb\tc')).toBe('abc');
  });

  it('keeps letters of every script and emoji', () => {
    expect(cleanMultiline('שלום مرحبا 你好 🎉')).toBe('שלום مرحبا 你好 🎉');
  });
});
