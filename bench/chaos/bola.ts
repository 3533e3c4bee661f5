/**
 * The authorization matrix: every object route x every kind of viewer (owner, friend = mutual follow,
 * follower, stranger, blocked, anonymous) x every visibility of one real transcoded video (public,
 * friends, private) and a draft, including its manifests, segments and poster through the playback
 * links each viewer is given in each state and was given in the previous one (revocation), the
 * comments of the video, and tampered, forged and expired media tokens; and a moderator, who is a
 * stranger to every object route and has exactly the moderation routes beyond (`bola-moderation.ts`).
 * A leak is a 2xx (or an accepted event) where the viewer may not see the object.
 */
import { openMetadataStore } from '../../core/metadata/open.ts';
import { setRole } from '../../platform/api/auth/users.repo.ts';
import { signPlaybackToken } from '../../platform/media/playback-token.ts';
import { openCase, probeDecisions, probeModeratorReads, type Viewers } from './bola-moderation.ts';
import { type Backend, spawnWorker, startApi, stopGracefully } from './processes.ts';

type Actor = 'owner' | 'friend' | 'follower' | 'stranger' | 'blocked' | 'anonymous' | 'moderator';
const ACTORS: readonly Actor[] = ['owner', 'friend', 'follower', 'stranger', 'blocked', 'anonymous', 'moderator'];
type State = 'public' | 'friends' | 'private' | 'draft';

/**
 * The visibility rule the matrix checks against (the one in domain/access.ts, restated independently).
 * It reads no role: a moderator sees what a stranger sees.
 */
function maySee(actor: Actor, state: State): boolean {
  if (actor === 'owner') return true;
  if (state === 'public') return actor !== 'blocked';
  if (state === 'friends') return actor === 'friend';
  return false;
}

export interface BolaResult {
  cases: number;
  leaks: number;
  /** Allowed viewers refused (not a security problem, but the matrix says so). */
  false_denials: number;
  by_route: Record<string, { cases: number; leaks: number }>;
  samples: string[];
  duration_s: number;
}

