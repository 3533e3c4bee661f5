import { describe, expect, it } from 'vitest';
import { isBackendUnavailable } from './backend-errors.ts';
import { BackendUnavailableError, CircuitBreaker, guarded } from './breaker.ts';

const down = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const up = () => Promise.resolve('ok');

describe('CircuitBreaker', () => {
  it('opens after consecutive unavailable failures, refuses at once, probes after openMs and closes', async () => {
    let now = 0;
    const changes: boolean[] = [];
    const b = new CircuitBreaker('cache', {
      failures: 3,
      openMs: 1000,
      now: () => now,
      onChange: (o) => changes.push(o),
    });
    let calls = 0;
    const counted = () => {
      calls++;
      return down();
    };
    for (let i = 0; i < 3; i++) await expect(b.run(counted)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(b.open).toBe(true);
    const refused = await b.run(counted).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendUnavailableError);
    expect(isBackendUnavailable(refused)).toBe(true);
    expect(calls).toBe(3);
    // The probe fails: open for another openMs.
    now = 1000;
    expect(b.open).toBe(false);
    await expect(b.run(counted)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(calls).toBe(4);
    expect(b.open).toBe(true);
    now = 2000;
    expect(await b.run(up)).toBe('ok');
    expect(b.open).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('leaves errors that are not about availability out of the count', async () => {
    const b = new CircuitBreaker('cache', { failures: 2 });
    const wrongType = () => Promise.reject(new Error('WRONGTYPE Operation against a key'));
    for (let i = 0; i < 5; i++) await expect(b.run(wrongType)).rejects.toThrow(/WRONGTYPE/);
    expect(b.open).toBe(false);
    // A success in between resets the count.
    await expect(b.run(down)).rejects.toThrow();
    await b.run(up);
    await expect(b.run(down)).rejects.toThrow();
    expect(b.open).toBe(false);
  });

  it('fails a call that outlives its time budget as unavailable, and counts it', async () => {
    const b = new CircuitBreaker('cache', { failures: 1 });
    const never = () => new Promise<string>(() => {});
    const err = await b.run(never, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(b.open).toBe(true);
  });

  it('guards every method of an object but close', async () => {
    let now = 0;
    const b = new CircuitBreaker('features', { failures: 1, openMs: 100, now: () => now });
    const store = { kind: 'redis' as const, load: down, close: () => Promise.resolve('closed') };
    const g = guarded(store, b, () => undefined);
    expect(g.kind).toBe('redis');
    await expect(g.load()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(g.load()).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await g.close()).toBe('closed');
    now = 100;
    await expect(g.load()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
