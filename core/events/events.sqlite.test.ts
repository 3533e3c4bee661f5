import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import { describeEventLogContract } from './events.contract.ts';
import { openEventLog } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-events-'));
const url = `sqlite://${join(dir, 'events.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventLogContract('sqlite', () => openEventLog(url));

describe('sqlite event log', () => {
  it('trims old events every group has processed, keeping what a lagging group still needs', async () => {
    const log = await openEventLog(`sqlite://${join(dir, 'trim.db')}`);
    try {
      const old = Date.now() - 3_600_000;
      await log.append(
        'trimmed',
        Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: i, timestamp: old })),
      );
      await log.append('trimmed', [{ key: 'k', value: 'fresh' }]);
      const got: unknown[] = [];
      const sub = await log.subscribe({
        topic: 'trimmed',
        group: 'ahead',
        handler: async (b) => {
          got.push(...b.map((e) => e.value));
        },
      });
      await waitFor('the group caught up', () => got.length === 11, 5_000);
      await sub.stop();
      // Nobody behind: the 10 old ones go, the fresh one (also the newest) stays.
      expect(await log.trim('trimmed', Date.now() - 60_000)).toBe(10);
      expect((await log.read('trimmed', 0, 0, 100)).map((e) => e.value)).toEqual(['fresh']);
      expect(await log.endOffsets('trimmed')).toEqual([11]);

      // A group that has processed only the first 3 of new old events holds the rest back.
      await log.append(
        'held',
        Array.from({ length: 6 }, (_, i) => ({ key: 'k', value: i, timestamp: old })),
      );
      const lagging = await log.subscribe({ topic: 'held', group: 'slow', maxBatch: 3, handler: async () => {} });
      await waitFor('the group committed', async () => (await log.committed('held', 'slow'))[0]! > 0, 5_000);
      await lagging.stop();
      const committed = (await log.committed('held', 'slow'))[0]!;
      expect(await log.trim('held', Date.now())).toBe(Math.min(committed, 5));
    } finally {
      await log.close();
    }
  });

  it('delivers to a new group asked to start at the end only what is appended after it subscribed', async () => {
    const log = await openEventLog(url);
    try {
      await log.append('from-end', [{ key: 'a', value: 'old' }]);
      const got: unknown[] = [];
      const sub = await log.subscribe({
        topic: 'from-end',
        group: 'late',
        fromBeginning: false,
        handler: async (b) => {
          got.push(...b.map((e) => e.value));
        },
      });
      await log.append('from-end', [{ key: 'a', value: 'new' }]);
      await waitFor('the event appended after subscribing', () => got.length > 0, 5_000);
      await sub.stop();
      expect(got).toEqual(['new']);
    } finally {
      await log.close();
    }
  });

  it('hands a group to a second subscriber only after the first stops', async () => {
    const a = await openEventLog(url);
    const b = await openEventLog(url);
    try {
      await a.append('lease', [{ key: 'k', value: 1 }]);
      const gotA: unknown[] = [];
      const gotB: unknown[] = [];
      const subA = await a.subscribe({ topic: 'lease', group: 'one', handler: async (e) => void gotA.push(...e) });
      await waitFor('the first subscriber’s first event', () => gotA.length > 0, 5_000);
      const subB = await b.subscribe({ topic: 'lease', group: 'one', handler: async (e) => void gotB.push(...e) });
      await a.append('lease', [{ key: 'k', value: 2 }]);
      await waitFor('the first subscriber’s second event', () => gotA.length >= 2, 5_000);
      expect(gotB).toHaveLength(0);
      await subA.stop();
      await b.append('lease', [{ key: 'k', value: 3 }]);
      await waitFor('the group handed to the second subscriber', () => gotB.length > 0, 5_000);
      await subB.stop();
      expect(gotA).toHaveLength(2);
      expect(gotB.map((e) => (e as { value: unknown }).value)).toEqual([3]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps every acknowledged append after the writer is killed with SIGKILL', async () => {
    const file = join(dir, 'kill.db');
    // The child appends in a loop and prints each offset only after append() resolved.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { openEventLog } = await import(${JSON.stringify(new URL('./open.ts', import.meta.url).href)});
         const log = await openEventLog(${JSON.stringify(`sqlite://${file}`)});
         for (let i = 0; ; i++) {
           const [e] = await log.append('durable', [{ key: 'k' + (i % 3), value: { i, pad: 'x'.repeat(i % 50) } }]);
           process.stdout.write(e.offset + ' ' + i + '\\n');
         }`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const acked = new Map<number, number>();
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        const [offset, i] = line.split(' ').map(Number);
        acked.set(offset!, i!);
        if (acked.size === 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await exited;
    expect(acked.size).toBeGreaterThanOrEqual(300);
    const log = await openEventLog(`sqlite://${file}`);
    try {
      const stored = await log.read('durable', 0, 0, 1_000_000);
      const byOffset = new Map(stored.map((e) => [e.offset, (e.value as { i: number }).i]));
      for (const [offset, i] of acked) expect(byOffset.get(offset)).toBe(i);
      expect(stored.map((e) => e.offset)).toEqual(stored.map((_, k) => k));
    } finally {
      await log.close();
    }
  });

  it('rejects a partition the embedded log does not have', async () => {
    const log = await openEventLog(url);
    try {
      await expect(log.read('x', 1, 0, 10)).rejects.toThrow(/partition/);
      await expect(log.read('x', 0, -1, 10)).rejects.toThrow(/offset/);
    } finally {
      await log.close();
    }
  });
});
