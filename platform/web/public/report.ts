// The report dialog: why a video, a comment or a user should be looked at, sent to POST /reports.
import type { Operations } from '../../client/index.ts';
import { call } from './api.ts';
import { ensureSignedIn } from './auth.ts';
import { h, openSheet, toast } from './ui.ts';

type Reason = Operations['POST /api/v1/reports']['body']['reason'];

/** The reason codes of POST /reports, as people read them. */
const REASONS: readonly [Reason, string][] = [
  ['spam', 'Spam or scam'],
  ['harassment', 'Harassment or bullying'],
  ['hate', 'Hate speech'],
  ['violence', 'Violence'],
  ['sexual', 'Sexual content'],
  ['self_harm', 'Self-harm'],
  ['misinformation', 'False information'],
  ['impersonation', 'Impersonation'],
  ['copyright', 'Copyright'],
  ['other', 'Something else'],
];

/** What is reported: `what` names it in the dialog's title ("this video"). */
export interface ReportTarget {
  type: 'video' | 'comment' | 'user';
  id: string;
  what: string;
}

/** Opens the report dialog (after signing in); a second report of the same target is only acknowledged. */
export async function openReport(target: ReportTarget): Promise<void> {
  if (!(await ensureSignedIn('Log in to report.'))) return;
  const sheet = openSheet(`Report ${target.what}`);
  const choices = REASONS.map(([code, label], i) =>
    h(
      'label',
      { class: 'reason' },
      h('input', { type: 'radio', name: 'reason', value: code, required: true, checked: i === 0 }),
      label,
    ),
  );
  const note = h('textarea', {
    name: 'note',
    maxlength: 500,
    rows: 2,
    placeholder: 'Anything a moderator should know (optional)',
  });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Report');
  const form = h('form', { class: 'report-form' }, h('fieldset', {}, h('legend', {}, 'Why?'), ...choices), note, send);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = (form.querySelector<HTMLInputElement>('input[name=reason]:checked') ?? { value: 'other' }).value;
    send.disabled = true;
    try {
      const r = await call('POST /api/v1/reports', {
        body: {
          target_type: target.type,
          target_id: target.id,
          reason: reason as Reason, // one of REASONS: the radio buttons offer nothing else
          ...(note.value.trim() ? { note: note.value.trim() } : {}),
        },
      });
      sheet.close();
      toast(r.duplicate ? 'You already reported this.' : 'Thanks. A moderator will review it.');
    } catch (err) {
      send.disabled = false;
      toast(err);
    }
  });
  sheet.body.append(form);
}
