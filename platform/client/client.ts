import { ApiError, NetworkError } from './errors.ts';
import { type BatchOptions, EventBatcher } from './events.ts';
import type { Operations } from './operations.gen.ts';
import { DEFAULT_RETRY, isIdempotent, RETRY_STATUSES, type RetryPolicy, retryDelayMs } from './retry.ts';

/** An operation name, `"METHOD /path"`, as the server's OpenAPI document spells it. */
export type OperationName = keyof Operations;
/** The response body of an operation. */
export type ResponseOf<K extends OperationName> = Operations[K]['response'];
/** A feed page (`GET /api/v1/feed`). */
export type FeedPage = ResponseOf<'GET /api/v1/feed'>;
/** One item of a feed page. */
export type FeedItem = FeedPage['items'][number];
/** A video as `GET /api/v1/videos/{id}` describes it. */
export type Video = ResponseOf<'GET /api/v1/videos/{id}'>;
/** A signed-in session. */
export type Session = ResponseOf<'POST /api/v1/auth/login'>;

type Empty = Record<string, never>;
/** What one call takes: path parameters, query and body, each only when the operation has them. */
export type CallArgs<K extends OperationName> = (Operations[K]['path'] extends Empty
  ? { path?: undefined }
  : { path: Operations[K]['path'] }) &
  (Operations[K]['query'] extends Empty ? { query?: undefined } : { query?: Operations[K]['query'] }) &
  (Operations[K]['body'] extends undefined ? { body?: undefined } : { body: Operations[K]['body'] }) & {
    headers?: Record<string, string>;
    /** Let the request outlive the page that sent it (a browser's last event batch on pagehide). */
    keepalive?: boolean;
  };

