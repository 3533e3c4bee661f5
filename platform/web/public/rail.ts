// One feed item on screen: the video, the side rail (follow, like, comments, share) and the caption.
import { call, currentUser, type Item } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { openComments } from './comments.ts';
import { openReport } from './report.ts';
import { formatCount, h, icon, toast } from './ui.ts';
import { openVideoSettings } from './video-settings.ts';

/** An item's elements and the actions the feed triggers on it (double-tap likes). */
export interface ItemView {
  el: HTMLElement;
  video: HTMLVideoElement;
  /** Likes (or with `toggle`, flips the like); resolves when the server answered. */
  like(toggle: boolean): Promise<void>;
  /** Plays the heart animation where the viewer double-tapped. */
  burst(x: number, y: number): void;
}

function railButton(name: string, label: string, count: number): HTMLButtonElement {
  return h(
    'button',
    { class: `rail-btn ${name}`, 'aria-label': label },
    icon(name),
    h('span', { class: 'count' }, formatCount(count)),
  );
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (no permission, insecure origin): the legacy path still works on most browsers.
    const ta = h('textarea', { readonly: true }, text);
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

const SOURCE_NAMES: Record<string, string> = {
  two_tower: 'learned retrieval (two-tower)',
  similar: 'similar to videos you engaged with',
  interests: 'the interests you picked',
  trending: 'trending now',
  fresh: 'a fresh upload',
  explore: 'exploration',
  popular: 'popular',
  following: 'a creator you follow',
};

/** The "why this video" panel: sources, the learned interest, the ranker's predictions and rules. */
function whyPanel(item: Item): HTMLElement {
  const w = item.why;
  const lines: (HTMLElement | null)[] = [h('h3', {}, 'Why this video')];
  if (!w) lines.push(h('p', {}, 'No explanation came with this page.'));
  else {
    const sources = [...new Set(w.sources)].map((s) => SOURCE_NAMES[s] ?? s);
    lines.push(h('p', { class: 'why-sources' }, `Found by: ${sources.join(' · ') || 'the fallback page'}`));
    if (w.interest) {
      const tags = item.hashtags.map((t) => `#${t}`).join(' ') || 'its hashtags';
      const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
      lines.push(
        h('p', { class: 'why-interest' }, `Your learned interest in ${tags}: ${sign(w.interest.tag_affinity)}`),
        h('p', {}, `… in @${item.author.handle}: ${sign(w.interest.author_affinity)}`),
      );
    }
    if (w.heads) {
      const pct = (k: string) => `${Math.round((w.heads?.[k] ?? 0) * 100)} %`;
      lines.push(h('p', {}, `Ranker: watched long ${pct('longView')}, liked ${pct('like')}`));
    }
    if (w.rules.length) lines.push(h('p', { class: 'why-rules' }, `Rules: ${w.rules.join(', ')}`));
  }
  return h('div', { class: 'why-panel', hidden: true }, ...lines);
}

/** Builds the DOM of one item; nothing loads until the feed prepares its player (which owns the poster too). */
export function buildItemView(item: Item, index: number): ItemView {
  const video = h('video', {
    class: 'video',
    playsinline: true,
    muted: true,
    loop: true,
    preload: 'none',
    disablepictureinpicture: true,
  });
  video.muted = true;

  const like = railButton('heart', 'Like', item.stats.likes);
  like.setAttribute('aria-pressed', String(item.likedByMe));
  const comments = railButton('comment', 'Comments', item.stats.comments);
  const share = railButton('share', 'Share', item.stats.shares);
  const why = h(
    'button',
    { class: 'rail-btn why', 'aria-label': 'Why this video' },
    h('span', { class: 'why-mark' }, '?'),
  );
  const mine = currentUser()?.id === item.author.id;
  // Your own video: its settings (who can watch, who can comment) where others find the report button.
  const report = mine
    ? h('button', { class: 'rail-btn video-settings', 'aria-label': 'Video settings' }, icon('edit'))
    : h('button', { class: 'rail-btn report', 'aria-label': 'Report this video' }, icon('flag'));
  const panel = whyPanel(item);
  const follow = h('button', { class: 'follow', 'aria-label': `Follow @${item.author.handle}` }, icon('plus'));
  if (mine) follow.hidden = true;
  const avatar = h(
    'div',
    { class: 'avatar-wrap' },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, (item.author.handle[0] ?? '?').toUpperCase()),
    follow,
  );

  const meta = h(
    'div',
    { class: 'meta' },
    h('div', { class: 'handle' }, `@${item.author.handle}`),
    item.caption ? h('p', { class: 'caption' }, item.caption) : null,
    item.hashtags.length
      ? h(
          'p',
          { class: 'tags' },
          ...item.hashtags.flatMap((t) => [h('a', { href: `#tag/${encodeURIComponent(t)}` }, `#${t}`), ' ']),
        )
      : null,
  );
  const el = h(
    'article',
    { class: 'item', 'data-id': item.id, 'data-index': index },
    video,
    h('div', { class: 'burst-layer' }),
    h('div', { class: 'paused-hint' }, icon('play')),
    h('button', { class: 'mute-hint' }, icon('sound-off'), 'Tap for sound'),
    h('aside', { class: 'rail' }, avatar, like, comments, share, why, report),
    meta,
    panel,
    h('div', { class: 'progress' }, h('div', { class: 'bar' })),
  );

  const setCount = (btn: HTMLElement, n: number) => {
    btn.querySelector('.count')!.textContent = formatCount(n);
  };

  let likeBusy: Promise<void> | null = null;
  async function doLike(toggle: boolean): Promise<void> {
    if (likeBusy) return likeBusy;
    if (!(await ensureSignedIn('Log in to like videos.'))) return;
    const want = toggle ? !item.likedByMe : true;
    if (want === item.likedByMe) return;
    const before = { liked: item.likedByMe, likes: item.stats.likes };
    item.likedByMe = want;
    item.stats.likes += want ? 1 : -1;
    like.setAttribute('aria-pressed', String(want));
    setCount(like, item.stats.likes);
    likeBusy = (async () => {
      try {
        const r = await call(want ? 'POST /api/v1/videos/{id}/like' : 'DELETE /api/v1/videos/{id}/like', {
          path: { id: item.id },
        });
        item.likedByMe = r.liked;
        item.stats.likes = r.like_count;
      } catch (err) {
        item.likedByMe = before.liked;
        item.stats.likes = before.likes;
        toast(err);
      } finally {
        like.setAttribute('aria-pressed', String(item.likedByMe));
        setCount(like, item.stats.likes);
        likeBusy = null;
      }
    })();
    return likeBusy;
  }

  like.addEventListener('click', () => void doLike(true));
  why.addEventListener('click', (e) => {
    e.stopPropagation();
    panel.hidden = !panel.hidden;
    why.setAttribute('aria-pressed', String(!panel.hidden));
  });
  comments.addEventListener('click', () => openComments(item, (n) => setCount(comments, n)));
  report.addEventListener('click', (e) => {
    e.stopPropagation();
    if (mine) void openVideoSettings(item.id);
    else void openReport({ type: 'video', id: item.id, what: 'this video' });
  });
  share.addEventListener('click', async () => {
    const link = `${location.origin}/?v=${encodeURIComponent(item.id)}`;
    toast((await copyText(link)) ? 'Link copied' : link);
    if (!currentUser()) return;
    try {
      const r = await call('POST /api/v1/videos/{id}/share', {
        path: { id: item.id },
        body: { channel: 'copy_link' },
      });
      item.stats.shares = r.share_count;
      setCount(share, r.share_count);
    } catch (err) {
      toast(err);
    }
  });
  follow.addEventListener('click', async () => {
    if (!(await ensureSignedIn(`Log in to follow @${item.author.handle}.`))) return;
    // A second tap unfollows, or cancels a request still waiting for a private account's approval.
    const following = follow.classList.contains('following') || follow.classList.contains('requested');
    try {
      const r = await call(following ? 'DELETE /api/v1/users/{id}/follow' : 'POST /api/v1/users/{id}/follow', {
        path: { id: item.author.id },
      });
      // Every item by this author on the page shares the state.
      const selector = `.item[data-author="${CSS.escape(item.author.id)}"] .follow`;
      for (const b of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
        b.classList.toggle('following', r.following);
        b.classList.toggle('requested', r.requested);
        b.replaceChildren(icon(r.following ? 'check' : 'plus'));
      }
      toast(
        r.following
          ? `Following @${item.author.handle}`
          : r.requested
            ? `Asked to follow @${item.author.handle}; they approve requests`
            : `Unfollowed @${item.author.handle}`,
      );
    } catch (err) {
      toast(err);
    }
  });
  el.dataset.author = item.author.id;

  return {
    el,
    video,
    like: doLike,
    burst(x, y) {
      const layer = el.querySelector('.burst-layer')!;
      const heart = h('div', { class: 'burst' }, icon('heart'));
      // CSSOM, not a style attribute: the page's CSP allows no inline styles.
      heart.style.left = `${x}px`;
      heart.style.top = `${y}px`;
      heart.addEventListener('animationend', () => heart.remove());
      layer.append(heart);
    },
  };
}
