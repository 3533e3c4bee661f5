export * from './client.ts';
export { ApiError, NetworkError } from './errors.ts';
export { type BatchOptions, type ClientEvent, EventBatcher } from './events.ts';
export type { Operations } from './operations.gen.ts';
export { DEFAULT_RETRY, type RetryPolicy, retryDelayMs } from './retry.ts';