export async function bolaMatrix(backend: Backend, o: { clip: Buffer; log: (l: string) => void }): Promise<BolaResult> {
  const t0 = Date.now();
  const server = await startApi(backend);
  // The API runs only the backend's share of the background services; transcoding (the matrix video
  // must become ready) runs in the worker process beside it, as in a deployment.
  const worker = spawnWorker(backend);
  await worker.ready;
  const base = server.base;
  const r: BolaResult = { cases: 0, leaks: 0, false_denials: 0, by_route: {}, samples: [], duration_s: 0 };
  const call = async (method: string, path: string, token?: string, json?: unknown, form?: FormData) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    else if (path === '/api/v1/events') headers['x-device-id'] = 'bola-anonymous-device';
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
      method,
      headers,
      body: form ?? (json !== undefined ? JSON.stringify(json) : undefined),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, text };
  };
  const users = {} as Record<Actor, { id: string; token: string | undefined }>;
  for (const a of ACTORS) {
    if (a === 'anonymous') {
      users[a] = { id: '', token: undefined };
      continue;
    }
    const res = await call('POST', '/api/v1/auth/register', undefined, {
      handle: `bola_${a}`,
      password: 'matrix password',
    });
    const b = res.body as { token: string; user: { id: string } };
    users[a] = { id: b.user.id, token: b.token };
  }
  // The role is given before the token's first use, so no cached session holds the old one.
  const store = await openMetadataStore(backend.env.METADATA_URL!);
  try {
    if (!(await setRole(store, 'bola_moderator', 'moderator'))) throw new Error('moderator role not set');
  } finally {
    await store.close();
  }
  const tok = (a: Actor) => users[a].token;
  const owner = users.owner;
  await call('POST', `/api/v1/users/${owner.id}/follow`, tok('friend'));
  await call('POST', `/api/v1/users/${users.friend.id}/follow`, tok('owner'));
  await call('POST', `/api/v1/users/${owner.id}/follow`, tok('follower'));
  await call('POST', `/api/v1/users/${users.blocked.id}/block`, tok('owner'));

  const form = new FormData();
  form.append('caption', 'matrix');
  form.append('privacy', 'public');
  form.append('file', new Blob([new Uint8Array(o.clip)], { type: 'video/mp4' }), 'clip.mp4');
  const up = await call('POST', '/api/v1/videos/direct', tok('owner'), undefined, form);
  const video = (up.body as { video_id: string }).video_id;
  for (const until = Date.now() + 180_000; ; ) {
    const s = await call('GET', `/api/v1/videos/${video}/status`, tok('owner'));
    const status = (s.body as { status?: string }).status;
    if (status === 'ready') break;
    if (status === 'failed' || Date.now() > until) throw new Error(`matrix video not ready: ${s.text}`);
    await new Promise((res) => setTimeout(res, 500));
  }
  const draft = (
    (await call('POST', '/api/v1/videos', tok('owner'), { caption: 'draft' })).body as { video_id: string }
  ).video_id;
  const ownerComment = (
    (await call('POST', `/api/v1/videos/${video}/comments`, tok('owner'), { content: 'mine' })).body as {
      id: string;
    }
  ).id;

  // The links each viewer got while the video was public: master, a variant playlist, a segment, the poster.
  const local = (u: string) => {
    const url = new URL(u);
    return `${base}${url.pathname}${url.search}`;
  };
  const mediaOf = async (a: Actor): Promise<Record<string, string>> => {
    const v = await call('GET', `/api/v1/videos/${video}`, tok(a));
    const playback = (v.body as { playback?: { master_url: string; poster_url: string } }).playback;
    if (!playback) return {};
    const master = local(playback.master_url);
    const links: Record<string, string> = { manifest: master, poster: local(playback.poster_url) };
    const m = await call('GET', master);
    const variant = m.text.split('\n').find((l) => l && !l.startsWith('#'));
    if (variant) {
      links.variant = new URL(variant, master).href;
      const vt = await call('GET', links.variant);
      const seg = vt.text.split('\n').find((l) => l && !l.startsWith('#'));
      if (seg) links.segment = new URL(seg, links.variant).href;
    }
    return links;
  };
  const issued = {} as Record<Actor, Record<string, string>>;
  for (const a of ACTORS) issued[a] = await mediaOf(a);
  const viewers: Viewers = { actors: ACTORS, token: (a) => users[a as Actor].token };
  const caseId = await openCase(call, viewers, 'stranger', video);

  const check = (route: string, actor: string, state: string, allowed: boolean, ok: boolean, detail: string) => {
    r.cases++;
    const row = r.by_route[route] ?? { cases: 0, leaks: 0 };
    r.by_route[route] = row;
    row.cases++;
    if (ok && !allowed) {
      r.leaks++;
      row.leaks++;
      if (r.samples.length < 40) r.samples.push(`leak: ${route} as ${actor} on ${state}: ${detail}`);
    } else if (!ok && allowed) {
      r.false_denials++;
      if (r.samples.length < 40) r.samples.push(`denied: ${route} as ${actor} on ${state}: ${detail}`);
    }
  };
  const ok2xx = (s: number) => s >= 200 && s < 300;
  let seq = 0;

  for (const state of ['public', 'friends', 'private', 'draft'] as const) {
    const id = state === 'draft' ? draft : video;
    if (state !== 'draft') {
      await call('PATCH', `/api/v1/videos/${video}`, tok('owner'), { privacy: state });
      // The origin re-checks access at most MEDIA_ACCESS_CACHE_MS (2 s) late.
      await new Promise((res) => setTimeout(res, 2500));
    }
    for (const a of ACTORS) {
      const see = maySee(a, state);
      const isOwner = a === 'owner';
      const t = tok(a);
      // Engaging with a video needs it ready, except for its owner (their own object either way).
      const engage = see && !!t && (state !== 'draft' || isOwner);
      const probe = async (route: string, allowed: boolean, method: string, path: string, json?: unknown) => {
        const res = await call(method, path, t, json);
        check(route, a, state, allowed, ok2xx(res.status), `${method} ${path} -> ${res.status}`);
        return res;
      };
      await probe('GET /videos/:id', see, 'GET', `/api/v1/videos/${id}`);
      await probe('GET /videos/:id/status', isOwner, 'GET', `/api/v1/videos/${id}/status`);
      await probe(
        'GET /videos/:id/comments',
        see && (state !== 'draft' || isOwner),
        'GET',
        `/api/v1/videos/${id}/comments`,
      );
      const liked = await probe('POST /videos/:id/like', engage, 'POST', `/api/v1/videos/${id}/like`);
      if (ok2xx(liked.status)) await call('DELETE', `/api/v1/videos/${id}/like`, t);
      await probe('POST /videos/:id/comments', engage, 'POST', `/api/v1/videos/${id}/comments`, {
        content: 'probe',
      });
      await probe('POST /videos/:id/share', engage, 'POST', `/api/v1/videos/${id}/share`, {
        channel: 'copy_link',
      });
      await probe('PATCH /videos/:id', isOwner, 'PATCH', `/api/v1/videos/${id}`, { caption: `edit ${seq++}` });
      if (!isOwner) await probe('DELETE /videos/:id', false, 'DELETE', `/api/v1/videos/${id}`);
      if (!isOwner) await probe("DELETE /comments/:id (owner's)", false, 'DELETE', `/api/v1/comments/${ownerComment}`);
      // Playback events for a video the viewer cannot see are dropped: accepted would count a view.
      const ev = await call('POST', '/api/v1/events', t, {
        events: [{ client_event_id: `m${seq++}`, type: 'complete', video_id: id, watch_ms: 1000 }],
      });
      const accepted = ((ev.body as { accepted?: number }).accepted ?? 0) > 0;
      check('POST /events', a, state, see && (state !== 'draft' || isOwner), accepted, `accepted ${accepted}`);
      if (state === 'draft') continue;
      // The links given in the previous state (bare while public, tokens otherwise): revoked with access.
      for (const [kind, url] of Object.entries(issued[a])) {
        const res = await call('GET', url);
        const allowed = see && (state === 'public' || url.includes('token='));
        check(`media ${kind}, earlier link`, a, state, allowed, ok2xx(res.status), `${res.status}`);
      }
      issued[a] = await mediaOf(a);
      for (const [kind, url] of Object.entries(issued[a])) {
        const res = await call('GET', url);
        check(`media ${kind}, fresh link`, a, state, see, ok2xx(res.status), `${res.status}`);
      }
    }
    if (state !== 'draft') {
      const now = await call('GET', `/api/v1/videos/${video}`, tok('owner'));
      const caption = (now.body as { caption?: string }).caption ?? '';
      await probeModeratorReads(call, check, viewers, state, caseId, caption);
    }
    // A tampered or expired token never opens non-public media, whoever sends it.
    if (state !== 'public' && state !== 'draft') {
      const master = issued.owner.manifest;
      if (master) {
        const u = new URL(master);
        const path = `${u.origin}${u.pathname}`;
        const good = signPlaybackToken(backend.env.SIGNING_SECRET!, video, users.owner.id, Date.now() + 60_000);
        const tampered = good.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
        const forgedViewer = signPlaybackToken('0'.repeat(64), video, users.owner.id, Date.now() + 60_000);
        const expired = signPlaybackToken(backend.env.SIGNING_SECRET!, video, users.owner.id, Date.now() - 1000);
        for (const [name, token] of [
          ['tampered', tampered],
          ['wrong secret', forgedViewer],
          ['expired', expired],
          ['other video', signPlaybackToken(backend.env.SIGNING_SECRET!, draft, users.owner.id, Date.now() + 60_000)],
        ] as const) {
          const res = await call('GET', `${path}?token=${token}`);
          check(`media manifest, ${name} token`, 'anonymous', state, false, ok2xx(res.status), `${res.status}`);
        }
      }
    }
  }
  // Profiles and follows across a block.
  const prof = await call('GET', `/api/v1/users/${owner.id}`, tok('blocked'));
  check('GET /users/:id', 'blocked', 'public', false, ok2xx(prof.status), `${prof.status}`);
  const fol = await call('POST', `/api/v1/users/${owner.id}/follow`, tok('blocked'));
  check('POST /users/:id/follow', 'blocked', 'public', false, ok2xx(fol.status), `${fol.status}`);
  await probeDecisions(call, check, viewers, 'owner', caseId, video);
  server.child.kill('SIGTERM');
  await server.exited;
  await stopGracefully(worker);
  r.duration_s = Math.round((Date.now() - t0) / 1000);
  o.log(`  matrix: ${r.cases} cases, ${r.leaks} leaks, ${r.false_denials} false denials`);
  return r;
}
