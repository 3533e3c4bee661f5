import { AppError } from '../../core/errors/registry.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { inList } from '../../core/metadata/sql.ts';
import { accountListsClosed } from '../../domain/access.ts';
import { blocksRepo } from '../../domain/repos/blocks.repo.ts';
import { accountPrivacyRepo } from '../../domain/repos/follow-requests.repo.ts';
import { followsRepo } from '../../domain/repos/follows.repo.ts';
import type { AppDeps } from '../api/deps.ts';
import type { CardPage } from '../discovery/discovery.service.ts';
import { type Candidate, visiblePage } from '../discovery/paging.ts';
import { type CardLinks, videoCards, visibleIds } from '../discovery/video-cards.ts';
import { VideoCounters } from './counters.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { requireActiveUser } from './lookups.ts';

/** A user in a follower or following list. */
export interface UserItem {
  id: string;
  handle: string;
  display_name: string;
}

type Page = { cursor?: string | undefined; limit: number };

/** Newest first by (t, id) from `sql`, which selects `id, t` and takes `$1` (the owner), `$2` (n) and maybe `$3`, `$4`. */
function keyset(db: SqlExecutor, sql: (after: boolean) => string, owner: string) {
  return async (after: string | undefined, n: number): Promise<Candidate[]> => {
    const pos = after === undefined ? undefined : decodeCursor(after);
    const rows = await db.all<{ id: string; t: number }>(
      sql(pos !== undefined),
      pos ? [owner, n, pos.t, pos.id] : [owner, n],
    );
    return rows.map((r) => ({ id: r.id, cursor: encodeCursor({ t: Number(r.t), id: r.id }) }));
  };
}
const after = (t: string, id: string) => ` AND (${t} < $3 OR (${t} = $3 AND ${id} < $4))`;

/**
 * A user's lists as one viewer sees them: their videos, their liked videos (only their own unless they
 * made likes public), their followers and who they follow. A private account's liked videos and people
 * lists are its owner's and approved followers' only (403 ACCOUNT_PRIVATE, `accountListsClosed`); its
 * videos pass the access rule like everywhere. A block either way answers 404 USER_NOT_FOUND,
 * like the profile; videos pass the one access rule, and users across a block with the viewer, banned
 * or deleted users are left out of the people lists.
 */
