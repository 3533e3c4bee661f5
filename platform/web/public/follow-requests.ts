// The owner's side of a private account on their profile: the "Private account" switch
// (PATCH /me/settings) and the follow requests waiting for them, each approved or denied in place.
import type { ResponseOf } from '../../client/index.ts';
import { call } from './api.ts';
import { h, toast } from './ui.ts';

type RequestPage = ResponseOf<'GET /api/v1/me/follow-requests'>;

/** The request list: one row per requester with Approve and Deny; a decided row leaves the list. */
async function requestList(list: HTMLElement): Promise<void> {
  let page: RequestPage;
  try {
    page = await call('GET /api/v1/me/follow-requests', { query: { limit: 50 } });
  } catch (err) {
    toast(err);
    return;
  }
  const empty = () => h('p', { class: 'muted' }, 'No requests waiting.');
  list.replaceChildren(
    ...(page.items.length
      ? page.items.map(({ user }) => {
          const row = h(
            'div',
            { class: 'request', 'data-user': user.id },
            h('a', { class: 'person', href: `#user/${encodeURIComponent(user.id)}` }, `@${user.handle}`),
          );
          for (const [verb, label] of [
            ['approve', 'Approve'],
            ['deny', 'Deny'],
          ] as const) {
            const b = h('button', { type: 'button', class: verb === 'approve' ? 'primary' : 'link' }, label);
            b.addEventListener('click', async () => {
              try {
                await call(
                  verb === 'approve'
                    ? 'POST /api/v1/me/follow-requests/{userId}/approve'
                    : 'POST /api/v1/me/follow-requests/{userId}/deny',
                  { path: { userId: user.id } },
                );
                row.remove();
                if (!list.querySelector('.request')) list.replaceChildren(empty());
                toast(verb === 'approve' ? `@${user.handle} now follows you` : 'Request denied');
              } catch (err) {
                toast(err);
              }
            });
            row.append(b);
          }
          return row;
        })
      : [empty()]),
  );
}

/** The switch and, for a private account, its requests; `onChange` redraws the page after a switch. */
export function privacyPanel(isPrivate: boolean, onChange: () => void): HTMLElement {
  const box = h('input', { type: 'checkbox', name: 'private', checked: isPrivate });
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      await call('PATCH /api/v1/me/settings', { body: { private: box.checked } });
      toast(box.checked ? 'Your account is private' : 'Your account is public; waiting requests were approved');
      onChange();
    } catch (err) {
      box.checked = !box.checked;
      box.disabled = false;
      toast(err);
    }
  });
  const panel = h(
    'div',
    { class: 'privacy-panel' },
    h('label', { class: 'switch' }, box, 'Private account: you approve who follows you'),
  );
  if (isPrivate) {
    const list = h('div', { class: 'requests' });
    panel.append(h('h2', {}, 'Follow requests'), list);
    void requestList(list);
  }
  return panel;
}
