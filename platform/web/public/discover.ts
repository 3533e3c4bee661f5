// The discover page (#discover, #search/<q>): a search box with prefix suggestions, trending hashtags,
// and video and people results; and the hashtag page (#tag/<tag>) with its recent and top videos.
import type { ResponseOf } from '../../client/index.ts';
import { call } from './api.ts';
import { loadGrid, tagChip } from './grid.ts';
import { h } from './ui.ts';

type UserHit = ResponseOf<'GET /api/v1/search/users'>['items'][number];

function userRow(u: UserHit): HTMLElement {
  return h(
    'a',
    { class: 'person', href: `#user/${encodeURIComponent(u.id)}` },
    `@${u.handle}`,
    h('small', {}, u.display_name),
  );
}

/** Wires the page; `show(kind, arg)` draws `discover`, `search/<arg>` or `tag/<arg>`. */
export function initDiscover(page: HTMLElement): { show(kind: string, arg: string): Promise<void> } {
  const input = h('input', {
    type: 'search',
    name: 'q',
    placeholder: 'Search videos, #hashtags, @people',
    autocomplete: 'off',
    maxlength: 200,
  });
  const suggest = h('ul', { class: 'suggestions', hidden: true });
  const form = h('form', { class: 'search-form', role: 'search' }, input, suggest);
  const body = h('div', { class: 'discover-body' });
  page.replaceChildren(h('h1', {}, 'Discover'), form, body);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    suggest.hidden = true;
    if (q.startsWith('#') && !q.includes(' ')) location.hash = `tag/${encodeURIComponent(q.slice(1))}`;
    else if (q) location.hash = `search/${encodeURIComponent(q)}`;
  });
  let typed = 0;
  input.addEventListener('input', () => {
    const q = input.value.trim();
    const mine = ++typed;
    if (q === '') {
      suggest.hidden = true;
      return;
    }
    setTimeout(async () => {
      if (mine !== typed) return;
      const s = await call('GET /api/v1/search/suggestions', { query: { q } }).catch(() => undefined);
      if (!s || mine !== typed) return;
      suggest.replaceChildren(
        ...s.tags.map((t) => h('li', {}, tagChip(t.tag, `${t.video_count}`))),
        ...s.users.map((u) => h('li', {}, userRow(u))),
      );
      suggest.hidden = suggest.childElementCount === 0;
    }, 150);
  });

  async function home(): Promise<void> {
    input.value = '';
    const trending = await call('GET /api/v1/trending/hashtags', { query: { limit: 20 } }).catch(() => ({
      items: [],
    }));
    body.replaceChildren(
      h('h2', {}, 'Trending hashtags'),
      trending.items.length
        ? h('div', { class: 'chips trending' }, ...trending.items.map((t) => tagChip(t.tag)))
        : h('p', { class: 'muted' }, 'Nothing is trending yet.'),
    );
  }

  async function search(q: string): Promise<void> {
    input.value = q;
    const people = h('div', { class: 'people' });
    const videos = h('div', {});
    body.replaceChildren(h('h2', {}, 'People'), people, h('h2', {}, 'Videos'), videos);
    const users = q.startsWith('#')
      ? { items: [] }
      : await call('GET /api/v1/search/users', { query: { q, limit: 5 } }).catch(() => ({
          items: [],
        }));
    people.replaceChildren(
      ...(users.items.length ? users.items.map(userRow) : [h('p', { class: 'muted' }, 'No one.')]),
    );
    await loadGrid(
      videos,
      (cursor) => call('GET /api/v1/search/videos', { query: { q, ...cursor } }),
      'No videos match.',
    );
  }

  async function tag(raw: string, sort: 'recent' | 'top' = 'recent'): Promise<void> {
    input.value = `#${raw}`;
    const header = await call('GET /api/v1/hashtags/{tag}', { path: { tag: raw } }).catch(() => undefined);
    const t = header?.tag ?? raw;
    const tabs = (['recent', 'top'] as const).map((s) => {
      const b = h(
        'button',
        { type: 'button', role: 'tab', 'data-sort': s, 'aria-selected': String(s === sort) },
        s === 'recent' ? 'Recent' : 'Top',
      );
      b.addEventListener('click', () => void tag(raw, s));
      return b;
    });
    const grid = h('div', {});
    body.replaceChildren(
      h('h2', { class: 'tag-title' }, `#${t}`),
      h('p', { class: 'muted' }, header ? `${header.video_count} videos` : 'Not a hashtag.'),
      h('div', { class: 'tabs grid-tabs', role: 'tablist' }, ...tabs),
      grid,
    );
    if (header)
      await loadGrid(
        grid,
        (cursor) => call('GET /api/v1/hashtags/{tag}/videos', { path: { tag: t }, query: { sort, ...cursor } }),
        'No videos yet.',
      );
  }

  return {
    async show(kind, arg) {
      suggest.hidden = true;
      if (kind === 'search' && arg) await search(arg);
      else if (kind === 'tag' && arg) await tag(arg);
      else await home();
    },
  };
}
