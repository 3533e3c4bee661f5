/** How the client retries an answer that says "try again later" (503, 429) or a lost connection. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First backoff, doubled per attempt with full jitter. */
  baseDelayMs: number;
  /** Longest wait, whether from the backoff or from Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 };

/** Statuses that mean the request was not carried out and may be sent again as it is. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * The wait before attempt `attempt + 1` (attempt counts from 0): the server's Retry-After when it gave
 * one (seconds or an HTTP date), else exponential backoff with full jitter, never over the maximum.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: string | null,
  random: () => number = Math.random,
  nowMs: number = Date.now(),
): number {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - nowMs;
    if (Number.isFinite(ms)) return Math.min(policy.maxDelayMs, Math.max(0, ms));
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * cap);
}

/** Methods whose request may be repeated after a lost connection without doing the work twice. */
export function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
}
