// Video grids shared by the discover, hashtag and profile pages: tiles that open the video in the feed
// (`/?v=<id>`), and a "More" button that follows next_cursor.
import type { ResponseOf } from '../../client/index.ts';
import { ApiError } from './api.ts';
import { formatCount, h, icon, toast } from './ui.ts';

/** A tile as the card lists return it. */
export type Card = CardPage['items'][number];

/** A page of a card list (search, hashtag pages, profile grids all answer in this shape). */
export type CardPage = ResponseOf<'GET /api/v1/search/videos'>;

function tile(card: Card): HTMLElement {
  const poster = card.poster_url
    ? h('img', { src: card.poster_url, alt: '', loading: 'lazy' })
    : h('div', { class: 'tile-blank' }, card.caption.slice(0, 60) || `@${card.author.handle}`);
  return h(
    'a',
    { class: 'tile', href: `/?v=${encodeURIComponent(card.id)}`, 'data-video': card.id, title: card.caption },
    poster,
    h('span', { class: 'tile-likes' }, icon('heart'), formatCount(card.stats.likes)),
  );
}

/** Fetches one page of a card list, from its start or after `cursor`. */
export type CardSource = (cursor: { cursor?: string }) => Promise<CardPage>;

/**
 * Fills `host` with a grid of the cards `source` pages through and a "More" button while there is a next page; an empty
 * list shows `empty`. Resolves once the first page is drawn.
 */
export async function loadGrid(host: HTMLElement, source: CardSource, empty: string): Promise<void> {
  const grid = h('div', { class: 'grid' });
  const more = h('button', { type: 'button', class: 'link more', hidden: true }, 'More');
  host.replaceChildren(grid, more);
  let cursor: string | null = null;
  async function next(): Promise<void> {
    try {
      const page = await source(cursor ? { cursor } : {});
      grid.append(...page.items.map(tile));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      if (grid.childElementCount === 0) host.replaceChildren(h('p', { class: 'muted empty' }, empty));
    } catch (err) {
      host.replaceChildren(h('p', { class: 'muted empty' }, err instanceof ApiError ? err.serverMessage : String(err)));
      toast(err);
    }
  }
  more.addEventListener('click', () => void next());
  await next();
}

/** A "#tag" chip that opens the hashtag page. */
export function tagChip(tag: string, extra?: string): HTMLElement {
  return h(
    'a',
    { class: 'chip', href: `#tag/${encodeURIComponent(tag)}` },
    `#${tag}`,
    extra ? h('small', {}, extra) : null,
  );
}
