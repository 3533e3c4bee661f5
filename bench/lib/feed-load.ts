/**
 * The client side of bench:feed, run in its own process (forked) so its HTTP work is billed neither to
 * the server's event loop nor to its CPU time: closed-loop clients (each sends its next request when the
 * previous answer arrived) or an open-loop generator (requests leave at a fixed rate whatever the
 * answers do, latency counted from the intended send time, so there is no coordinated omission), and
 * beside them a writer that uploads videos and bumps counters as the rest of a live platform would.
 * Sends a `LoadResult` to the parent when the time is up.
 */
import { Agent, request } from 'node:http';
import { newId } from '../../core/ids.ts';
import { inList } from '../../core/metadata/sql.ts';
import { mulberry32 } from '../../retrieval/ann/synthetic-vectors.ts';

export interface LoadJob {
  base: string;
  /** The path requested (default the For You page); the static page measures the machine's ceiling. */
  path?: string;
  tokens: string[];
  /** Closed loop: this many clients. Open loop: the most requests in flight before one counts as an error. */
  concurrency: number;
  /** Open loop when set: requests per second, evenly spaced. */
  rate?: number;
  seconds: number;
  /**
   * Pages a viewer's session scrolls (following `next_cursor`) before the client starts a new session
   * as another viewer; 1 = every request is a new session's first page. Ignored with `path`.
   */
  pagesPerSession?: number;
  /**
   * Each closed-loop client on a keep-alive connection of its own, as a viewer's
   * app holds one; otherwise every request takes any free connection of one shared pool (fetch), as a
   * proxy's upstream pool would. With a cluster this decides whether a session's next page reaches the
   * process that holds its scored list. The open loop always uses the shared pool.
   */
  connectionPerClient?: boolean;
  /** Where the churn writer writes, whom it uploads as and whose counters it bumps. */
  churn: { metadataUrl: string; authors: string[]; videoIds: string[]; uploadsPerS: number; countersPerS: number };
}

/**
 * The rest of the platform while the feed is read: every 200 ms a batch of new ready videos and of
 * counter updates, written through its own connection as other processes would.
 */
