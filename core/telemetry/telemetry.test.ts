import { describe, expect, it } from 'vitest';
import { capturingTelemetry, sampleOf } from '../testing/telemetry.ts';
import { StatusBoard } from './status.ts';

describe('Telemetry', () => {
  it('logs a failure a component absorbed at warn, with its context, and counts it', async () => {
    const { telemetry, lines } = capturingTelemetry();
    telemetry.component('catalog').failed(new Error('db down'), 'catalogue refresh failed', { ms: 12 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, component: 'catalog', msg: 'catalogue refresh failed', ms: 12 });
    expect((lines[0]!.err as { message: string }).message).toBe('db down');
    expect(await sampleOf(telemetry.registry, 'foryou_errors_total', { component: 'catalog' })).toBe(1);
  });

  it('counts every repeat but logs one line per window, then says how many it left out', async () => {
    let now = 1_000;
    const { telemetry, lines } = capturingTelemetry({ now: () => now, repeatWindowMs: 10_000 });
    const c = telemetry.component('consumer');
    for (let i = 0; i < 5; i++) c.failed(new Error(`e${i}`), 'batch failed');
    c.failed(new Error('other'), 'lag unknown');
    expect(lines.map((l) => l.msg)).toEqual(['batch failed', 'lag unknown']);
    now += 10_000;
    c.failed(new Error('e5'), 'batch failed');
    expect(lines.at(-1)).toMatchObject({ msg: 'batch failed', repeats: 4 });
    expect(await sampleOf(telemetry.registry, 'foryou_errors_total', { component: 'consumer' })).toBe(7);
  });

  it('shares a metric family declared twice and refuses one declared as another type', () => {
    const { telemetry } = capturingTelemetry();
    const a = telemetry.counter({ name: 'foryou_x_total', help: 'x', labelNames: ['k'] });
    const b = telemetry.counter({ name: 'foryou_x_total', help: 'x', labelNames: ['k'] });
    expect(b).toBe(a);
    expect(() => telemetry.gauge({ name: 'foryou_x_total', help: 'x' })).toThrow(/another type/);
  });

  it('keeps a component per name, its lines bound to it', () => {
    const { telemetry, lines } = capturingTelemetry();
    expect(telemetry.component('events')).toBe(telemetry.component('events'));
    telemetry.component('events').log.info({ group: 'g' }, 'hello');
    expect(lines[0]).toMatchObject({ component: 'events', group: 'g', msg: 'hello', level: 30 });
  });
});

describe('StatusBoard', () => {
  it('reads registered components on demand and forgets one that unregistered', () => {
    const board = new StatusBoard();
    let version = 'v1';
    const off = board.addModel('ranker', () => ({
      name: 'ranker',
      stage: 'production',
      loadedVersion: version,
      loadedAt: 1,
      lastError: null,
      rejected: [],
    }));
    version = 'v2';
    expect(board.models().map((m) => m.loadedVersion)).toEqual(['v2']);
    off();
    expect(board.models()).toEqual([]);
    const offIndex = board.setIndex(() => ({ version: 'i', size: 3, dims: 2, builtAt: 5 }));
    expect(board.index()?.size).toBe(3);
    offIndex();
    expect(board.index()).toBeUndefined();
  });
});
