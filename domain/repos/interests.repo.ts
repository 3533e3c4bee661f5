import type { MetadataStore } from '../../core/metadata/ports.ts';

/** The `user_interests` table: the tags a viewer picked (already normalised by `normaliseTag`). */
export function interestsRepo(db: MetadataStore) {
  return {
    /** Replaces the user's interests with `tags`, all or nothing. */
    async replace(userId: string, tags: readonly string[], now: number): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.run('DELETE FROM user_interests WHERE user_id = $1', [userId]);
        for (const t of tags) {
          await tx.run('INSERT INTO user_interests (user_id, tag, created_at) VALUES ($1, $2, $3)', [userId, t, now]);
        }
      });
    },

    /** The user's interests, sorted. */
    async list(userId: string): Promise<string[]> {
      const rows = await db.all<{ tag: string }>('SELECT tag FROM user_interests WHERE user_id = $1 ORDER BY tag', [
        userId,
      ]);
      return rows.map((r) => r.tag);
    },
  };
}

/** The repository's type. */
export type InterestsRepo = ReturnType<typeof interestsRepo>;