async function churn(job: LoadJob, until: number): Promise<number> {
  const { metadataUrl, authors, videoIds, uploadsPerS, countersPerS } = job.churn;
  if (uploadsPerS <= 0 && countersPerS <= 0) return 0;
  const { openMetadataStore } = await import('../../core/metadata/open.ts');
  const db = await openMetadataStore(metadataUrl);
  const rand = mulberry32(job.concurrency);
  let written = 0;
  try {
    for (let tick = 0; performance.now() < until; tick++) {
      const next = performance.now() + 200;
      const now = Date.now();
      const uploads = Array.from({ length: Math.round(uploadsPerS / 5) }, (_, i) => {
        const id = newId(now + i);
        return [id, authors[Math.floor(rand() * authors.length)]!, JSON.stringify([`tag${tick % 200}`]), now, now];
      });
      const bumped = Array.from(
        { length: Math.round(countersPerS / 5) },
        () => videoIds[Math.floor(rand() * videoIds.length)]!,
      );
      await db.transaction(async (tx) => {
        for (const [id, author, tags, created, processed] of uploads) {
          await tx.run(
            `INSERT INTO videos (id, author_id, hashtags, status, duration_ms, version, created_at, processed_at)
             VALUES ($1, $2, $3, 'ready', 15000, 1, $4, $5)`,
            [id!, author!, tags!, created!, processed!],
          );
        }
        if (bumped.length > 0) {
          await tx.run(
            `UPDATE video_counters SET views = views + 1, updated_at = $1 WHERE video_id IN (${inList(bumped.length, 2)})`,
            [now, ...bumped],
          );
        }
      });
      written += uploads.length + bumped.length;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  } finally {
    await db.close();
  }
  return written;
}

export interface LoadResult {
  /** ms of each answered 200 (from the intended send time in open loop). */
  latencies: number[];
  errors: number;
  /** Answers 503 (shed by the server under overload), not counted in `errors`. */
  shed: number;
  elapsed: number;
  /** CPU ms (user + system) this process (clients and churn writer) spent on the job. */
  cpuMs: number;
}

/** Where a viewer's session stands: whose token, the cursor of its next page, pages already read. */
interface Session {
  token: string;
  cursor: string | undefined;
  pages: number;
  /** The client's own connection (`connectionPerClient`). */
  agent?: Agent;
}

/** GET with the client's own keep-alive connection: the status and the body. */
function getOn(agent: Agent, url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** `fetch`, or the session's own connection: the status and, when `wantBody`, the parsed JSON body. */
async function get(session: Session, url: string, wantBody: boolean): Promise<{ status: number; body?: unknown }> {
  if (session.agent) {
    const { status, body } = await getOn(session.agent, url, session.token);
    return wantBody && status === 200 ? { status, body: JSON.parse(body) } : { status };
  }
  const res = await fetch(url, { headers: { authorization: `Bearer ${session.token}` } });
  if (wantBody && res.status === 200) return { status: res.status, body: await res.json() };
  await res.arrayBuffer();
  return { status: res.status };
}

function url(job: LoadJob, cursor: string | undefined): string {
  if (job.path) return `${job.base}${job.path}`;
  return `${job.base}/api/v1/feed?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
}

const newSession = (job: LoadJob, i: number): Session => ({
  token: job.tokens[(i * 7919) % job.tokens.length]!,
  cursor: undefined,
  pages: 0,
});

/**
 * One request of `session`; returns its status and the session's next state (undefined: it is over).
 * A 503 keeps the session on the same page, as a client honouring Retry-After retries it.
 */
async function one(job: LoadJob, session: Session): Promise<{ status: number; next: Session | undefined }> {
  try {
    const per = job.path ? 1 : (job.pagesPerSession ?? 1);
    const more = session.pages + 1 < per;
    const { status, body } = await get(session, url(job, session.cursor), more);
    // Shed with Retry-After: the client asks for the same page again later, its session intact.
    if (status === 503) return { status, next: per > 1 ? session : undefined };
    if (status !== 200 || !more) return { status, next: undefined };
    const cursor = (body as { next_cursor: string | null }).next_cursor;
    return { status, next: cursor ? { ...session, cursor, pages: session.pages + 1 } : undefined };
  } catch {
    return { status: 0, next: undefined };
  }
}

/** Closed-loop clients: each sends its next request when the previous answer arrived. */
async function load(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let shed = 0;
  const start = performance.now();
  const end = start + job.seconds * 1000;
  const count = (status: number, ms: number) => {
    if (status === 200) latencies.push(ms);
    else if (status === 503) shed++;
    else errors++;
  };
  if (job.rate !== undefined) {
    // Open loop: request k is due at start + k / rate; its latency runs from then, not from when it left.
    const gap = 1000 / job.rate;
    const inFlight = new Set<Promise<void>>();
    // Sessions whose next page is due: the next request continues one of them, else starts a new one.
    const ready: Session[] = [];
    for (let k = 0; ; k++) {
      const due = start + k * gap;
      if (due >= end) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (inFlight.size >= job.concurrency) {
        errors++; // the generator's own limit: counted, never silently skipped
        continue;
      }
      const p = one(job, ready.shift() ?? newSession(job, k)).then(({ status, next }) => {
        count(status, performance.now() - due);
        if (next) ready.push(next);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return { latencies, errors, shed, elapsed: job.seconds, cpuMs: 0 };
  }
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, w) => {
      let session: Session | undefined;
      const agent = job.connectionPerClient ? new Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
      for (let i = w; performance.now() < end; i += job.concurrency) {
        const s = performance.now();
        const r = await one(job, session ?? { ...newSession(job, i), ...(agent ? { agent } : {}) });
        count(r.status, performance.now() - s);
        session = r.next;
      }
    }),
  );
  return { latencies, errors, shed, elapsed: (performance.now() - start) / 1000, cpuMs: 0 };
}

/** The load and the churn side by side, for the same time. */
async function loadWithChurn(job: LoadJob): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const until = performance.now() + job.seconds * 1000;
  const [result] = await Promise.all([load(job), churn(job, until)]);
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// Forked by bench:feed: one job in, one result out, then exit.
if (process.send) {
  process.once('message', async (job: LoadJob) => {
    process.send!(await loadWithChurn(job), () => process.exit(0));
  });
}
