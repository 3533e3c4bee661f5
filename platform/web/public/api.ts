// The client's only door to the API: JSON in and out, the session or device id on every call,
// `{ error: { code, message } }` turned into an ApiError the UI can show.

/** A signed-in user as the API describes them. */
export interface User {
  id: string;
  handle: string;
  display_name: string;
}

/** What a player fetches first on the lowest rendition, sent by the feed so it can be fetched at once. */
export interface StartHint {
  playlist: string;
  /** The CMAF initialization segment (null from an older server, whose segments need none). */
  init: string | null;
  segment: string;
}

/** A feed item in the shape the views use, whatever spelling the API used for its fields. */
export interface Item {
  id: string;
  hls: string;
  poster: string | null;
  /** The lowest rendition's first files, when the feed sent them (a player may fetch them early). */
  start: StartHint | null;
  author: User;
  stats: { views: number; likes: number; comments: number; shares: number };
  caption: string;
  hashtags: string[];
  durationMs: number | null;
  likedByMe: boolean;
  /** Which feed page served it and where: sent back with every client event. */
  requestId: string | null;
  position: number;
  /** Why the feed chose it (the feed's explain), when the page carried it. */
  why?: Why;
}

/** The "why this video" facts of a feed item. */
export interface Why {
  sources: string[];
  /** The viewer's learned interest in the item's hashtags and creator (online affinities). */
  interest: { tag_affinity: number; author_affinity: number } | null;
  /** Ranker head probabilities, when a trained ranker scored the page. */
  heads: Record<string, number> | null;
  rules: string[];
}

function whyField(raw: unknown): { why?: Why } {
  const why = whyOf(raw);
  return why ? { why } : {};
}

function whyOf(raw: unknown): Why | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as {
    sources?: { source?: string }[];
    interest?: Why['interest'];
    heads?: Why['heads'];
    rules?: string[];
  };
  return {
    sources: (e.sources ?? []).map((s) => String(s.source ?? s)),
    interest: e.interest ?? null,
    heads: e.heads ?? null,
    rules: Array.isArray(e.rules) ? e.rules : [],
  };
}

/** A page of the feed. */
export interface Page {
  items: Item[];
  nextCursor: string | null;
  requestId: string | null;
  modelVersion: string | null;
  indexVersion: string | null;
}

/** An API failure with its stable code; `status` 0 means the network failed. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

const TOKEN_KEY = 'foryou.session';
const DEVICE_KEY = 'foryou.device';

interface Session {
  token: string;
  user: User;
  expiresAt: number;
}

function readSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? 'null') as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

let session: Session | null = readSession();
const listeners = new Set<(u: User | null) => void>();

/** The signed-in user, or null when anonymous. */
export function currentUser(): User | null {
  return session?.user ?? null;
}

/** Calls `fn` whenever the user signs in or out. */
export function onSessionChange(fn: (u: User | null) => void): void {
  listeners.add(fn);
}

/** Stores (or clears, with null) the session and tells every listener. */
export function setSession(s: { token: string; user: User; expires_at: number } | null): void {
  session = s ? { token: s.token, user: s.user, expiresAt: s.expires_at } : null;
  if (session) localStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  else localStorage.removeItem(TOKEN_KEY);
  for (const fn of listeners) fn(currentUser());
}

/** A random id for this browser, kept in localStorage: anonymous viewers are keyed by it. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** The headers that say who is calling: the bearer token, else the device id. */
export function actorHeaders(): Record<string, string> {
  return session ? { authorization: `Bearer ${session.token}` } : { 'x-device-id': deviceId() };
}

/** One API call; resolves with the parsed body (undefined for 204), rejects with an ApiError. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...actorHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(opts.keepalive ? { keepalive: true } : {}),
    });
  } catch {
    throw new ApiError('NETWORK', 'The network is unavailable; try again.', 0);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    // A stored token the server no longer accepts: drop it so the next call goes out anonymous.
    if (res.status === 401 && session) setSession(null);
    throw new ApiError(
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `Request failed (${res.status}).`,
      res.status,
    );
  }
  return json as T;
}

type RawItem = Record<string, unknown> & {
  id: string;
  playback?: {
    hls?: string;
    master_url?: string;
    poster?: string | null;
    poster_url?: string | null;
    start?: { playlist_url?: string; init_url?: string; segment_url?: string } | null;
  };
  author?: Partial<User>;
  author_id?: string;
  stats?: Partial<Item['stats']>;
};

/** Maps one API item (feed or `GET /videos/:id`) onto the client's Item; null when it cannot play. */
export function toItem(raw: RawItem, requestId: string | null, position: number): Item | null {
  const hls = raw.playback?.hls ?? raw.playback?.master_url;
  if (!hls) return null;
  const authorId = raw.author?.id ?? raw.author_id ?? '';
  return {
    id: raw.id,
    hls,
    poster: raw.playback?.poster ?? raw.playback?.poster_url ?? null,
    start:
      raw.playback?.start?.playlist_url && raw.playback.start.segment_url
        ? {
            playlist: raw.playback.start.playlist_url,
            init: raw.playback.start.init_url ?? null,
            segment: raw.playback.start.segment_url,
          }
        : null,
    author: {
      id: authorId,
      handle: raw.author?.handle ?? 'unknown',
      display_name: raw.author?.display_name ?? raw.author?.handle ?? '',
    },
    stats: { views: 0, likes: 0, comments: 0, shares: 0, ...raw.stats },
    caption: typeof raw.caption === 'string' ? raw.caption : '',
    ...whyField(raw.explain),
    hashtags: Array.isArray(raw.hashtags) ? (raw.hashtags as string[]) : [],
    durationMs: typeof raw.duration_ms === 'number' ? raw.duration_ms : null,
    likedByMe: raw.liked_by_me === true,
    requestId,
    position,
  };
}

/** One page of the For You or Following feed. */
export async function fetchFeed(feedType: 'for_you' | 'following', cursor: string | null, limit = 8): Promise<Page> {
  // explain=1: every item carries why it was chosen, for the "why this video" panel.
  const q = new URLSearchParams({ feed_type: feedType, limit: String(limit), explain: '1' });
  if (cursor) q.set('cursor', cursor);
  const raw = await api<{
    items: RawItem[];
    next_cursor?: string | null;
    request_id?: string;
    model_version?: string;
    index_version?: string;
  }>('GET', `/feed?${q}`);
  const requestId = raw.request_id ?? null;
  return {
    items: raw.items.flatMap((r, i) => toItem(r, requestId, i) ?? []),
    nextCursor: raw.next_cursor ?? null,
    requestId,
    modelVersion: raw.model_version ?? null,
    indexVersion: raw.index_version ?? null,
  };
}
