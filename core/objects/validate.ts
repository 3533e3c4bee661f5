import { AppError } from '../errors/registry.ts';
import type { ByteRange } from './ports.ts';

/** Longest key in UTF-8 bytes; S3's own limit, so a key valid here is valid on every backend. */
export const MAX_KEY_BYTES = 1024;

function reject(key: string, why: string): never {
  const shown = key.length > 80 ? `${key.slice(0, 80)}…` : key;
  throw new AppError('VALIDATION_FAILED', `Invalid object key ${JSON.stringify(shown)}: ${why}`, { key: shown, why });
}

/**
 * Throws AppError VALIDATION_FAILED unless `key` is a relative `/`-separated path of non-empty segments
 * with no `.`/`..` or dot-led segment, no backslash or control character, at most MAX_KEY_BYTES long.
 * Dot-led segments are refused so keys stay portable and the file store can keep its own dot-folders.
 */
export function validateObjectKey(key: string): string {
  if (typeof key !== 'string' || key === '') reject(String(key), 'must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) reject(key, `longer than ${MAX_KEY_BYTES} bytes`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]/.test(key)) reject(key, 'contains a NUL or control character');
  if (key.includes('\\')) reject(key, 'contains a backslash');
  if (key.startsWith('/')) reject(key, 'must be relative (no leading "/")');
  for (const segment of key.split('/')) {
    if (segment === '') reject(key, 'has an empty path segment');
    if (segment === '.' || segment === '..') reject(key, `has a "${segment}" segment`);
    if (segment.startsWith('.')) reject(key, 'has a segment starting with "."');
  }
  return key;
}

/** Validates a list prefix: empty, or a key-like string that may end with `/`. */
export function validateObjectPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** Keys sorted by their UTF-8 bytes, the order S3 lists in. */
export function sortKeys(keys: string[]): string[] {
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Throws AppError INVALID_RANGE unless `range` is an inclusive byte range inside an object of `size` bytes. */
export function checkRange(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= size) {
    throw new AppError('INVALID_RANGE', `Range ${start}-${end} is outside an object of ${size} bytes`, {
      start,
      end,
      size,
    });
  }
}

/** A media type like `video/mp4` or `text/plain; charset=utf-8`. */
const MEDIA_TYPE =
  /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\r\n]*"|[a-z0-9!#$&^_.+-]+))*$/i;

/** Longest lifetime of a signed URL; S3's own limit for presigned URLs. */
export const MAX_SIGNED_URL_S = 7 * 24 * 3600;

/** Throws a clear Error for a signed-URL lifetime, content type or size limit that makes no sense. */
export function checkSignedUrlOptions(opts: { expiresInS: number; contentType?: string; maxBytes?: number }): void {
  if (!Number.isInteger(opts.expiresInS) || opts.expiresInS < 1 || opts.expiresInS > MAX_SIGNED_URL_S) {
    throw new Error(`ObjectStore: expiresInS must be an integer from 1 to ${MAX_SIGNED_URL_S}, got ${opts.expiresInS}`);
  }
  if (opts.contentType !== undefined && !MEDIA_TYPE.test(opts.contentType)) {
    throw new Error(`ObjectStore: "${opts.contentType}" is not a media type such as video/mp4`);
  }
  if (opts.maxBytes !== undefined && (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1)) {
    throw new Error(`ObjectStore: maxBytes must be a positive integer, got ${opts.maxBytes}`);
  }
}
