/**
 * The client side of bench:feed, run in a worker thread so its HTTP work is not billed to the server's
 * event loop: closed-loop feed clients, and beside them a writer that uploads videos and bumps counters
 * as the rest of a live platform would. Posts a `LoadResult` to the parent when the time is up.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { newId } from '../../core/ids.ts';
import { inList } from '../../core/metadata/sql.ts';
import { mulberry32 } from '../../retrieval/ann/synthetic-vectors.ts';

export interface LoadJob {
  base: string;
  tokens: string[];
  concurrency: number;
  seconds: number;
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
  latencies: number[];
  errors: number;
  elapsed: number;
}

/** Closed-loop clients: each sends its next request when the previous answer arrived. */
async function load(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + job.seconds * 1000;
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, w) => {
      for (let i = w; performance.now() < end; i += job.concurrency) {
        const token = job.tokens[(i * 7919) % job.tokens.length]!;
        const s = performance.now();
        try {
          const res = await fetch(`${job.base}/api/v1/feed?limit=10`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { latencies, errors, elapsed: (performance.now() - start) / 1000 };
}

/** The load and the churn side by side, for the same time. */
async function loadWithChurn(job: LoadJob): Promise<LoadResult> {
  const until = performance.now() + job.seconds * 1000;
  const [result] = await Promise.all([load(job), churn(job, until)]);
  return result;
}

if (!isMainThread) parentPort!.postMessage(await loadWithChurn(workerData as LoadJob));
