import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog, LoggedEvent, NewEvent, Subscription } from './ports.ts';

/** Knobs for backends whose groups take seconds to form (Kafka); defaults suit the embedded log. */
export interface EventLogContractOptions {
  /** How long to wait for a subscription to see what it should. */
  deliveryTimeoutMs?: number;
}

const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

const events = (n: number, key: (i: number) => string = (i) => `k${i % 5}`): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ key: key(i), value: { i } }));

/** Collects what a subscription delivers and waits until it has at least `n` distinct events. */
function collector(timeoutMs: number) {
  const got: LoggedEvent[] = [];
  const batches: (readonly LoggedEvent[])[] = [];
  const id = (e: LoggedEvent) => `${e.partition}:${e.offset}`;
  return {
    got,
    batches,
    handler: async (batch: readonly LoggedEvent[]) => {
      batches.push(batch);
      got.push(...batch);
    },
    distinct: () => new Set(got.map(id)).size,
    async waitFor(n: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (new Set(got.map(id)).size < n) {
        if (Date.now() > deadline) throw new Error(`timed out with ${new Set(got.map(id)).size} of ${n} events`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** Values (the `i` field) per partition, in delivery order. */
const byPartition = (list: readonly LoggedEvent[]) => {
  const out = new Map<number, LoggedEvent[]>();
  for (const e of list) out.set(e.partition, [...(out.get(e.partition) ?? []), e]);
  return out;
};

/** Every behaviour the EventLog port promises, run against one backend. */
export function describeEventLogContract(
  name: string,
  open: () => Promise<EventLog>,
  options: EventLogContractOptions = {},
): void {
  const timeout = options.deliveryTimeoutMs ?? 10_000;

  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;
    const subs: Subscription[] = [];
    const track = (s: Subscription) => {
      subs.push(s);
      return s;
    };

    beforeAll(async () => {
      log = await open();
    });
    afterAll(async () => {
      await Promise.all(subs.map((s) => s.stop()));
      await log?.close();
    });

    it('answers ping', async () => {
      await expect(log.ping()).resolves.toBeUndefined();
    });

    it('returns dense, ordered offsets per partition from append', async () => {
      const topic = unique('dense');
      const first = await log.append(topic, events(30));
      const second = await log.append(topic, events(30));
      const parts = await log.partitions(topic);
      expect(parts).toBeGreaterThanOrEqual(1);
      for (const [p, list] of byPartition([...first, ...second])) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(parts);
        expect(list.map((e) => e.offset)).toEqual(list.map((_, i) => i));
      }
      expect(first.map((e) => e.value)).toEqual(events(30).map((e) => e.value));
      expect(first.every((e) => e.topic === topic && typeof e.timestamp === 'number')).toBe(true);
    });

    it('gives concurrent appends distinct, dense offsets that read back as each one reported', async () => {
      const topic = unique('concurrent');
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, b) =>
          log.append(
            topic,
            events(10).map((e, i) => ({ ...e, value: { b, i } })),
          ),
        ),
      );
      const all = batches.flat();
      batches.forEach((batch, b) => {
        expect(batch.map((e) => e.value)).toEqual(events(10).map((_, i) => ({ b, i })));
      });
      const parts = [...byPartition(all)];
      // Concurrent reads: a Kafka replay pays a group join each.
      const reads = await Promise.all(parts.map(([p]) => log.read(topic, p, 0, 1000)));
      parts.forEach(([, list], k) => {
        const offsets = list.map((e) => e.offset).sort((x, y) => x - y);
        expect(offsets).toEqual(offsets.map((_, i) => i));
        const at = new Map(reads[k]!.map((e) => [e.offset, e.value]));
        for (const e of list) expect(at.get(e.offset)).toEqual(e.value);
      });
    });

    it('resolves an empty append with no positions', async () => {
      await expect(log.append(unique('empty'), [])).resolves.toEqual([]);
    });

    it('rejects a bad topic name and a value that is not JSON', async () => {
      await expect(log.append('no spaces allowed', events(1))).rejects.toThrow(/topic/);
      await expect(log.append(unique('bad'), [{ key: 'k', value: undefined }])).rejects.toThrow(/JSON/);
      await expect(log.append(unique('bad'), [{ key: 'k', value: 10n }])).rejects.toThrow(/JSON/);
    });

    it('keeps every key on one partition in append order', async () => {
      const topic = unique('keys');
      const appended = [
        ...(await log.append(
          topic,
          events(40, (i) => `user-${i % 7}`),
        )),
        ...(await log.append(
          topic,
          events(40, (i) => `user-${i % 7}`),
        )),
      ];
      const partitionOf = new Map<string, number>();
      for (const e of appended) {
        expect(partitionOf.get(e.key) ?? e.partition).toBe(e.partition);
        partitionOf.set(e.key, e.partition);
      }
      // Concurrent reads: a Kafka replay pays a group join each.
      const parts = [...byPartition(appended)];
      const reads = await Promise.all(parts.map(([p]) => log.read(topic, p, 0, 1000)));
      parts.forEach(([, list], i) => {
        expect(reads[i]!.map((e) => [e.offset, e.key, e.value])).toEqual(list.map((e) => [e.offset, e.key, e.value]));
      });
    });

    it('reads one partition from an offset, at most limit events', async () => {
      const topic = unique('read');
      const appended = await log.append(
        topic,
        events(20, () => 'same-key'),
      );
      const p = appended[0]!.partition;
      const [read, past, tail] = await Promise.all([
        log.read(topic, p, 5, 10),
        log.read(topic, p, 20, 10),
        log.read(topic, p, 18, 10),
      ]);
      expect(read.map((e) => e.offset)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
      expect(read.map((e) => e.value)).toEqual(appended.slice(5, 15).map((e) => e.value));
      expect(read[0]).toMatchObject({ topic, partition: p, key: 'same-key', timestamp: appended[5]!.timestamp });
      expect(past).toEqual([]);
      expect(tail.map((e) => e.offset)).toEqual([18, 19]);
    });

    it('round-trips JSON values and explicit timestamps', async () => {
      const topic = unique('json');
      const value = { s: 'héllo "x"\n', n: 1.5, neg: -3, b: false, nil: null, list: [1, 'two', { three: 3 }], e: {} };
      const [logged] = await log.append(topic, [
        { key: 'k', value, timestamp: 1_700_000_000_123 },
        { key: 'k', value: 'plain string' },
        { key: 'k', value: 42 },
      ]);
      const read = await log.read(topic, logged!.partition, 0, 10);
      expect(read.map((e) => e.value)).toEqual([value, 'plain string', 42]);
      expect(read[0]!.timestamp).toBe(1_700_000_000_123);
    });

    it('delivers to a group everything appended before and after it subscribed', async () => {
      const topic = unique('group');
      await log.append(topic, events(25));
      const c = collector(timeout);
      track(await log.subscribe({ topic, group: unique('g'), handler: c.handler, maxBatch: 7 }));
      await c.waitFor(25);
      await log.append(topic, events(25));
      await c.waitFor(50);
      expect(c.batches.every((b) => b.length <= 7)).toBe(true);
      for (const [, list] of byPartition(c.got)) {
        const offsets = list.map((e) => e.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
    });

    it('resumes a group after its last committed batch when the log is closed and reopened', async () => {
      const topic = unique('resume');
      const group = unique('g');
      const before = await open();
      await before.append(topic, events(30));
      const first = collector(timeout);
      const s1 = await before.subscribe({ topic, group, handler: first.handler, maxBatch: 10 });
      await first.waitFor(30);
      await s1.stop();
      await before.close();

      const after = await open();
      try {
        const committed = await after.committed(topic, group);
        expect(committed.reduce((a, b) => a + b, 0)).toBe(30);
        await after.append(topic, events(12));
        const second = collector(timeout);
        const s2 = await after.subscribe({ topic, group, handler: second.handler });
        await second.waitFor(12);
        await s2.stop();
        // Everything before the committed offsets stays behind; everything after arrives.
        for (const e of second.got) expect(e.offset).toBeGreaterThanOrEqual(committed[e.partition]!);
        expect(second.distinct()).toBe(12);
      } finally {
        await after.close();
      }
    });

    it('gives each of two groups every event', async () => {
      const topic = unique('fanout');
      await log.append(topic, events(40));
      const a = collector(timeout);
      const b = collector(timeout);
      const both = await Promise.all([
        log.subscribe({ topic, group: unique('a'), handler: a.handler }),
        log.subscribe({ topic, group: unique('b'), handler: b.handler }),
      ]);
      both.forEach(track);
      await Promise.all([a.waitFor(40), b.waitFor(40)]);
      expect(a.distinct()).toBe(40);
      expect(b.distinct()).toBe(40);
    });

    it('redelivers a batch whose handler threw, and reports the error', async () => {
      const topic = unique('retry');
      await log.append(
        topic,
        events(10, () => 'one-key'),
      );
      const errors: unknown[] = [];
      const seen: number[][] = [];
      let failed = false;
      const sub = track(
        await log.subscribe({
          topic,
          group: unique('g'),
          maxBatch: 4,
          onError: (err) => errors.push(err),
          handler: async (batch) => {
            seen.push(batch.map((e) => e.offset));
            if (!failed) {
              failed = true;
              throw new Error('transient failure');
            }
          },
        }),
      );
      const deadline = Date.now() + timeout;
      while (seen.flat().filter((o) => o === 9).length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await sub.stop();
      expect(seen[1]).toEqual(seen[0]);
      expect(new Set(seen.flat())).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i)));
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('transient failure');
    });

    it('waits in stop() for the batch in flight and commits it', async () => {
      const topic = unique('stop');
      const group = unique('g');
      const appended = await log.append(
        topic,
        events(5, () => 'one-key'),
      );
      let entered!: () => void;
      const inHandler = new Promise<void>((r) => {
        entered = r;
      });
      let finished = false;
      const sub = await log.subscribe({
        topic,
        group,
        handler: async () => {
          entered();
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      });
      await inHandler;
      await sub.stop();
      expect(finished).toBe(true);
      const committed = await log.committed(topic, group);
      expect(committed[appended[0]!.partition]).toBe(5);
    });

    it('reports the log end per partition, which a caught-up group has committed', async () => {
      const topic = unique('ends');
      expect(await log.endOffsets(topic)).toEqual(new Array(await log.partitions(topic)).fill(0));
      const appended = await log.append(topic, events(12));
      const ends = await log.endOffsets(topic);
      expect(ends).toHaveLength(await log.partitions(topic));
      for (let part = 0; part < ends.length; part++) {
        const mine = appended.filter((e) => e.partition === part);
        expect(ends[part]).toBe(mine.length === 0 ? 0 : mine[mine.length - 1]!.offset + 1);
      }
      const group = unique('ends-group');
      const c = collector(timeout);
      const sub = await log.subscribe({ topic, group, handler: c.handler });
      await c.waitFor(12);
      await sub.stop();
      expect(await log.committed(topic, group)).toEqual(ends);
    });

    it('trims no event a group has not processed, none newer than the bound, and never the newest', async () => {
      const topic = unique('trim');
      const appended = await log.append(topic, events(10));
      const group = unique('trim-group');
      const c = collector(timeout);
      const sub = await log.subscribe({ topic, group, handler: c.handler, maxBatch: 4 });
      await c.waitFor(10);
      await sub.stop();
      const lagging = unique('trim-lagging');
      // A group that committed nothing yet (it never ran) does not hold the log back; one that did would.
      const deleted = await log.trim(topic, Date.now() + 60_000);
      expect(deleted).toBeLessThanOrEqual(10 - new Set(appended.map((e) => e.partition)).size);
      const ends = await log.endOffsets(topic);
      expect(ends).toEqual(await log.committed(topic, group));
      // Offsets keep counting after a trim.
      const [next] = await log.append(topic, [{ key: appended[0]!.key, value: 'after trim' }]);
      expect(next!.offset).toBe(ends[next!.partition]);
      expect(await log.committed(topic, lagging)).toEqual(new Array(ends.length).fill(0));
    });

    it('reports zero committed offsets for a group that never consumed', async () => {
      const topic = unique('fresh');
      await log.append(topic, events(3));
      const committed = await log.committed(topic, unique('never'));
      expect(committed).toHaveLength(await log.partitions(topic));
      expect(committed.every((o) => o === 0)).toBe(true);
    });
  });
}