/** How a client is made. */
export interface ClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8080` (in a browser, `location.origin`). */
  baseUrl: string;
  /** A bearer token from an earlier login. */
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout, ms. */
  timeoutMs?: number;
  /** Sent as X-Device-Id when signed out (client events of anonymous viewers). */
  deviceId?: string;
  /** The fetch to use (a keep-alive agent, a test double of the network). */
  fetch?: typeof fetch;
  /** Called once per retried attempt (for metrics). */
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; status?: number }) => void;
}

/** Counts of what a client did, for the simulator's cost report. */
export interface ClientStats {
  requests: number;
  retries: number;
  errors: number;
  /** Non-2xx answers by error code. */
  errorCodes: Record<string, number>;
}

/**
 * The typed client of the foryou API: one definition of the API on the consumer side, generated from
 * the server's OpenAPI document (`operations.gen.ts`) and checked against it by a test. It keeps the
 * session token, retries 503 and 429 answers after their Retry-After (or exponential backoff with
 * jitter), retries lost connections of idempotent requests, walks feed cursors and batches client events.
 */
export class ForyouClient {
  readonly baseUrl: string;
  #token: string | undefined;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #opts: ClientOptions;
  /** The signed-in user, after register or login. */
  user: Session['user'] | undefined;
  readonly stats: ClientStats = { requests: 0, retries: 0, errors: 0, errorCodes: {} };

  constructor(opts: ClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#token = opts.token;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    // Called through a wrapper: a browser's fetch throws "Illegal invocation" when `this` is not the window.
    this.#fetch = opts.fetch ?? ((input, init) => fetch(input, init));
    this.#opts = opts;
  }

  /** The current bearer token, if signed in. */
  get token(): string | undefined {
    return this.#token;
  }

  /** Adopts a token kept elsewhere (a browser's stored session), or signs out locally with undefined. */
  set token(token: string | undefined) {
    this.#token = token;
    if (token === undefined) this.user = undefined;
  }

  /** Calls one operation by its OpenAPI name and returns its typed body; throws ApiError on a non-2xx. */
  async call<K extends OperationName>(operation: K, args: CallArgs<K> = {} as CallArgs<K>): Promise<ResponseOf<K>> {
    const [method, template] = (operation as string).split(' ') as [string, string];
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = (args.path as Record<string, string> | undefined)?.[name];
      if (v === undefined) throw new Error(`${operation}: path parameter ${name} missing`);
      return encodeURIComponent(v);
    });
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries((args.query ?? {}) as Record<string, unknown>))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...args.headers };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    else if (this.#opts.deviceId) headers['x-device-id'] = this.#opts.deviceId;
    let body: string | undefined;
    if (args.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(args.body);
    }
    const res = await this.#send(operation, method, url, headers, body, args.keepalive === true);
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      // A proxy's HTML error page is still an error with its status; a 2xx that is not JSON is a bug.
      if (res.ok) throw err;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; request_id?: string; details?: unknown } })
        ?.error;
      this.#countError(e?.code ?? 'HTTP_ERROR');
      throw new ApiError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? text, e?.request_id, e?.details);
    }
    return json as ResponseOf<K>;
  }

  async #send(
    operation: string,
    method: string,
    url: URL,
    headers: Record<string, string>,
    body?: BodyInit,
    keepalive = false,
  ) {
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let res: Response | undefined;
      let lost: unknown;
      try {
        res = await this.#fetch(url, {
          method,
          headers,
          body: body ?? null,
          ...(keepalive ? { keepalive } : {}),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        lost = err;
      }
      const last = attempt + 1 >= this.#retry.attempts;
      if (res && (!RETRY_STATUSES.has(res.status) || last)) return res;
      if (!res && (last || !isIdempotent(method)))
        throw new NetworkError(`${operation}: no answer from ${url.host} (${(lost as Error)?.message})`, {
          cause: lost,
        });
      const delayMs = retryDelayMs(this.#retry, attempt, res?.headers.get('retry-after') ?? null);
      await res?.body?.cancel().catch(() => {});
      this.stats.retries++;
      this.#opts.onRetry?.({ operation, attempt, delayMs, ...(res ? { status: res.status } : {}) });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }

  #countError(code: string): void {
    this.stats.errors++;
    this.stats.errorCodes[code] = (this.stats.errorCodes[code] ?? 0) + 1;
  }

  /** Creates an account and signs in as it. */
  async register(handle: string, password: string, displayName?: string): Promise<Session> {
    const s = await this.call('POST /api/v1/auth/register', {
      body: { handle, password, ...(displayName ? { display_name: displayName } : {}) },
    });
    this.#adopt(s);
    return s;
  }

  /** Signs in. */
  async login(handle: string, password: string): Promise<Session> {
    const s = await this.call('POST /api/v1/auth/login', { body: { handle, password } });
    this.#adopt(s);
    return s;
  }

  /** Revokes the session token and forgets it. */
  async logout(): Promise<void> {
    await this.call('POST /api/v1/auth/logout');
    this.#token = undefined;
    this.user = undefined;
  }

  #adopt(s: Session): void {
    this.#token = s.token;
    this.user = s.user;
  }

  /** The onboarding step: the hashtags a new user picks. */
  setInterests(tags: string[]) {
    return this.call('POST /api/v1/me/interests', { body: { tags } });
  }

  /** One feed page. */
  feed(query: Operations['GET /api/v1/feed']['query'] = {}): Promise<FeedPage> {
    return this.call('GET /api/v1/feed', { query });
  }

  /** Feed pages, following each page's cursor until the feed ends or `maxPages` pages were read. */
  async *feedPages(query: Omit<Operations['GET /api/v1/feed']['query'], 'cursor'> = {}, maxPages = Infinity) {
    let cursor: string | null | undefined;
    for (let n = 0; n < maxPages; n++) {
      const page = await this.feed({ ...query, ...(cursor ? { cursor } : {}) });
      yield page;
      cursor = page.next_cursor;
      if (!cursor || page.items.length === 0) return;
    }
  }

  video(id: string) {
    return this.call('GET /api/v1/videos/{id}', { path: { id } });
  }
  like(videoId: string) {
    return this.call('POST /api/v1/videos/{id}/like', { path: { id: videoId } });
  }
  unlike(videoId: string) {
    return this.call('DELETE /api/v1/videos/{id}/like', { path: { id: videoId } });
  }
  comment(videoId: string, content: string) {
    return this.call('POST /api/v1/videos/{id}/comments', { path: { id: videoId }, body: { content } });
  }
  share(videoId: string, channel: Operations['POST /api/v1/videos/{id}/share']['body']['channel'] = 'copy_link') {
    return this.call('POST /api/v1/videos/{id}/share', { path: { id: videoId }, body: { channel } });
  }
  follow(userId: string) {
    return this.call('POST /api/v1/users/{id}/follow', { path: { id: userId } });
  }
  unfollow(userId: string) {
    return this.call('DELETE /api/v1/users/{id}/follow', { path: { id: userId } });
  }

  /** Sends one batch of client events as it is (see `eventBatcher` for batching and ids). */
  sendEvents(events: Operations['POST /api/v1/events']['body']['events']) {
    return this.call('POST /api/v1/events', { body: { events } });
  }

  /** A batcher that sends this client's playback events in batches with unique ids. */
  eventBatcher(opts: Partial<BatchOptions> = {}): EventBatcher {
    return new EventBatcher((events) => this.sendEvents(events), opts);
  }

  /**
   * Uploads a video the normal way (create → PUT to the signed URL → complete) and returns its id;
   * `waitReady` polls until transcoding has finished.
   */
  async upload(
    bytes: Uint8Array<ArrayBuffer>,
    meta: Operations['POST /api/v1/videos']['body'] = {},
  ): Promise<{ videoId: string }> {
    const created = await this.call('POST /api/v1/videos', { body: meta });
    const put = await this.#send('PUT upload', 'PUT', new URL(created.upload_url), created.upload_headers, bytes);
    if (!put.ok) {
      this.#countError('UPLOAD_FAILED');
      throw new ApiError(put.status, 'UPLOAD_FAILED', await put.text());
    }
    await put.body?.cancel().catch(() => {});
    await this.call('POST /api/v1/videos/{id}/complete', { path: { id: created.video_id } });
    return { videoId: created.video_id };
  }

  /** Polls a video until it is ready (or failed, which throws). */
  async waitReady(videoId: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Video> {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const v = await this.video(videoId);
      if (v.status === 'ready') return v;
      if (v.status === 'failed')
        throw new ApiError(422, v.failure_code ?? 'TRANSCODE_FAILED', `video ${videoId} failed`);
      if (Date.now() > deadline) throw new Error(`video ${videoId} not ready after ${opts.timeoutMs ?? 120_000} ms`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
    }
  }

  /** The simulated clock (servers started with SIM_CLOCK=true only). */
  simClock() {
    return this.call('GET /api/v1/sim/clock');
  }
  /** Moves the simulated clock forward. */
  advanceSimClock(ms: number) {
    return this.call('POST /api/v1/sim/clock', { body: { advance_ms: Math.round(ms) } });
  }
}
