/**
 * The outage drill's feed reader: a few viewers of its own scrolling For You along `next_cursor`, apart
 * from the mixed load (whose clients may all be waiting on writes), each answer kept with when it came,
 * its status, its time and whether it was a fallback page, so the drill can say how the feed answered
 * while a dependency was down. A request not answered within `timeoutMs` counts as hung.
 */

/** One feed request of the probe. */
interface FeedAnswer {
  /** When it was sent and answered (epoch ms). */
  sentAt: number;
  ms: number;
  /** 0: no answer (the connection died or the client gave up after `timeoutMs`). */
  status: number;
  retryAfter: boolean;
  /** The page fallback a 200's explain names (`page_fallback`: cache_unavailable, empty_page…), if any. */
  fallback: string | undefined;
}

/** How the feed answered over a window of the drill. */
export interface FeedWindow {
  requests: number;
  /** 200 answers, how many of them were a fallback page, and those by reason (`explain.page_fallback`). */
  ok: number;
  fallback_pages: number;
  fallback_reasons: Record<string, number>;
  /** 503 with Retry-After: the documented "retry shortly". */
  status_503_retry_after: number;
  /** Any other status. */
  other_status: number;
  /** Requests unanswered within the probe's timeout or whose connection died. */
  hung: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Pages a probe viewer reads in one session before starting another. */
const SESSION_PAGES = 4;

export class FeedProbe {
  readonly #answers: FeedAnswer[] = [];
  readonly #base: string;
  readonly #timeoutMs: number;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(base: string, opts: { timeoutMs?: number } = {}) {
    this.#base = base;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** Registers `viewers` accounts (while every dependency is up) and starts one reading loop each. */
  async start(viewers: number): Promise<void> {
    const tokens: string[] = [];
    for (let i = 0; i < viewers; i++) {
      const res = await fetch(`${this.#base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          handle: `probe_${i}_${Math.random().toString(36).slice(2, 8)}`,
          password: 'probe password',
        }),
      });
      if (res.status !== 201) throw new Error(`feed probe: registering a viewer answered ${res.status}`);
      tokens.push(((await res.json()) as { token: string }).token);
    }
    this.#loops = tokens.map((t) => this.#loop(t));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }

  async #loop(token: string): Promise<void> {
    let cursor: string | undefined;
    let pages = 0;
    while (!this.#stopped) {
      const sentAt = Date.now();
      const t0 = performance.now();
      const answer: FeedAnswer = { sentAt, ms: 0, status: 0, retryAfter: false, fallback: undefined };
      try {
        const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const res = await fetch(`${this.#base}/api/v1/feed?limit=10&explain=1${q}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const body = (await res.json().catch(() => ({}))) as {
          next_cursor?: string | null;
          explain?: { page_fallback?: string };
        };
        answer.status = res.status;
        answer.retryAfter = res.headers.get('retry-after') !== null;
        answer.fallback = res.status === 200 ? body.explain?.page_fallback : undefined;
        pages++;
        cursor = res.status === 200 && body.next_cursor && pages < SESSION_PAGES ? body.next_cursor : undefined;
        if (!cursor) pages = 0;
      } catch {
        cursor = undefined;
        pages = 0;
      }
      answer.ms = performance.now() - t0;
      this.#answers.push(answer);
      // A refusal is retried after a pause, as a client honouring Retry-After briefly would.
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The answers to requests sent in [from, to) (epoch ms). */
  window(from: number, to: number): FeedWindow {
    const xs = this.#answers.filter((a) => a.sentAt >= from && a.sentAt < to);
    const ms = xs.map((a) => a.ms).sort((a, b) => a - b);
    return {
      requests: xs.length,
      ok: xs.filter((a) => a.status === 200).length,
      fallback_pages: xs.filter((a) => a.fallback !== undefined).length,
      fallback_reasons: xs.reduce<Record<string, number>>((out, a) => {
        if (a.fallback !== undefined) out[a.fallback] = (out[a.fallback] ?? 0) + 1;
        return out;
      }, {}),
      status_503_retry_after: xs.filter((a) => a.status === 503 && a.retryAfter).length,
      other_status: xs.filter((a) => a.status !== 0 && a.status !== 200 && !(a.status === 503 && a.retryAfter)).length,
      hung: xs.filter((a) => a.status === 0).length,
      p50_ms: round(quantileOf(ms, 0.5)),
      p99_ms: round(quantileOf(ms, 0.99)),
      max_ms: round(ms[ms.length - 1] ?? 0),
    };
  }
}
