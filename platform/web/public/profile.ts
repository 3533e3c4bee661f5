// The profile page (#user/<id>): handle, counts, the grid of their videos and, when the user lists them
// (or it is you), their liked videos; follower and following lists open in a sheet. A private account
// shows its grid and lists to approved followers only; others get a follow (request) button.
import type { ResponseOf } from '../../client/index.ts';
import { ApiError, call, currentUser } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { privacyPanel } from './follow-requests.ts';
import { loadGrid } from './grid.ts';
import { formatCount, h, openSheet, toast } from './ui.ts';

type Profile = ResponseOf<'GET /api/v1/users/{id}'>;

async function peopleSheet(title: string, list: 'followers' | 'following', userId: string): Promise<void> {
  const sheet = openSheet(title);
  try {
    const page = await call(
      list === 'followers' ? 'GET /api/v1/users/{id}/followers' : 'GET /api/v1/users/{id}/following',
      { path: { id: userId }, query: { limit: 50 } },
    );
    sheet.body.append(
      page.items.length
        ? h(
            'div',
            { class: 'people' },
            ...page.items.map((u) =>
              h(
                'a',
                { class: 'person', href: `#user/${encodeURIComponent(u.id)}`, onclick: () => sheet.close() },
                `@${u.handle}`,
                h('small', {}, u.display_name),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No one yet.'),
    );
  } catch (err) {
    toast(err);
  }
}

/** Follow, Requested (a private account's approval pending; tap to cancel) or Following (tap to unfollow). */
function followButton(p: Profile, redraw: () => void): HTMLElement {
  const label = p.followed_by_viewer ? 'Following' : p.follow_requested ? 'Requested' : 'Follow';
  const b = h('button', { type: 'button', class: `follow-user ${label === 'Follow' ? 'primary' : 'link'}` }, label);
  b.addEventListener('click', async () => {
    if (!(await ensureSignedIn(`Log in to follow @${p.handle}.`))) return;
    try {
      const r = await call(label === 'Follow' ? 'POST /api/v1/users/{id}/follow' : 'DELETE /api/v1/users/{id}/follow', {
        path: { id: p.id },
      });
      if (r.requested) toast(`Asked to follow @${p.handle}; they approve requests`);
      redraw();
    } catch (err) {
      toast(err);
    }
  });
  return b;
}

/** Wires the page; `show(userId)` (re)draws it. */
export function initProfile(page: HTMLElement): { show(userId: string): Promise<void> } {
  async function show(userId: string, tab: 'videos' | 'likes' = 'videos'): Promise<void> {
    let p: Profile;
    try {
      p = await call('GET /api/v1/users/{id}', { path: { id: userId } });
    } catch (err) {
      page.replaceChildren(
        h('h1', {}, 'Profile'),
        h('p', { class: 'muted empty' }, err instanceof ApiError ? err.serverMessage : 'Not found.'),
      );
      return;
    }
    const mine = currentUser()?.id === p.id;
    const closed = p.private && !mine && !p.followed_by_viewer;
    const count = (n: number, label: string, list?: 'followers' | 'following') => {
      const b = h(
        'button',
        { type: 'button', class: 'count', 'data-count': label },
        h('strong', {}, formatCount(n)),
        label,
      );
      if (list && !closed) b.addEventListener('click', () => void peopleSheet(`${label} of @${p.handle}`, list, p.id));
      return b;
    };
    const tabs = (['videos', 'likes'] as const)
      .filter((t) => t === 'videos' || mine || (p.likes_public && !closed))
      .map((t) => {
        const b = h(
          'button',
          { type: 'button', role: 'tab', 'data-tab': t, 'aria-selected': String(t === tab) },
          t === 'videos' ? 'Videos' : 'Liked',
        );
        b.addEventListener('click', () => void show(userId, t));
        return b;
      });
    const grid = h('div', {});
    page.replaceChildren(
      h('h1', { class: 'handle' }, `@${p.handle}`),
      h('p', { class: 'muted' }, p.display_name, p.bio ? ` · ${p.bio}` : ''),
      h(
        'div',
        { class: 'counts' },
        count(p.video_count, 'Videos'),
        count(p.follower_count, 'Followers', 'followers'),
        count(p.following_count, 'Following', 'following'),
      ),
      mine ? privacyPanel(p.private, () => void show(userId, tab)) : followButton(p, () => void show(userId, tab)),
      h('div', { class: 'tabs grid-tabs', role: 'tablist' }, ...tabs),
      grid,
    );
    if (closed) {
      grid.append(
        h('p', { class: 'muted empty private-note' }, 'This account is private. Follow it to see its videos.'),
      );
      return;
    }
    await loadGrid(
      grid,
      (cursor) =>
        call(tab === 'videos' ? 'GET /api/v1/users/{id}/videos' : 'GET /api/v1/users/{id}/likes', {
          path: { id: p.id },
          query: cursor,
        }),
      tab === 'videos' ? 'No videos yet.' : 'No liked videos.',
    );
  }
  return { show: (userId) => show(userId) };
}
