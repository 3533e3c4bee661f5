import { describe, expect, it } from 'vitest';
import { isBackendUnavailable } from './backend-errors.ts';

describe('isBackendUnavailable', () => {
  it('recognises a backend that is down', () => {
    const redis = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(isBackendUnavailable(redis)).toBe(true);
    expect(isBackendUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(isBackendUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isBackendUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
    expect(isBackendUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    const kafka = (name: string) => Object.assign(new Error('broker'), { name });
    expect(isBackendUnavailable(kafka('KafkaJSConnectionError'))).toBe(true);
    expect(isBackendUnavailable(kafka('KafkaJSNumberOfRetriesExceeded'))).toBe(true);
    expect(isBackendUnavailable(kafka('KafkaJSRequestTimeoutError'))).toBe(true);
    expect(
      isBackendUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: '08006' }) })),
    ).toBe(true);
  });

  it('leaves bugs and bad input alone', () => {
    expect(isBackendUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isBackendUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isBackendUnavailable(undefined)).toBe(false);
    expect(isBackendUnavailable(Object.assign(new Error('bad'), { name: 'KafkaJSInvalidTopic' }))).toBe(false);
  });
});
