// The notifications page and the unread badge: a page read by polling, kept live by the server-sent
// events stream (read with fetch, so the bearer token goes in a header as on every other call).
import type { ResponseOf } from '../../client/index.ts';
import { actorHeaders, call, currentUser, onSessionChange } from './api.ts';
import { h, openSheet, toast } from './ui.ts';

type RawNote = ResponseOf<'GET /api/v1/notifications'>['items'][number];
/** A notification; the API documents `data` as an open object, and moderation outcomes carry these fields. */
type Note = Omit<RawNote, 'data'> & {
  data: { action?: string; reason?: string; target_type?: string; appealable?: boolean };
};

const OUTCOME: Record<string, string> = {
  limit: 'is no longer recommended',
  remove: 'was removed',
  ban: 'led to your account being banned',
  appeal_upheld: 'stays as decided after your appeal',
  appeal_reversed: 'was restored after your appeal',
};

/** One line of text per notification. */
export function describe(n: Note): string {
  const who = n.actor ? `@${n.actor.handle}` : 'Someone';
  if (n.type === 'like') return `${who} liked your video`;
  if (n.type === 'comment') return `${who} commented on your video`;
  if (n.type === 'reply') return `${who} replied to your comment`;
  if (n.type === 'follow') return `${who} started following you`;
  if (n.type === 'follow_request') return `${who} asked to follow you (approve it on your profile)`;
  if (n.type === 'follow_approved') return `${who} approved your follow request`;
  const what =
    n.data.target_type === 'user' ? 'A report about your account' : `Your ${n.data.target_type ?? 'content'}`;
  return `${what} ${OUTCOME[n.data.action ?? ''] ?? 'was reviewed'}${n.data.reason ? `: ${n.data.reason}` : ''}`;
}

function appealSheet(caseId: string, done: () => void): void {
  const sheet = openSheet('Appeal this decision');
  const message = h('textarea', {
    name: 'message',
    maxlength: 1000,
    rows: 4,
    required: true,
    placeholder: 'Why should a moderator look again?',
  });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send appeal');
  const form = h(
    'form',
    { class: 'report-form' },
    h('p', { class: 'muted' }, 'You can appeal a decision once.'),
    message,
    send,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await call('POST /api/v1/moderation/cases/{id}/appeal', {
        path: { id: caseId },
        body: { message: message.value },
      });
      sheet.close();
      toast('Appeal sent.');
      done();
    } catch (err) {
      toast(err);
    }
  });
  sheet.body.append(form);
}

/** Wires the page and the badge; `show()` (re)loads the page. */
export function initNotifications(page: HTMLElement, badge: HTMLElement): { show(): Promise<void> } {
  const list = page.querySelector<HTMLElement>('.notes')!;
  const markAll = page.querySelector<HTMLButtonElement>('.mark-all')!;
  const setBadge = (n: number) => {
    badge.textContent = n > 99 ? '99+' : String(n);
    badge.hidden = n === 0;
  };

  function row(n: Note): HTMLElement {
    const li = h('li', { class: `note${n.read ? '' : ' unread'}`, 'data-type': n.type }, h('p', {}, describe(n)));
    if (n.type === 'moderation' && n.case_id && n.data.appealable) {
      const caseId = n.case_id;
      const appeal = h('button', { type: 'button', class: 'link appeal' }, 'Appeal');
      appeal.addEventListener('click', () => appealSheet(caseId, () => appeal.remove()));
      li.append(appeal);
    }
    return li;
  }

  async function show(): Promise<void> {
    if (!currentUser()) {
      list.replaceChildren(h('li', { class: 'muted' }, 'Log in to see your notifications.'));
      return;
    }
    try {
      const r = await call('GET /api/v1/notifications', { query: { limit: 50 } });
      list.replaceChildren(...(r.items.length ? r.items.map(row) : [h('li', { class: 'muted' }, 'Nothing yet.')]));
      setBadge(r.unread_count);
    } catch (err) {
      toast(err);
    }
  }
  markAll.addEventListener('click', async () => {
    try {
      setBadge((await call('POST /api/v1/notifications/read', { body: {} })).unread_count);
      for (const li of Array.from(list.querySelectorAll('.unread'))) li.classList.remove('unread');
    } catch (err) {
      toast(err);
    }
  });

  // The live stream: the badge follows `unread` events; an open page gets each new notification on top.
  let abort: AbortController | undefined;
  let lastId = '';
  async function stream(): Promise<void> {
    abort?.abort();
    if (!currentUser()) return setBadge(0);
    const mine = new AbortController();
    abort = mine;
    try {
      const res = await fetch('/api/v1/notifications/stream', {
        headers: { ...actorHeaders(), ...(lastId ? { 'last-event-id': lastId } : {}) },
        signal: mine.signal,
      });
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          const data = field('data');
          if (!data) continue;
          if (field('event') === 'unread') setBadge((JSON.parse(data) as { unread_count: number }).unread_count);
          if (field('event') === 'notification') {
            lastId = field('id') ?? lastId;
            if (!page.hidden) list.querySelector('.muted')?.remove();
            if (!page.hidden) list.prepend(row(JSON.parse(data) as Note));
          }
        }
      }
    } catch {
      if (mine.signal.aborted) return;
    }
    // The server ends a stream after a while, or the network dropped it: reconnect where we left off.
    if (abort === mine) setTimeout(() => void stream(), 3000);
  }
  onSessionChange(() => {
    lastId = '';
    void stream();
  });
  void stream();
  return { show };
}
