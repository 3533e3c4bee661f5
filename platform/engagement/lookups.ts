import { AppError } from '../../core/errors/registry.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList } from '../../core/metadata/sql.ts';
import type { AccessVideo, Relation } from '../../domain/access.ts';
import { canView, videoAccess } from '../../domain/access.ts';
import { relationsTo, relationTo } from '../../domain/repos/relation.ts';

/** The video fields engagement needs. */
export interface VideoRef {
  id: string;
  authorId: string;
  durationMs: number | null;
  hashtags: string[];
  createdAt: number;
}

interface VideoRow {
  id: string;
  author_id: string;
  privacy: string;
  status: string;
  moderation: string;
  author_private: number;
  duration_ms: number | null;
  hashtags: string;
  created_at: number;
}

const COLUMNS = 'id, author_id, privacy, status, moderation, author_private, duration_ms, hashtags, created_at';

/** What the access rule reads of a row. */
function accessOf(row: VideoRow): AccessVideo {
  return {
    authorId: row.author_id,
    privacy: row.privacy,
    status: row.status,
    moderation: row.moderation,
    authorPrivate: Number(row.author_private) === 1,
  };
}

function toRef(row: VideoRow): VideoRef {
  let tags: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.hashtags);
    if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    // A corrupt hashtag column only loses tags, never the engagement.
  }
  return {
    id: row.id,
    authorId: row.author_id,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    hashtags: tags,
    createdAt: Number(row.created_at),
  };
}

/**
 * A video the viewer may engage with (`canView`), or 404 VIDEO_NOT_FOUND: a video someone may not see
 * answers exactly like one that does not exist, so its existence never leaks.
 */
export async function visibleVideo(db: SqlExecutor, videoId: string, viewerId: string | undefined): Promise<VideoRef> {
  const row = await db.get<VideoRow>(`SELECT ${COLUMNS} FROM videos WHERE id = $1 AND deleted_at IS NULL`, [videoId]);
  if (!row) throw new AppError('VIDEO_NOT_FOUND');
  const video = accessOf(row);
  if (!canView(viewerId, video, await relationTo(db, viewerId, video))) throw new AppError('VIDEO_NOT_FOUND');
  return toRef(row);
}

/**
 * A video the user may engage with (like, comment): `visibleVideo`, except that a video hidden only by a
 * block between the user and its author is 403 BLOCKED rather than 404, since the write is refused for
 * the block. A video hidden for any other reason stays 404, so nothing new leaks by the block.
 */
export async function engageableVideo(db: SqlExecutor, videoId: string, userId: string): Promise<VideoRef> {
  const row = await db.get<VideoRow>(`SELECT ${COLUMNS} FROM videos WHERE id = $1 AND deleted_at IS NULL`, [videoId]);
  if (!row) throw new AppError('VIDEO_NOT_FOUND');
  const verdict = engageVerdict(userId, row, await relationTo(db, userId, accessOf(row)));
  if (verdict instanceof AppError) throw verdict;
  return verdict;
}

/**
 * `engageableVideo` for many (user, video) asks at once, answered in order with the video or the error
 * `engageableVideo` would throw: one read of the rows and one of the blocks among the pairs.
 */
export async function engageableVideos(
  db: SqlExecutor,
  asks: readonly { userId: string; videoId: string }[],
): Promise<(VideoRef | AppError)[]> {
  const rows = new Map(
    (
      await videoRows(
        db,
        asks.map((a) => a.videoId),
        ' AND deleted_at IS NULL',
      )
    ).map((r) => [r.id, r]),
  );
  const found = asks.flatMap((a) => {
    const row = rows.get(a.videoId);
    return row ? [{ viewerId: a.userId, video: accessOf(row), row }] : [];
  });
  const relations = await relationsTo(db, found);
  const verdicts = new Map(
    found.map((f, i) => [`${f.viewerId}\u0000${f.row.id}`, engageVerdict(f.viewerId, f.row, relations[i]!)]),
  );
  return asks.map((a) => verdicts.get(`${a.userId}\u0000${a.videoId}`) ?? new AppError('VIDEO_NOT_FOUND'));
}

/** The engagement rule for one row and relation: the video, or the error to answer. */
function engageVerdict(userId: string, row: VideoRow, relation: Relation): VideoRef | AppError {
  const video = accessOf(row);
  const verdict = videoAccess(userId, video, relation);
  if (verdict === 'visible') return toRef(row);
  if (verdict === 'blocked' && canView(userId, video, { ...relation, blocked: false })) return new AppError('BLOCKED');
  return new AppError('VIDEO_NOT_FOUND');
}

/** Video rows by id, read in chunks of 200 ids per statement. */
async function videoRows(db: SqlExecutor, ids: readonly string[], where = ''): Promise<VideoRow[]> {
  const unique = [...new Set(ids)];
  const out: VideoRow[] = [];
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    const marks = inList(chunk.length);
    out.push(...(await db.all<VideoRow>(`SELECT ${COLUMNS} FROM videos WHERE id IN (${marks})${where}`, chunk)));
  }
  return out;
}

/** Videos by id regardless of privacy (consumers apply events already accepted by the API). */
export async function videosById(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, VideoRef>> {
  return new Map((await videoRows(db, ids)).map((r) => [r.id, toRef(r)]));
}

/**
 * `visibleVideo` for a batch: the videos among `ids` the viewer may see (`canView`), by id; the others
 * are absent. One read of the rows and one relation per author and privacy, not a query per video.
 */
export async function visibleVideos(
  db: SqlExecutor,
  ids: readonly string[],
  viewerId: string | undefined,
): Promise<Map<string, VideoRef>> {
  const rows = await videoRows(db, ids, ' AND deleted_at IS NULL');
  const relations = new Map<string, Promise<Relation>>();
  const seen = await Promise.all(
    rows.map(async (row) => {
      const video = accessOf(row);
      const key = `${row.author_id}\u0000${row.privacy}\u0000${video.authorPrivate}`;
      let relation = relations.get(key);
      if (!relation) {
        relation = relationTo(db, viewerId, video);
        relations.set(key, relation);
      }
      return canView(viewerId, video, await relation) ? row : undefined;
    }),
  );
  return new Map(seen.filter((r) => r !== undefined).map((r) => [r.id, toRef(r)]));
}

/** Throws 404 USER_NOT_FOUND unless the user exists and is not deleted. */
export async function requireActiveUser(db: SqlExecutor, userId: string): Promise<{ id: string; handle: string }> {
  const row = await db.get<{ id: string; handle: string }>(
    'SELECT id, handle FROM users WHERE id = $1 AND deleted_at IS NULL',
    [userId],
  );
  if (!row) throw new AppError('USER_NOT_FOUND');
  return row;
}
