// The moderation queue for moderators: open cases riskiest first with their reports, one action each
// (dismiss, limit, remove, ban) with a reason; then the open appeals to uphold or reverse.
import type { Operations, ResponseOf } from '../../client/index.ts';
import { call } from './api.ts';
import { h, toast } from './ui.ts';

type Case = ResponseOf<'GET /api/v1/moderation/queue'>['items'][number];

type Action = Operations['POST /api/v1/moderation/cases/{id}/actions']['body']['action'];
type Decision = Operations['POST /api/v1/moderation/cases/{id}/appeal/decision']['body']['decision'];

const ACTIONS: Record<Case['target']['type'], Action[]> = {
  video: ['dismiss', 'limit', 'remove', 'ban'],
  comment: ['dismiss', 'remove', 'ban'],
  user: ['dismiss', 'ban'],
};

function caseRow(c: Case, buttons: [string, string][], post: (action: string, reason: string) => Promise<void>) {
  const reasons = Object.entries(c.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ×${n}`)
    .join(', ');
  const reason = h('input', { name: 'reason', maxlength: 500, placeholder: 'Reason (required, the creator sees it)' });
  const li = h(
    'li',
    { class: 'case', 'data-case': c.id, 'data-target': c.target.id },
    h(
      'p',
      { class: 'case-head' },
      `${c.target.type} by @${c.target.owner_handle}`,
      c.target.label && c.target.label !== 'none' ? ` · ${c.target.label}` : '',
    ),
    h('p', { class: 'case-text' }, c.target.text || '(no text)'),
    h(
      'p',
      { class: 'muted' },
      c.appeal
        ? `Appeal: ${c.appeal.message} (decided: ${c.decision})`
        : `${c.report_count} reports: ${reasons} · risk ${c.risk.toFixed(2)}`,
    ),
    reason,
  );
  const row = h('div', { class: 'case-actions' });
  for (const [action, label] of buttons) {
    const b = h('button', { type: 'button', class: `secondary act-${action}`, 'data-action': action }, label);
    b.addEventListener('click', async () => {
      const why = reason.value.trim();
      if (!why) {
        reason.focus();
        return toast('Give a reason first.');
      }
      try {
        await post(action, why);
        li.remove();
        toast(`${label}: done`);
      } catch (err) {
        toast(err);
      }
    });
    row.append(b);
  }
  li.append(row);
  return li;
}

/** Wires the page; `show()` (re)loads the queue and the appeals. */
export function initModeration(page: HTMLElement): { show(): Promise<void> } {
  const cases = page.querySelector<HTMLElement>('.cases')!;
  const appeals = page.querySelector<HTMLElement>('.appeals')!;
  async function show(): Promise<void> {
    try {
      const [queue, open] = await Promise.all([
        call('GET /api/v1/moderation/queue', { query: { limit: 50 } }),
        call('GET /api/v1/moderation/appeals', { query: { limit: 50 } }),
      ]);
      cases.replaceChildren(
        ...(queue.items.length
          ? queue.items.map((c) =>
              caseRow(
                c,
                ACTIONS[c.target.type].map((a) => [a, a[0]!.toUpperCase() + a.slice(1)]),
                async (action, reason) => {
                  await call('POST /api/v1/moderation/cases/{id}/actions', {
                    path: { id: c.id },
                    body: { action: action as Action, reason },
                  });
                },
              ),
            )
          : [h('li', { class: 'muted' }, 'The queue is empty.')]),
      );
      appeals.replaceChildren(
        ...open.items.map((c) =>
          caseRow(
            c,
            [
              ['uphold', 'Uphold'],
              ['reverse', 'Reverse'],
            ],
            async (decision, reason) => {
              await call('POST /api/v1/moderation/cases/{id}/appeal/decision', {
                path: { id: c.id },
                body: { decision: decision as Decision, reason },
              });
            },
          ),
        ),
      );
    } catch (err) {
      toast(err);
    }
  }
  return { show };
}
