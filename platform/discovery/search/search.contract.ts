import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { openSearchIndex } from './open.ts';
import type { SearchIndex } from './ports.ts';
import { searchTerms } from './terms.ts';

/** Every behaviour the SearchIndex port promises, run against one backend's metadata store. */
export function describeSearchContract(name: string, open: () => Promise<MetadataStore>) {
  describe(`SearchIndex contract: ${name}`, () => {
    let db: MetadataStore;
    let search: SearchIndex;
    let t = 1_000;

    async function video(id: string, caption: string, tags: string[], extra: Record<string, string> = {}) {
      const v = { privacy: 'public', status: 'ready', moderation: 'none', ...extra };
      await db.run(
        `INSERT INTO videos (id, author_id, caption, hashtags, privacy, status, moderation, created_at)
         VALUES ($1, 'author', $2, $3, $4, $5, $6, $7)`,
        [id, caption, JSON.stringify(tags), v.privacy, v.status, v.moderation, t++],
      );
      for (const tag of tags) await db.run('INSERT INTO video_hashtags (video_id, tag) VALUES ($1, $2)', [id, tag]);
    }
    async function user(id: string, handle: string, extra = '') {
      await db.run(
        `INSERT INTO users (id, handle, display_name, password_hash, created_at${extra ? `, ${extra}` : ''})
         VALUES ($1, $2, $3, 'x', 1${extra ? ', 5' : ''})`,
        [id, handle, handle.toUpperCase()],
      );
    }
    const find = async (q: string) => (await search.videos(searchTerms(q), 0, 50)).sort();

    beforeAll(async () => {
      db = await open();
      await db.migrate();
      search = openSearchIndex(db);
      await video('v-cats', 'Two cats asleep', ['pets']);
      await video('v-dogs', 'A dog park #dogs', ['dogs', 'pets']);
      await video('v-cafe', 'Café día_1', ['coffee']);
      await video('v-private', 'private cats', [], { privacy: 'private' });
      await video('v-removed', 'removed cats', ['pets'], { moderation: 'removed' });
      await video('v-processing', 'processing cats', [], { status: 'processing' });
      await video('v-deleted', 'deleted cats', []);
      await db.run('UPDATE videos SET deleted_at = 5 WHERE id = $1', ['v-deleted']);
      await user('u1', 'cat_lover');
      await user('u2', 'cat');
      await user('u3', 'catherine');
      await user('u4', 'catbanned', 'banned_at');
      await user('u5', 'catgone', 'deleted_at');
      await user('u6', 'caxt');
    });
    afterAll(() => db?.close());

    it('matches words of captions and hashtags by prefix, any case, every term', async () => {
      expect(await find('cats')).toEqual(['v-cats', 'v-private']);
      expect(await find('CAT')).toEqual(['v-cats', 'v-private']);
      expect(await find('#pets')).toEqual(['v-cats', 'v-dogs']);
      expect(await find('pets dog')).toEqual(['v-dogs']);
      expect(await find('pets cat asleep')).toEqual(['v-cats']);
      expect(await find('café')).toEqual(['v-cafe']);
      expect(await find('día_1')).toEqual(['v-cafe']);
      expect(await find('zebra')).toEqual([]);
      expect(await search.videos([], 0, 10)).toEqual([]);
    });

    it('never returns removed, deleted or unfinished videos; privacy is left to the access rule', async () => {
      const all = await find('cats');
      for (const id of ['v-removed', 'v-processing', 'v-deleted']) expect(all).not.toContain(id);
      expect(all).toContain('v-private');
    });

    it('follows caption edits and moderation at once', async () => {
      await db.run("UPDATE videos SET caption = 'Two kittens asleep' WHERE id = 'v-cats'");
      expect(await find('kitten')).toEqual(['v-cats']);
      expect(await find('cats')).toEqual(['v-private']);
      await db.run("UPDATE videos SET caption = 'Two cats asleep' WHERE id = 'v-cats'");
      await db.run("UPDATE videos SET moderation = 'removed' WHERE id = 'v-dogs'");
      expect(await find('dogs')).toEqual([]);
      await db.run("UPDATE videos SET moderation = 'none' WHERE id = 'v-dogs'");
    });

    it('pages by offset without repeats or gaps', async () => {
      for (let i = 0; i < 7; i++) await video(`v-page-${i}`, `page item ${i}`, ['paged']);
      const pages: string[] = [];
      for (let offset = 0; offset < 10; offset += 3) pages.push(...(await search.videos(['paged'], offset, 3)));
      expect(pages.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `v-page-${i}`));
      // Equal matches come newest first.
      expect(await search.videos(['page', 'item'], 0, 2)).toEqual(['v-page-6', 'v-page-5']);
    });

    it('finds active users by handle prefix, shortest first, "_" taken literally', async () => {
      expect((await search.users('cat', 10)).map((u) => u.handle)).toEqual(['cat', 'cat_lover', 'catherine']);
      expect(await search.users('cat_', 10)).toEqual([{ id: 'u1', handle: 'cat_lover', display_name: 'CAT_LOVER' }]);
      expect((await search.users('ca', 2)).map((u) => u.handle)).toEqual(['cat', 'caxt']);
      expect(await search.users('', 10)).toEqual([]);
      expect(await search.users('zz', 10)).toEqual([]);
    });

    it('suggests hashtags by prefix, most used first, counting only public, listed videos', async () => {
      expect(await search.tags('p', 10)).toEqual([
        { tag: 'paged', video_count: 7 },
        { tag: 'pets', video_count: 2 },
      ]);
      expect(await search.tags('coffee', 10)).toEqual([{ tag: 'coffee', video_count: 1 }]);
      expect(await search.tags('', 10)).toEqual([]);
    });
  });
}
