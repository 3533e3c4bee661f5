/**
 * The behaviour every MetadataStore backend promises. Backend test files only supply `open`; each call
 * must open the same database, and the suite leaves rows behind under unique ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../ids.ts';
import { isUniqueViolation } from './errors.ts';
import { loadMigrations } from './migrations.ts';
import type { MetadataStore } from './ports.ts';

/** Registers the MetadataStore contract tests for one backend. */
export function describeMetadataStoreContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeAll(async () => {
      store = await open();
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
    });

    const insertUser = (id: string, handle: string, createdAt = 1_700_000_000_000) =>
      store.run('INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [
        id,
        handle,
        'Display ' + handle,
        'hash',
        createdAt,
      ]);
    const countUsers = async (ids: string[]) =>
      (
        await store.get<{ n: number }>(
          `SELECT COUNT(*) AS n FROM users WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')})`,
          ids,
        )
      )?.n;

    it('records every migration once, and a second migrate() changes nothing', async () => {
      const before = await store.all('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
      expect(before.map((r) => r.version)).toEqual(loadMigrations(store.dialect).map((m) => m.version));
      await store.migrate();
      await store.migrate();
      expect(await store.all('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).toEqual(
        before,
      );
    });

    it('round-trips a row through insert, select, update and delete', async () => {
      const id = newId();
      const handle = `h_${id}`;
      expect(await insertUser(id, handle)).toEqual({ changes: 1 });
      expect(await store.get('SELECT id, handle, bio, deleted_at FROM users WHERE id = $1', [id])).toEqual({
        id,
        handle,
        bio: '',
        deleted_at: null,
      });
      expect(await store.run('UPDATE users SET bio = $1 WHERE id = $2', ['hello', id])).toEqual({ changes: 1 });
      expect((await store.get<{ bio: string }>('SELECT bio FROM users WHERE id = $1', [id]))?.bio).toBe('hello');
      expect(await store.all('SELECT id FROM users WHERE handle = $1', [handle])).toEqual([{ id }]);
      expect(await store.run('DELETE FROM users WHERE id = $1', [id])).toEqual({ changes: 1 });
      expect(await store.get('SELECT id FROM users WHERE id = $1', [id])).toBeUndefined();
      expect(await store.all('SELECT id FROM users WHERE id = $1', [id])).toEqual([]);
      expect(await store.run('DELETE FROM users WHERE id = $1', [id])).toEqual({ changes: 0 });
    });

    it('binds $n placeholders by number: nulls, repeats, any order, large epoch-ms values', async () => {
      const id = newId();
      const far = Date.UTC(2200, 0, 1);
      await store.run(
        'INSERT INTO videos (id, author_id, caption, music_id, created_at, processed_at, failure_code) VALUES ($2, $1, $4, $3, $5, $6, $3)',
        ['author', id, null, 'it costs $1, not $2', far, Number.MAX_SAFE_INTEGER],
      );
      const row = await store.get('SELECT * FROM videos WHERE id = $1 AND author_id = $2', [id, 'author']);
      expect(row).toMatchObject({
        id,
        author_id: 'author',
        caption: 'it costs $1, not $2',
        music_id: null,
        failure_code: null,
        deleted_at: null,
        created_at: far,
        processed_at: Number.MAX_SAFE_INTEGER,
        version: 1,
        privacy: 'public',
      });
      expect(await store.get("SELECT '$1' AS literal, $1 AS bound FROM videos WHERE id = $1", [id])).toEqual({
        literal: '$1',
        bound: id,
      });
    });

    it('returns INTEGER, BIGINT, COUNT and SUM values as JS numbers', async () => {
      const videoId = newId();
      await store.run(
        'INSERT INTO video_counters (video_id, views, likes, comments, shares, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [videoId, 5_000_000_000, 7, 0, 1, 1_700_000_000_123],
      );
      await store.run('INSERT INTO served_items VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        'req',
        3,
        'u',
        videoId,
        'm1',
        'i1',
        0.125,
        '{}',
        1,
      ]);
      const counters = await store.get<Record<string, unknown>>('SELECT * FROM video_counters WHERE video_id = $1', [
        videoId,
      ]);
      expect(counters).toEqual({
        video_id: videoId,
        views: 5_000_000_000,
        likes: 7,
        comments: 0,
        shares: 1,
        updated_at: 1_700_000_000_123,
      });
      const agg = await store.get<Record<string, unknown>>(
        'SELECT COUNT(*) AS n, SUM(views) AS total, MAX(likes) AS top FROM video_counters WHERE video_id = $1',
        [videoId],
      );
      expect(agg).toEqual({ n: 1, total: 5_000_000_000, top: 7 });
      const served = await store.get('SELECT position, propensity FROM served_items WHERE video_id = $1', [videoId]);
      expect(served).toEqual({ position: 3, propensity: 0.125 });
    });

    it('commits a transaction when its callback resolves, returning its value', async () => {
      const [a, b] = [newId(), newId()];
      const result = await store.transaction(async (tx) => {
        await tx.run(
          'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 1)',
          [a],
        );
        await tx.run(
          'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 2)',
          [b],
        );
        return (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE id IN ($1, $2)', [a, b]))?.n;
      });
      expect(result).toBe(2);
      expect(await countUsers([a, b])).toBe(2);
    });

    it('rolls back everything when the callback throws, and rethrows the same error', async () => {
      const id = newId();
      const boom = new Error('boom');
      const attempt = store.transaction(async (tx) => {
        await tx.run(
          'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 1)',
          [id],
        );
        await store.run('UPDATE users SET bio = $1 WHERE id = $2', ['inside', id]);
        throw boom;
      });
      await expect(attempt).rejects.toBe(boom);
      expect(await countUsers([id])).toBe(0);
    });

    it('joins a nested transaction and store calls made inside a transaction to the outer one', async () => {
      const [outer, inner] = [newId(), newId()];
      await expect(
        store.transaction(async (tx) => {
          await insertUser(outer, outer);
          await store.transaction(async (tx2) => {
            await tx2.run(
              'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 1)',
              [inner],
            );
            await tx.run('UPDATE users SET bio = $1 WHERE id = $2', ['via outer tx', inner]);
          });
          expect(await countUsers([outer, inner])).toBe(2);
          throw new Error('undo both');
        }),
      ).rejects.toThrow('undo both');
      expect(await countUsers([outer, inner])).toBe(0);
    });

    it('undoes only a failed nested transaction when the outer one catches its error', async () => {
      const [kept, undone] = [newId(), newId()];
      await store.transaction(async () => {
        await insertUser(kept, `k_${kept}`);
        const failed = store.transaction(async () => {
          await insertUser(undone, `u_${undone}`);
          await insertUser(newId(), `k_${kept}`); // duplicate handle
        });
        await expect(failed).rejects.toSatisfy(isUniqueViolation);
        await store.run('UPDATE users SET bio = $1 WHERE id = $2', ['after', kept]);
      });
      expect(await store.all('SELECT id, bio FROM users WHERE id IN ($1, $2)', [kept, undone])).toEqual([
        { id: kept, bio: 'after' },
      ]);
    });

    it('runs concurrent read-modify-write transactions without losing an update', async () => {
      const videoId = newId();
      await store.run('INSERT INTO video_counters (video_id, updated_at) VALUES ($1, 0)', [videoId]);
      const bump = async () => {
        for (let i = 0; i < 50; i++) {
          await store.transaction(async (tx) => {
            const row = await tx.get<{ likes: number }>('SELECT likes FROM video_counters WHERE video_id = $1', [
              videoId,
            ]);
            await tx.run('UPDATE video_counters SET likes = $1 WHERE video_id = $2', [row!.likes + 1, videoId]);
          });
        }
      };
      await Promise.all([bump(), bump()]);
      const row = await store.get('SELECT likes FROM video_counters WHERE video_id = $1', [videoId]);
      expect(row).toEqual({ likes: 100 });
    });

    it('never shows another caller half of a transaction', async () => {
      const [a, b] = [newId(), newId()];
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const writer = store.transaction(async (tx) => {
        await tx.run(
          'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 1)',
          [a],
        );
        inserted();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await tx.run(
          'INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $1, $1, $1, 1)',
          [b],
        );
      });
      await firstInserted;
      const seen = await countUsers([a, b]);
      await writer;
      expect([0, 2]).toContain(seen);
      expect(await countUsers([a, b])).toBe(2);
    });

    it('reports UNIQUE and PRIMARY KEY violations in a shape isUniqueViolation recognises', async () => {
      const id = newId();
      await insertUser(id, `dup_${id}`);
      const duplicateHandle = await insertUser(newId(), `dup_${id}`).catch((err: unknown) => err);
      const duplicateKey = await insertUser(id, `other_${id}`).catch((err: unknown) => err);
      const notNull = await store
        .run('INSERT INTO users (id, handle) VALUES ($1, $2)', [newId(), `nn_${id}`])
        .catch((err: unknown) => err);
      const syntax = await store.run('INSERT INTO nowhere VALUES (1)').catch((err: unknown) => err);
      expect(duplicateHandle).toBeInstanceOf(Error);
      expect(isUniqueViolation(duplicateHandle)).toBe(true);
      expect(isUniqueViolation(duplicateKey)).toBe(true);
      expect(notNull).toBeInstanceOf(Error);
      expect(isUniqueViolation(notNull)).toBe(false);
      expect(isUniqueViolation(syntax)).toBe(false);
      expect(isUniqueViolation(new Error('plain'))).toBe(false);
    });

    it('rejects a transaction executor used after its transaction ended', async () => {
      let leaked: Parameters<Parameters<MetadataStore['transaction']>[0]>[0] | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.get('SELECT 1 AS one')).rejects.toThrow(/after its transaction ended/);
    });

    it('answers ping while open and rejects statements after close', async () => {
      const other = await open();
      await other.ping();
      await other.close();
      await expect(other.ping()).rejects.toThrow();
      await expect(other.get('SELECT 1 AS one')).rejects.toThrow();
      await other.close();
    });
  });
}
