/**
 * Search over the catalogue and the people in it. Embedded: SQLite FTS5 (`search.sqlite.ts`); scaled:
 * PostgreSQL full text (`search.postgres.ts`); `open.ts` picks one by the metadata store's URL.
 * @remarks Returns candidates only: removed, deleted and unfinished videos never, but privacy and blocks
 * are the caller's to apply with the one access rule (`discovery.service.ts` does).
 */
export interface SearchIndex {
  /**
   * Ready, not removed videos whose caption or hashtags hold a word starting with each of `terms`
   * (all of them), best match first, then newest; `limit` ids from `offset` in that order.
   */
  videos(terms: readonly string[], offset: number, limit: number): Promise<string[]>;
  /** Active users (not deleted, not banned) whose handle starts with `prefix`, shortest handle first. */
  users(prefix: string, limit: number): Promise<UserHit[]>;
  /** Hashtags starting with `prefix`, the most used first, with how many videos carry each. */
  tags(prefix: string, limit: number): Promise<TagHit[]>;
}

/** A user found by handle. */
export interface UserHit {
  id: string;
  handle: string;
  display_name: string;
}

/** A hashtag found by prefix. */
export interface TagHit {
  tag: string;
  video_count: number;
}
