import { type CircuitBreaker, guarded } from '../errors/breaker.ts';
import type { Cache } from './ports.ts';

const READS = new Set<string>(['get', 'mget', 'ttl', 'sIsMember', 'sMembers', 'zRevRange', 'ping']);

/**
 * A Cache whose every call goes through `breaker`: refused at once (BackendUnavailableError) while the
 * circuit is open, and failed after `readTimeoutMs` (reads) or `writeTimeoutMs` (writes) when the
 * backend does not answer, so a caller never queues behind a dead or stalled Redis. A write that timed
 * out may still land later: only for callers whose writes are idempotent or best effort (the feed's
 * session set, seen ledger and exposure counters), not for counters that must be exact.
 */
export function guardedCache(
  cache: Cache,
  breaker: CircuitBreaker,
  o: { readTimeoutMs: number; writeTimeoutMs: number },
): Cache {
  return guarded(cache, breaker, (m) => (READS.has(m) ? o.readTimeoutMs : o.writeTimeoutMs));
}
