/**
 * Mixed write load for a chaos run (registrations, follows, likes, comments, playback events, direct
 * uploads) against whichever API process is up, and the ledger of every write the API acknowledged:
 * what the checker later looks for in the stores.
 */
import { randomBytes } from 'node:crypto';

/** Every acknowledged write, by kind: what must survive any crash. */
export interface Ledger {
  users: string[];
  follows: [follower: string, followee: string][];
  likes: [user: string, video: string][];
  comments: string[];
  /** Engagement event ids (`u:<user>:<client event id>`). */
  events: string[];
  uploads: string[];
}

export function emptyLedger(): Ledger {
  return { users: [], follows: [], likes: [], comments: [], events: [], uploads: [] };
}

/** How many writes a ledger holds. */
export function acknowledged(l: Ledger): number {
  return l.users.length + l.follows.length + l.likes.length + l.comments.length + l.events.length + l.uploads.length;
}

/** Where the API is right now (undefined while it is down). */
export interface Target {
  base: string | undefined;
}

interface Account {
  id: string;
  token: string;
}

export type Op = 'events' | 'like' | 'comment' | 'follow' | 'register' | 'upload' | 'feed';
/** Operations with their weights (any total). */
export type OpMix = readonly (readonly [Op, number])[];

/** The kill loop's mix: writes only, a few uploads. */
export const WRITE_MIX: OpMix = [
  ['events', 35],
  ['like', 20],
  ['comment', 15],
  ['follow', 15],
  ['register', 10],
  ['upload', 5],
];

/** Pages a client scrolls in one feed session before it starts another (as bench:feed's clients do). */
const FEED_SESSION_PAGES = 4;

function pickOp(mix: OpMix, rand: () => number): Op {
  let r = rand() * mix.reduce((a, [, w]) => a + w, 0);
  for (const [op, w] of mix) {
    r -= w;
    if (r < 0) return op;
  }
  return mix[0]![0];
}

/** One finished request: its operation, time taken and status (0: the connection died). */
export type RequestDone = (op: Op, ms: number, status: number) => void;

/** Runs `clients` concurrent writers until `stop()`; every 2xx lands in the ledger. */
export class MixedLoad {
  readonly ledger = emptyLedger();
  readonly statuses = new Map<number, number>();
  /** Requests that died with the connection (never acknowledged). */
  connectionErrors = 0;
  /** 5xx answers other than a 503 with Retry-After (the documented "retry shortly"). */
  unexplained5xx = 0;
  /** When the last write was acknowledged (epoch ms). */
  lastAckAt = 0;
  /** Feed pages answered 200, the items they held, and how many held none. */
  readonly feed = { pages: 0, items: 0, empty: 0 };
  /** Each account's feed session: its next cursor and pages read, as a client scrolls it. */
  private readonly feedSessions = new Map<string, { cursor: string; pages: number }>();
  private accounts: Account[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];
  private seq = 0;
  private readonly run = randomBytes(3).toString('hex');

  private readonly target: Target;
  private readonly videos: readonly string[];
  private readonly clip: Buffer;
  private readonly rand: () => number;
  private readonly mix: OpMix;
  private readonly onDone: RequestDone | undefined;
  /** Uploads start at most this often; a draw within the gap posts events instead. */
  private readonly minUploadGapMs: number;
  private lastUploadAt = 0;

  constructor(
    target: Target,
    videos: readonly string[],
    clip: Buffer,
    rand: () => number = Math.random,
    opts: { mix?: OpMix; onDone?: RequestDone; minUploadGapMs?: number } = {},
  ) {
    this.target = target;
    this.videos = videos;
    this.clip = clip;
    this.rand = rand;
    this.mix = opts.mix ?? WRITE_MIX;
    this.onDone = opts.onDone;
    this.minUploadGapMs = opts.minUploadGapMs ?? 0;
  }

  /** Registers the first accounts (retrying through restarts) and starts the writers. */
  async start(clients: number): Promise<void> {
    while (this.accounts.length < 6) await this.register();
    this.running = Array.from({ length: clients }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  /** Registers the first accounts without starting writers (for a caller that paces `one()` itself). */
  async prepare(): Promise<void> {
    while (this.accounts.length < 6) await this.register();
  }

  /** One request of the mix. */
  async one(): Promise<void> {
    await this.step(pickOp(this.mix, this.rand));
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!this.target.base) {
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
      await this.step(pickOp(this.mix, this.rand));
    }
  }

  private any<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  private async call(
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; form?: FormData; op?: Op } = {},
  ): Promise<{ status: number; body: unknown } | undefined> {
    const base = this.target.base;
    if (!base) return undefined;
    const t0 = performance.now();
    const r = await this.send(base, method, path, opts);
    this.onDone?.(opts.op ?? 'register', performance.now() - t0, r?.status ?? 0);
    return r;
  }

