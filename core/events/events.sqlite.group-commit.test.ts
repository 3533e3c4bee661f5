import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { type EncodedEvent, takeWhole } from './events.common.ts';
import { GroupCommit, type PendingAppend } from './events.sqlite.group-commit.ts';
import { openEventLog } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-group-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const encoded = (n: number, tag: string): EncodedEvent[] =>
  Array.from({ length: n }, (_, i) => ({ key: tag, json: JSON.stringify(`${tag}-${i}`), timestamp: 1 }));

/** A commit that records each group and logs every event at a running offset. */
function recordingCommit() {
  const groups: string[][] = [];
  let offset = 0;
  const commit = (group: readonly PendingAppend[]) => {
    groups.push(group.map((p) => p.encoded[0]!.key));
    return group.map((p) =>
      p.encoded.map((e) => ({ topic: p.topic, partition: 0, offset: offset++, key: e.key, value: 0, timestamp: 1 })),
    );
  };
  return { groups, commit };
}

describe('group commit', () => {
  it('writes the first append of a turn at once and the rest of that turn as one group, in arrival order', async () => {
    const { groups, commit } = recordingCommit();
    const gc = new GroupCommit(commit);
    const results = await Promise.all(['a', 'b', 'c'].map((t) => gc.append('t', encoded(2, t))));
    expect(groups).toEqual([['a'], ['b', 'c']]);
    expect(results.map((r) => r.map((e) => e.offset))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    // A lone append in a later turn goes out at once again, without waiting for the turn's end.
    const lone = gc.append('t', encoded(1, 'd'));
    expect(groups).toEqual([['a'], ['b', 'c'], ['d']]);
    await lone;
  });

  it('splits a turn into groups of at most maxEvents, never splitting an append', async () => {
    const { groups, commit } = recordingCommit();
    const gc = new GroupCommit(commit, 5);
    await Promise.all([
      gc.append('t', encoded(3, 'a')),
      gc.append('t', encoded(3, 'b')),
      gc.append('t', encoded(9, 'c')),
    ]);
    expect(groups).toEqual([['a'], ['b'], ['c']]);
  });

  it('rejects every append of a failed group and keeps serving later ones', async () => {
    let fail = true;
    const { commit } = recordingCommit();
    const gc = new GroupCommit((group) => {
      if (fail) throw new Error('disk full');
      return commit(group);
    });
    const first = await Promise.allSettled([gc.append('t', encoded(1, 'a')), gc.append('t', encoded(1, 'b'))]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(gc.append('t', encoded(1, 'c'))).resolves.toHaveLength(1);
  });
});

describe('takeWhole', () => {
  it('takes the oldest entries whole while they fit, and always at least one', () => {
    const queue = [3, 2, 4, 9, 1];
    expect(takeWhole(queue, 5, (n) => n)).toEqual([3, 2]);
    expect(takeWhole(queue, 5, (n) => n)).toEqual([4]);
    expect(takeWhole(queue, 5, (n) => n)).toEqual([9]);
    expect(takeWhole(queue, 5, (n) => n)).toEqual([1]);
    expect(queue).toEqual([]);
    expect(takeWhole(queue, 5, (n) => n)).toEqual([]);
  });
});

describe('sqlite event log group commit', () => {
  it('gives concurrent appends to several topics dense offsets per topic', async () => {
    const log = await openEventLog(`sqlite://${join(dir, 'dense.db')}`);
    try {
      const got = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          log.append(i % 2 ? 'odd' : 'even', [
            { key: 'k', value: i },
            { key: 'k', value: i },
          ]),
        ),
      );
      for (const topic of ['odd', 'even']) {
        const offsets = got
          .flat()
          .filter((e) => e.topic === topic)
          .map((e) => e.offset);
        expect(offsets).toEqual([...Array(12).keys()]);
        const read = await log.read(topic, 0, 0, 100);
        expect(read.map((e) => e.value)).toEqual(
          got
            .flat()
            .filter((e) => e.topic === topic)
            .map((e) => e.value),
        );
      }
    } finally {
      await log.close();
    }
  });

  it('writes nothing of a group whose transaction failed, rejects each append, and recovers', async () => {
    const path = join(dir, 'busy.db');
    const log = await openEventLog(`sqlite://${path}?busyTimeoutMs=1`);
    const other = new DatabaseSync(path);
    try {
      await log.append('busy', [{ key: 'k', value: 'before' }]);
      other.exec('BEGIN IMMEDIATE');
      const settled = await Promise.allSettled([
        log.append('busy', [{ key: 'k', value: 1 }]),
        log.append('busy', [{ key: 'k', value: 2 }]),
      ]);
      expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      other.exec('ROLLBACK');
      await log.append('busy', [{ key: 'k', value: 'after' }]);
      expect((await log.read('busy', 0, 0, 10)).map((e) => e.value)).toEqual(['before', 'after']);
    } finally {
      other.close();
      await log.close();
    }
  });

  it('writes appends accepted before close', async () => {
    const path = join(dir, 'close.db');
    const log = await openEventLog(`sqlite://${path}`);
    const pending = log.append('closing', [{ key: 'k', value: 'last' }]);
    await log.close();
    await expect(pending).resolves.toHaveLength(1);
    const reopened = await openEventLog(`sqlite://${path}`);
    try {
      expect((await reopened.read('closing', 0, 0, 10)).map((e) => e.value)).toEqual(['last']);
    } finally {
      await reopened.close();
    }
  });
});
