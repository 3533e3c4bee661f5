/**
 * bench:feed's data: users with sessions, videos, follows and counters in the metadata store, a few
 * watches and likes per user in the feature store, and the trending set.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Cache } from '../../core/cache/ports.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore, SqlValue } from '../../core/metadata/ports.ts';
import type { FeatureStore, FeatureStoreEvent } from '../../feature-store/ports.ts';
import { TRENDING_KEY } from '../../feature-store/trending.ts';

export interface SeededUser {
  id: string;
  token: string;
}

export interface SeededVideo {
  id: string;
  author: string;
  createdAt: number;
  tags: string[];
}

async function insertRows(db: MetadataStore, table: string, cols: string[], rows: SqlValue[][]): Promise<void> {
  const per = Math.floor(900 / cols.length);
  await db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const values = chunk.map((_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(', ')})`);
      await tx.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values.join(', ')}`, chunk.flat());
    }
  });
}

/** Users, sessions, videos, follows, counters: returns bearer tokens and video ids. */
export async function seedMetadata(
  db: MetadataStore,
  rand: () => number,
  size: { users: number; videos: number },
): Promise<{ users: SeededUser[]; videos: SeededVideo[] }> {
  const now = Date.now();
  const users = Array.from({ length: size.users }, (_, i) => ({
    id: newId(now - i),
    token: randomBytes(24).toString('base64url'),
  }));
  await insertRows(
    db,
    'users',
    ['id', 'handle', 'display_name', 'password_hash', 'created_at'],
    users.map((u, i) => [u.id, `user${i}`, `User ${i}`, 'x', now]),
  );
  await insertRows(
    db,
    'sessions',
    ['token_hash', 'user_id', 'created_at', 'expires_at'],
    users.map((u) => [createHash('sha256').update(u.token).digest('hex'), u.id, now, now + 86_400_000]),
  );
  const tags = Array.from({ length: 200 }, (_, i) => `tag${i}`);
  const videos = Array.from({ length: size.videos }, (_, i) => ({
    id: newId(now - i * 1000),
    author: users[Math.floor(rand() ** 2 * size.users)]!.id,
    createdAt: now - Math.floor(rand() * 30 * 86_400_000),
    tags: [tags[Math.floor(rand() * tags.length)]!, tags[Math.floor(rand() * tags.length)]!],
  }));
  await insertRows(
    db,
    'videos',
    ['id', 'author_id', 'hashtags', 'status', 'duration_ms', 'version', 'poster_key', 'created_at', 'processed_at'],
    videos.map((v) => [
      v.id,
      v.author,
      JSON.stringify(v.tags),
      'ready',
      15_000,
      1,
      `videos/${v.id}/v1/thumbs/poster.jpg`,
      v.createdAt,
      now,
    ]),
  );
  const follows = new Set<string>();
  const followRows: SqlValue[][] = [];
  for (const u of users) {
    for (let k = 0; k < 20; k++) {
      const f = users[Math.floor(rand() ** 2 * size.users)]!.id;
      if (f === u.id || follows.has(`${u.id}|${f}`)) continue;
      follows.add(`${u.id}|${f}`);
      followRows.push([u.id, f, now]);
    }
  }
  await insertRows(db, 'follows', ['follower_id', 'followee_id', 'created_at'], followRows);
  await insertRows(
    db,
    'video_counters',
    ['video_id', 'views', 'likes', 'comments', 'shares', 'updated_at'],
    videos.map((v) => {
      const views = Math.floor(rand() ** 4 * 100_000);
      return [v.id, views, Math.floor(views * rand() * 0.1), Math.floor(views * 0.01), 0, now];
    }),
  );
  // Planner statistics for the bulk-loaded tables, as autovacuum gathers them on a live database (the
  // store keeps prepared statements, whose cached plans would otherwise assume empty tables).
  await db.run('ANALYZE');
  return { users, videos };
}

/** Some engagement: each user watched five videos and liked two of them; the trending set holds 1,000. */
export async function seedEngagement(
  featureStore: FeatureStore,
  cache: Cache,
  rand: () => number,
  users: readonly SeededUser[],
  videos: readonly SeededVideo[],
): Promise<void> {
  const events: FeatureStoreEvent[] = [];
  for (const u of users) {
    for (let k = 0; k < 5; k++) {
      const v = videos[Math.floor(rand() * videos.length)]!;
      const video = { id: v.id, author: v.author, tags: v.tags, durationBucket: 2, uploadMs: v.createdAt };
      const at = Date.now() - Math.floor(rand() * 3_600_000);
      events.push({ id: newId(), type: 'play_start', user: `u:${u.id}`, video, timeMs: at });
      if (k < 2) events.push({ id: newId(), type: 'like', user: `u:${u.id}`, video, timeMs: at + 1 });
    }
  }
  for (let i = 0; i < events.length; i += 2000) await featureStore.applyEvents(events.slice(i, i + 2000));
  await cache.zAdd(
    TRENDING_KEY,
    videos.slice(0, 1000).map((v, i) => ({ member: v.id, score: 1000 - i })),
  );
}
