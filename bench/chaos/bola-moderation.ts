/**
 * The moderator's rights in the authorization matrix. The access rule (`domain/access.ts`) reads no
 * role, so on videos, their media and comments a moderator is a stranger (the matrix's `maySee`). Their
 * extra rights are exactly the moderation routes (`platform/moderation`, `requireRole(..., 'moderator')`):
 * the queue, a case with its target's text whatever the video's state now, deciding a case, the open
 * appeals and deciding one. Every other viewer is refused each of them; appealing is the creator's alone;
 * and a removal hides the video from everyone, its author and the moderator included.
 */

/** An HTTP call as one viewer (no token: anonymous). */
export type Call = (
  method: string,
  path: string,
  token?: string,
  json?: unknown,
) => Promise<{ status: number; body: unknown; text: string }>;
/** Records one case of the matrix: whether the viewer was allowed, and whether they got a 2xx. */
export type Check = (
  route: string,
  actor: string,
  state: string,
  allowed: boolean,
  ok: boolean,
  detail: string,
) => void;

/** The matrix's viewers as the moderation routes see them. */
export interface Viewers {
  actors: readonly string[];
  token(actor: string): string | undefined;
}

const ok2xx = (s: number) => s >= 200 && s < 300;

/** A report of `video` by `reporter`, and the case it opened (found in the moderator's queue). */
export async function openCase(call: Call, v: Viewers, reporter: string, video: string): Promise<string> {
  const rep = await call('POST', '/api/v1/reports', v.token(reporter), {
    target_type: 'video',
    target_id: video,
    reason: 'spam',
  });
  if (rep.status !== 201) throw new Error(`report refused: ${rep.status} ${rep.text}`);
  const q = await call('GET', '/api/v1/moderation/queue', v.token('moderator'));
  const items = (q.body as { items?: { id: string; target: { id: string } }[] }).items ?? [];
  const c = items.find((i) => i.target.id === video);
  if (!c) throw new Error(`no case for the reported video: ${q.status} ${q.text}`);
  return c.id;
}

/** The moderator's read routes, in one state of the video: theirs alone, whatever the video's privacy. */
export async function probeModeratorReads(
  call: Call,
  check: Check,
  v: Viewers,
  state: string,
  caseId: string,
  caption: string,
): Promise<void> {
  for (const a of v.actors) {
    const allowed = a === 'moderator';
    const t = v.token(a);
    const queue = await call('GET', '/api/v1/moderation/queue', t);
    check('GET /moderation/queue', a, state, allowed, ok2xx(queue.status), `${queue.status}`);
    const c = await call('GET', `/api/v1/moderation/cases/${caseId}`, t);
    check('GET /moderation/cases/:id', a, state, allowed, ok2xx(c.status), `${c.status}`);
    if (allowed && ok2xx(c.status)) {
      // The extra right is seeing the reported target's text to judge it, whatever its privacy now.
      const text = (c.body as { target?: { text?: string } }).target?.text;
      check('case target text (moderator)', a, state, true, text === caption, `text ${JSON.stringify(text)}`);
    }
    const appeals = await call('GET', '/api/v1/moderation/appeals', t);
    check('GET /moderation/appeals', a, state, allowed, ok2xx(appeals.status), `${appeals.status}`);
  }
}

/**
 * Deciding the case (every other viewer first, each trying to remove the video; then the moderator
 * removes it), the video hidden from everyone after, the creator's appeal (theirs alone) and its
 * decision (the moderator's alone).
 */
export async function probeDecisions(
  call: Call,
  check: Check,
  v: Viewers,
  owner: string,
  caseId: string,
  video: string,
): Promise<void> {
  const others = v.actors.filter((a) => a !== 'moderator');
  for (const a of [...others, 'moderator']) {
    const res = await call('POST', `/api/v1/moderation/cases/${caseId}/actions`, v.token(a), {
      action: 'remove',
      reason: 'matrix',
    });
    check('POST /moderation/cases/:id/actions', a, 'open case', a === 'moderator', ok2xx(res.status), `${res.status}`);
  }
  for (const a of v.actors) {
    const res = await call('GET', `/api/v1/videos/${video}`, v.token(a));
    check('GET /videos/:id', a, 'removed', false, ok2xx(res.status), `${res.status}`);
  }
  const notOwner = v.actors.filter((a) => a !== owner);
  for (const a of [...notOwner, owner]) {
    const res = await call('POST', `/api/v1/moderation/cases/${caseId}/appeal`, v.token(a), { message: 'matrix' });
    check('POST /moderation/cases/:id/appeal', a, 'actioned case', a === owner, ok2xx(res.status), `${res.status}`);
  }
  for (const a of [...others, 'moderator']) {
    const res = await call('POST', `/api/v1/moderation/cases/${caseId}/appeal/decision`, v.token(a), {
      decision: 'uphold',
      reason: 'matrix',
    });
    check(
      'POST /moderation/cases/:id/appeal/decision',
      a,
      'appealed case',
      a === 'moderator',
      ok2xx(res.status),
      `${res.status}`,
    );
  }
}