  private async send(
    base: string,
    method: string,
    path: string,
    opts: { token?: string; json?: unknown; form?: FormData },
  ): Promise<{ status: number; body: unknown } | undefined> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: opts.form ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 && !(res.status === 503 && res.headers.get('retry-after'))) this.unexplained5xx++;
      if (res.status >= 200 && res.status < 300) this.lastAckAt = Date.now();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: res.status, body };
    } catch {
      this.connectionErrors++;
      return undefined;
    }
  }

  private async register(): Promise<void> {
    const handle = `c${this.run}_${(this.seq++).toString(36)}`;
    const r = await this.call('POST', '/api/v1/auth/register', { json: { handle, password: 'chaos password' } });
    if (r?.status !== 201) {
      if (!r) await new Promise((res) => setTimeout(res, 25));
      return;
    }
    const b = r.body as { token: string; user: { id: string } };
    this.ledger.users.push(b.user.id);
    this.accounts.push({ id: b.user.id, token: b.token });
  }

  private async step(op: Op): Promise<void> {
    const me = this.any(this.accounts);
    const video = this.any(this.videos);
    switch (op) {
      case 'register':
        return this.register();
      case 'feed': {
        // A session is FEED_SESSION_PAGES pages following next_cursor, then a new one starts.
        const session = this.feedSessions.get(me.id);
        const cursor = session ? `&cursor=${encodeURIComponent(session.cursor)}` : '';
        const r = await this.call('GET', `/api/v1/feed?limit=10${cursor}`, { token: me.token, op });
        if (r?.status !== 200) {
          this.feedSessions.delete(me.id);
          return;
        }
        const body = r.body as { items?: unknown[]; next_cursor?: string | null };
        const pages = (session?.pages ?? 0) + 1;
        if (body.next_cursor && pages < FEED_SESSION_PAGES)
          this.feedSessions.set(me.id, { cursor: body.next_cursor, pages });
        else this.feedSessions.delete(me.id);
        const items = body.items?.length ?? 0;
        this.feed.pages++;
        this.feed.items += items;
        if (items === 0) this.feed.empty++;
        return;
      }
      case 'follow': {
        const other = this.any(this.accounts);
        if (other.id === me.id) return;
        const r = await this.call('POST', `/api/v1/users/${other.id}/follow`, { token: me.token, op });
        if (r?.status === 200) this.ledger.follows.push([me.id, other.id]);
        return;
      }
      case 'like': {
        const r = await this.call('POST', `/api/v1/videos/${video}/like`, { token: me.token, op });
        if (r?.status === 200) this.ledger.likes.push([me.id, video]);
        return;
      }
      case 'comment': {
        const r = await this.call('POST', `/api/v1/videos/${video}/comments`, {
          token: me.token,
          op,
          json: { content: `chaos ${this.seq++}` },
        });
        if (r?.status === 201) this.ledger.comments.push((r.body as { id: string }).id);
        return;
      }
      case 'events': {
        const ids = Array.from({ length: 5 }, () => `ch${this.run}-${(this.seq++).toString(36)}`);
        const types = ['impression', 'play_start', 'progress', 'progress', 'complete'];
        const events = ids.map((id, i) => ({
          client_event_id: id,
          type: types[i],
          video_id: video,
          ...(i >= 2 ? { watch_ms: 1000 * i } : {}),
        }));
        const r = await this.call('POST', '/api/v1/events', { token: me.token, op, json: { events } });
        const accepted = (r?.body as { accepted?: number } | undefined)?.accepted;
        if (r?.status === 202 && accepted === ids.length) {
          for (const id of ids) this.ledger.events.push(`u:${me.id}:${id}`);
        }
        return;
      }
      case 'upload': {
        if (Date.now() - this.lastUploadAt < this.minUploadGapMs) return this.step('events');
        this.lastUploadAt = Date.now();
        const form = new FormData();
        form.append('caption', 'chaos upload');
        form.append('privacy', 'public');
        form.append('file', new Blob([new Uint8Array(this.clip)], { type: 'video/mp4' }), 'clip.mp4');
        const r = await this.call('POST', '/api/v1/videos/direct', { token: me.token, op, form });
        if (r?.status === 202) this.ledger.uploads.push((r.body as { video_id: string }).video_id);
        return;
      }
    }
  }
}
