// The profile page (#user/<id>): handle, counts, the grid of their videos and, when the user lists them
// (or it is you), their liked videos; follower and following lists open in a sheet. A private account
// shows its grid and lists to approved followers only; others get a follow (request) button.
import { api, currentUser } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { privacyPanel } from './follow-requests.ts';
import { loadGrid } from './grid.ts';
import { formatCount, h, openSheet, toast } from './ui.ts';

interface Profile {
  id: string;
  handle: string;
  display_name: string;
  bio: string;
  follower_count: number;
  following_count: number;
  video_count: number;
  likes_public: boolean;
  followed_by_viewer: boolean;
  private: boolean;
  follow_requested: boolean;
}
interface UserPage {
  items: { id: string; handle: string; display_name: string }[];
  next_cursor: string | null;
}

async function peopleSheet(title: string, path: string): Promise<void> {
  const sheet = openSheet(title);
  try {
    const page = await api<UserPage>('GET', `${path}?limit=50`);
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
      const r = await api<{ requested: boolean }>(
        label === 'Follow' ? 'POST' : 'DELETE',
        `/users/${encodeURIComponent(p.id)}/follow`,
      );
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
      p = await api<Profile>('GET', `/users/${encodeURIComponent(userId)}`);
    } catch (err) {
      page.replaceChildren(
        h('h1', {}, 'Profile'),
        h('p', { class: 'muted empty' }, err instanceof Error ? err.message : 'Not found.'),
      );
      return;
    }
    const mine = currentUser()?.id === p.id;
    const closed = p.private && !mine && !p.followed_by_viewer;
    const count = (n: number, label: string, path?: string) => {
      const b = h(
        'button',
        { type: 'button', class: 'count', 'data-count': label },
        h('strong', {}, formatCount(n)),
        label,
      );
      if (path && !closed) b.addEventListener('click', () => void peopleSheet(`${label} of @${p.handle}`, path));
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
        count(p.follower_count, 'Followers', `/users/${encodeURIComponent(p.id)}/followers`),
        count(p.following_count, 'Following', `/users/${encodeURIComponent(p.id)}/following`),
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
      `/users/${encodeURIComponent(p.id)}/${tab}`,
      tab === 'videos' ? 'No videos yet.' : 'No liked videos.',
    );
  }
  return { show: (userId) => show(userId) };
}
