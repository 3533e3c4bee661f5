// Entry point: wires the feed, tabs, bottom navigation, the upload page and the debug overlay.
import { call, currentUser, type Item, onSessionChange, toItem, type User } from './api.ts';
import { openAuthSheet, signOut } from './auth.ts';
import { initDebug } from './debug.ts';
import { initDiscover } from './discover.ts';
import { EventBatcher } from './events.ts';
import { Feed, type FeedType } from './feed.ts';
import { initModeration } from './moderation.ts';
import { initNotifications } from './notifications.ts';
import { initProfile } from './profile.ts';
import { h, openSheet, toast } from './ui.ts';
import { initUpload } from './upload.ts';

declare global {
  interface Window {
    /** For the console and the browser tests: the live feed and event batcher. */
    foryou?: { feed: Feed; events: EventBatcher };
  }
}

const feedEl = document.getElementById('feed')!;
const uploadEl = document.getElementById('upload')!;
const notificationsEl = document.getElementById('notifications')!;
const moderationEl = document.getElementById('moderation')!;
const notifications = initNotifications(
  notificationsEl,
  document.querySelector<HTMLElement>('[data-nav=notifications] .badge')!,
);
const moderation = initModeration(moderationEl);
const discoverEl = document.getElementById('discover')!;
const profileEl = document.getElementById('profile')!;
const discover = initDiscover(discoverEl);
const profile = initProfile(profileEl);
const events = new EventBatcher();
const feed = new Feed(feedEl, events);
window.foryou = { feed, events };
initDebug(document.getElementById('debug')!, feed, events);

let feedType: FeedType = 'for_you';
const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[data-feed]'));

function selectTab(type: FeedType): void {
  feedType = type;
  for (const t of tabs) t.setAttribute('aria-selected', String(t.dataset.feed === type));
}

for (const tab of tabs) {
  tab.addEventListener('click', async () => {
    const type = tab.dataset.feed as FeedType;
    if (type === feedType) return;
    if (type === 'following' && !currentUser()) {
      if (!(await openAuthSheet('Log in to see videos from creators you follow.'))) return;
    }
    selectTab(type);
    location.hash = '';
    void feed.reset(type);
  });
}

/** The pages over the feed, by location hash. */
const pages: Record<string, HTMLElement> = {
  upload: uploadEl,
  notifications: notificationsEl,
  moderation: moderationEl,
  discover: discoverEl,
  user: profileEl,
};
/** Hashes with an argument drawn by another page: #search/<q> and #tag/<tag> on the discover page. */
const ALIASES: Record<string, string> = { search: 'discover', tag: 'discover' };

function route(): void {
  const [head = '', ...rest] = location.hash.slice(1).split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const name = ALIASES[head] ?? head;
  const onPage = name in pages;
  for (const [n, el] of Object.entries(pages)) el.hidden = n !== name;
  feedEl.hidden = onPage;
  document.querySelector('.topbar')!.classList.toggle('hidden', onPage);
  for (const b of Array.from(document.querySelectorAll<HTMLElement>('[data-nav]'))) {
    b.classList.toggle('current', b.dataset.nav === (onPage ? name : 'home'));
  }
  if (name === 'notifications') void notifications.show();
  if (name === 'moderation') void moderation.show();
  if (name === 'discover') void discover.show(head, arg);
  if (name === 'user') void profile.show(arg);
  if (onPage) feed.pause();
  else feed.resume();
}
window.addEventListener('hashchange', route);

function openMe(user: User): void {
  const sheet = openSheet(`@${user.handle}`);
  const out = h('button', { class: 'primary' }, 'Sign out');
  out.addEventListener('click', async () => {
    sheet.close();
    await signOut();
  });
  const mine = h('a', { class: 'link', href: `#user/${encodeURIComponent(user.id)}` }, 'Your profile');
  mine.addEventListener('click', () => sheet.close());
  sheet.body.append(h('p', { class: 'muted' }, user.display_name), mine, out);
}

document.querySelector('[data-nav=home]')!.addEventListener('click', () => {
  location.hash = '';
});
for (const name of ['discover', 'upload', 'notifications', 'moderation']) {
  document.querySelector(`[data-nav=${name}]`)!.addEventListener('click', () => {
    location.hash = name;
  });
}
document.querySelector('[data-nav=me]')!.addEventListener('click', () => {
  const user = currentUser();
  if (user) openMe(user);
  else void openAuthSheet();
});

function showUser(user: User | null): void {
  const me = document.querySelector<HTMLElement>('[data-nav=me] .label')!;
  me.textContent = user ? `@${user.handle}` : 'Log in';
  // The queue is for moderators and admins; the API refuses everyone else anyway.
  const shield = document.querySelector<HTMLElement>('[data-nav=moderation]')!;
  shield.hidden = true;
  if (user) {
    void call('GET /api/v1/me')
      .then((me) => {
        shield.hidden = me.role !== 'moderator' && me.role !== 'admin';
      })
      .catch(() => {});
  }
}

onSessionChange((user) => {
  showUser(user);
  // Signing in mid-feed (to like, to follow) keeps the viewer where they are; the next pages are theirs.
  if (!user && feedType === 'following') {
    selectTab('for_you');
    void feed.reset('for_you');
  }
});
showUser(currentUser());

initUpload(uploadEl, (id) => {
  location.hash = '';
  void openShared(id);
});

/** A shared link (`/?v=<id>`) puts that video first, above the For You page. */
async function openShared(id: string): Promise<void> {
  let first: Item | undefined;
  try {
    const raw = await call('GET /api/v1/videos/{id}', { path: { id } });
    const author = await call('GET /api/v1/users/{id}', { path: { id: raw.author_id } }).catch(() => undefined);
    first = toItem({ ...raw, ...(author ? { author } : {}) }, null, 0) ?? undefined;
  } catch (err) {
    toast(err);
  }
  selectTab('for_you');
  await feed.reset('for_you', first);
}

route();
const shared = new URLSearchParams(location.search).get('v');
if (shared) void openShared(shared);
else void feed.reset('for_you');
