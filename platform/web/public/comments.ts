// The comments sheet of one video: newest pages on demand, and a box to add one.
import type { ResponseOf } from '../../client/index.ts';
import { call, type Item } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { h, openSheet, toast } from './ui.ts';

type Comment = ResponseOf<'GET /api/v1/videos/{id}/comments'>['items'][number];

function ago(ms: number): string {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return 'now';
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function row(c: Comment): HTMLElement {
  return h(
    'li',
    { class: 'comment-row' },
    h('span', { class: 'comment-author' }, `@${c.user.handle}`),
    h('span', { class: 'comment-time' }, ago(c.created_at)),
    h('p', {}, c.content),
  );
}

/** Opens the comments of `item`; `onCount` hears the new total after the viewer comments. */
export function openComments(item: Item, onCount: (n: number) => void): void {
  const sheet = openSheet(`${item.stats.comments} comments`);
  const list = h('ul', { class: 'comments' });
  const more = h('button', { class: 'link', hidden: true }, 'More comments');
  let cursor: string | null = null;

  async function load(): Promise<void> {
    more.hidden = true;
    try {
      const page = await call('GET /api/v1/videos/{id}/comments', {
        path: { id: item.id },
        query: { limit: 20, ...(cursor ? { cursor } : {}) },
      });
      list.append(...page.items.map(row));
      if (page.items.length === 0 && !cursor) list.append(h('li', { class: 'muted' }, 'No comments yet.'));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
    } catch (err) {
      toast(err);
    }
  }
  more.addEventListener('click', () => void load());

  const input = h('input', { name: 'comment', placeholder: 'Add a comment…', maxlength: 500, required: true });
  const form = h('form', { class: 'comment-form' }, input, h('button', { type: 'submit', class: 'primary' }, 'Post'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content || !(await ensureSignedIn('Log in to comment.'))) return;
    try {
      const c = await call('POST /api/v1/videos/{id}/comments', { path: { id: item.id }, body: { content } });
      list.querySelector('.muted')?.remove();
      list.prepend(row(c));
      input.value = '';
      item.stats.comments += 1;
      onCount(item.stats.comments);
      sheet.el.querySelector('h2')!.textContent = `${item.stats.comments} comments`;
    } catch (err) {
      toast(err);
    }
  });
  sheet.body.append(list, more, form);
  void load();
}
