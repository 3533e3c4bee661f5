/**
 * Failures that mean a backend (Redis, PostgreSQL, SQLite under lock, a broker) cannot be reached or
 * is going away right now, as opposed to a bug: the HTTP layer answers them with 503
 * BACKEND_UNAVAILABLE and Retry-After instead of 500, so clients retry and nothing looks acknowledged.
 */

/** Socket-level codes of a peer that is down or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** PostgreSQL SQLSTATEs: connection exceptions (08xxx) and operator intervention (57P01-57P03). */
const PG_CODES = /^(08\d{3}|57P0[123])$/;
/**
 * Client errors by name: ioredis's when Redis is down (retries exhausted); kafkajs's when no broker
 * answers (refused or closed connections, request timeouts, a partition's leader missing while a broker
 * restarts, and its retries exhausted over any of them).
 */
const NAMES = new Set([
  // A circuit breaker refusing a call, or a call past its time budget (`breaker.ts`).
  'BackendUnavailableError',
  'MaxRetriesPerRequestError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
]);
const MESSAGES = [
  /^Connection is closed\.?$/,
  /Stream isn't writeable and enableOfflineQueue options is false/,
  /^Connection terminated( unexpectedly)?$/,
  /Client has encountered a connection error/,
  /^database is locked$/,
];

/** True when `err` (or its `cause`) says a backend is unavailable right now. */
export function isBackendUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errno?: unknown };
  if (typeof e.name === 'string' && NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_CODES.test(e.code))) return true;
  if (e.code === 'ERR_SQLITE_ERROR' && e.errno === 5) return true; // SQLITE_BUSY
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  return isBackendUnavailable(e.cause, depth + 1);
}