export function profileListsService(deps: Pick<AppDeps, 'metadata' | 'config' | 'secret' | 'clock' | 'cache'>) {
  const db = deps.metadata;
  const counters = new VideoCounters(deps);
  const links = (): CardLinks => ({
    secret: deps.secret,
    nowMs: deps.clock.now(),
    ttlS: deps.config.PLAYBACK_TOKEN_TTL_S,
    publicBaseUrl: deps.config.PUBLIC_BASE_URL,
  });

  async function visibleUser(userId: string, viewerId: string | undefined): Promise<void> {
    await requireActiveUser(db, userId);
    if (viewerId !== undefined && viewerId !== userId && (await blocksRepo(db).eitherWay(viewerId, userId))) {
      throw new AppError('USER_NOT_FOUND');
    }
  }
  /** `visibleUser`, then 403 ACCOUNT_PRIVATE unless the account is public or the viewer may see it. */
  async function openLists(userId: string, viewerId: string | undefined): Promise<void> {
    await visibleUser(userId, viewerId);
    const owner = { id: userId, private: await accountPrivacyRepo(db).isPrivate(userId) };
    const follows = owner.private && viewerId !== undefined && (await followsRepo(db).isFollowing(viewerId, userId));
    if (accountListsClosed(viewerId, owner, follows)) throw new AppError('ACCOUNT_PRIVATE');
  }
  async function cards(fetch: ReturnType<typeof keyset>, viewerId: string | undefined, page: Page): Promise<CardPage> {
    const { ids, next_cursor } = await visiblePage(fetch, (b) => visibleIds(db, b, viewerId), page.cursor, page.limit);
    return { items: await videoCards(db, counters, ids, viewerId, links()), next_cursor };
  }
  async function people(
    fetch: ReturnType<typeof keyset>,
    viewerId: string | undefined,
    page: Page,
  ): Promise<{ items: UserItem[]; next_cursor: string | null }> {
    const blocked = viewerId ? await blocksRepo(db).involving(viewerId) : new Set<string>();
    const keep = async (ids: string[]) =>
      new Set(
        (
          await db.all<{ id: string }>(
            `SELECT id FROM users WHERE id IN (${inList(ids.length)}) AND deleted_at IS NULL AND banned_at IS NULL`,
            ids,
          )
        )
          .map((r) => r.id)
          .filter((id) => !blocked.has(id)),
      );
    const { ids, next_cursor } = await visiblePage(fetch, keep, page.cursor, page.limit);
    if (ids.length === 0) return { items: [], next_cursor };
    const rows = await db.all<UserItem>(
      `SELECT id, handle, display_name FROM users WHERE id IN (${inList(ids.length)})`,
      ids,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return { items: ids.map((id) => byId.get(id)!).filter(Boolean), next_cursor };
  }

  return {
    /** The user's videos the viewer may open, newest first (all of their own, in any state, for the owner). */
    async videos(userId: string, viewerId: string | undefined, page: Page): Promise<CardPage> {
      await visibleUser(userId, viewerId);
      const fetch = keyset(
        db,
        (a) =>
          `SELECT id, created_at AS t FROM videos WHERE author_id = $1 AND deleted_at IS NULL${a ? after('created_at', 'id') : ''}
           ORDER BY created_at DESC, id DESC LIMIT $2`,
        userId,
      );
      return cards(fetch, viewerId, page);
    },

    /** Videos the user liked, most recent like first; 403 LIKES_PRIVATE for others unless made public. */
    async likes(userId: string, viewerId: string | undefined, page: Page): Promise<CardPage> {
      await openLists(userId, viewerId);
      if (viewerId !== userId && !(await likesPublic(db, userId))) throw new AppError('LIKES_PRIVATE');
      const fetch = keyset(
        db,
        (a) =>
          `SELECT video_id AS id, created_at AS t FROM likes WHERE user_id = $1${a ? after('created_at', 'video_id') : ''}
           ORDER BY created_at DESC, video_id DESC LIMIT $2`,
        userId,
      );
      return cards(fetch, viewerId, page);
    },

    /** Who follows the user, most recent first. */
    async followers(userId: string, viewerId: string | undefined, page: Page) {
      await openLists(userId, viewerId);
      const fetch = keyset(
        db,
        (a) =>
          `SELECT follower_id AS id, created_at AS t FROM follows WHERE followee_id = $1${a ? after('created_at', 'follower_id') : ''}
           ORDER BY created_at DESC, follower_id DESC LIMIT $2`,
        userId,
      );
      return people(fetch, viewerId, page);
    },

    /** Whom the user follows, most recent first. */
    async following(userId: string, viewerId: string | undefined, page: Page) {
      await openLists(userId, viewerId);
      const fetch = keyset(
        db,
        (a) =>
          `SELECT followee_id AS id, created_at AS t FROM follows WHERE follower_id = $1${a ? after('created_at', 'followee_id') : ''}
           ORDER BY created_at DESC, followee_id DESC LIMIT $2`,
        userId,
      );
      return people(fetch, viewerId, page);
    },

    /** The caller's settings. */
    async settings(userId: string): Promise<{ likes_public: boolean }> {
      return { likes_public: await likesPublic(db, userId) };
    },

    /** Changes the caller's settings; returns them. */
    async updateSettings(
      userId: string,
      edit: { likes_public?: boolean | undefined },
    ): Promise<{ likes_public: boolean }> {
      if (edit.likes_public !== undefined) {
        await db.run('UPDATE users SET likes_public = $2 WHERE id = $1', [userId, edit.likes_public ? 1 : 0]);
      }
      return { likes_public: await likesPublic(db, userId) };
    },
  };
}

/** Whether the user lists their liked videos to others (false by default). */
export async function likesPublic(db: SqlExecutor, userId: string): Promise<boolean> {
  const row = await db.get<{ likes_public: number }>('SELECT likes_public FROM users WHERE id = $1', [userId]);
  return Number(row?.likes_public ?? 0) === 1;
}
