import type { Catalog, CatalogVideo } from '../../../retrieval/catalog.ts';
import { slot, sourceBudgetSchema } from '../../pipeline/settings.ts';
import type { CandidateSource } from '../types.ts';

/** This source's settings in `experiments/feed.yaml`. */
export const FOLLOWING_SETTINGS = slot('sources.following', sourceBudgetSchema);

/** The newest uploads of the creators the viewer follows, newest first across creators. */
export function followingSource(catalog: Catalog): CandidateSource {
  return {
    id: 'following',
    settings: FOLLOWING_SETTINGS,
    async fetch(query, quota) {
      const lists = [...query.viewer.following].map((a) => catalog.byAuthor(a)).filter((l) => l.length > 0);
      // A k-way merge of newest-first lists: only `quota` items are ever compared.
      const pos = lists.map(() => 0);
      const out: CatalogVideo[] = [];
      // Served ids are skipped here so paging deeper than one quota keeps finding unseen uploads.
      while (out.length < quota) {
        let best = -1;
        for (let i = 0; i < lists.length; i++) {
          const v = lists[i]![pos[i]!];
          if (v && (best < 0 || v.createdAt > lists[best]![pos[best]!]!.createdAt)) best = i;
        }
        if (best < 0) break;
        const v = lists[best]![pos[best]!]!;
        if (!query.sessionSeen.has(v.id)) out.push(v);
        pos[best] = pos[best]! + 1;
      }
      return out.map((v) => ({ videoId: v.id, score: v.createdAt }));
    },
  };
}
