// Browser glue around the typed API client (platform/client, the API's one consumer-side definition,
// shared with the simulator): the stored session and device id, the client built on them, a signed-out
// user on a refused token, and the feed's items in the shape the views use.
import {
  ApiError,
  type CallArgs,
  type FeedItem,
  ForyouClient,
  NetworkError,
  type OperationName,
  type ResponseOf,
  type Video,
} from '../../client/index.ts';

export { ApiError, NetworkError };

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
  client.token = session?.token;
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

/**
 * The API client of this page: same origin, the stored session's token, else the device id. A browser
 * retries less than a batch job: three attempts, a few seconds at most, before the person sees the error.
 */
export const client = new ForyouClient({
  baseUrl: location.origin,
  deviceId: deviceId(),
  retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 3000 },
  ...(session ? { token: session.token } : {}),
});

/** One typed API call (see platform/client); a stored token the server refuses is dropped on the way. */
export async function call<K extends OperationName>(
  operation: K,
  args: CallArgs<K> = {} as CallArgs<K>,
): Promise<ResponseOf<K>> {
  try {
    return await client.call(operation, args);
  } catch (err) {
    // The next call goes out anonymous, with the device id.
    if (err instanceof ApiError && err.status === 401 && session) setSession(null);
    throw err;
  }
}

/** What an item is made from: a feed item, or `GET /videos/:id` with its author looked up beside it. */
type ItemSource = Pick<FeedItem, 'id' | 'caption' | 'hashtags' | 'duration_ms'> & {
  playback:
    | (Pick<NonNullable<Video['playback']>, 'master_url'> & {
        poster_url: string | null;
        start?: FeedItem['playback']['start'];
      })
    | null;
  author?: User;
  author_id?: string;
  stats?: FeedItem['stats'];
  liked_by_me?: boolean;
  explain?: unknown;
};

/** Maps one API item (feed or `GET /videos/:id`) onto the client's Item; null when it cannot play. */
export function toItem(raw: ItemSource, requestId: string | null, position: number): Item | null {
  const hls = raw.playback?.master_url;
  if (!hls) return null;
  const start = raw.playback?.start;
  return {
    id: raw.id,
    hls,
    poster: raw.playback?.poster_url ?? null,
    start:
      start?.playlist_url && start.segment_url
        ? { playlist: start.playlist_url, init: start.init_url ?? null, segment: start.segment_url }
        : null,
    author: {
      id: raw.author?.id ?? raw.author_id ?? '',
      handle: raw.author?.handle ?? 'unknown',
      display_name: raw.author?.display_name ?? raw.author?.handle ?? '',
    },
    stats: { views: 0, likes: 0, comments: 0, shares: 0, ...raw.stats },
    caption: typeof raw.caption === 'string' ? raw.caption : '',
    ...whyField(raw.explain),
    hashtags: Array.isArray(raw.hashtags) ? raw.hashtags : [],
    durationMs: typeof raw.duration_ms === 'number' ? raw.duration_ms : null,
    likedByMe: raw.liked_by_me === true,
    requestId,
    position,
  };
}

/** One page of the For You or Following feed. */
export async function fetchFeed(feedType: 'for_you' | 'following', cursor: string | null, limit = 8): Promise<Page> {
  // explain=1: every item carries why it was chosen, for the "why this video" panel.
  const raw = await call('GET /api/v1/feed', {
    query: { feed_type: feedType, limit, explain: '1', ...(cursor ? { cursor } : {}) },
  });
  const requestId = raw.request_id ?? null;
  return {
    items: raw.items.flatMap((r, i) => toItem(r, requestId, i) ?? []),
    nextCursor: raw.next_cursor ?? null,
    requestId,
    modelVersion: raw.model_version ?? null,
    indexVersion: raw.index_version ?? null,
  };
}
