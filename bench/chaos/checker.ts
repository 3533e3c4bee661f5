/**
 * The independent checker of a chaos run: after recovery it opens the stores itself (not through the
 * API) and looks up every acknowledged write of the ledger. A write the API acknowledged and the store
 * does not hold is lost.
 */
import { openEventLog } from '../../core/events/open.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import type { MetadataStore } from '../../core/metadata/ports.ts';
import { ENGAGEMENT_TOPIC } from '../../platform/engagement/events.ts';
import type { Ledger } from './load.ts';

/** What was lost, by kind, and where acknowledged uploads ended up. */
export interface CheckResult {
  lost: number;
  lostByKind: Record<keyof Ledger, number>;
  uploads: { ready: number; failed: number; unsettled: number; failedByCode: Record<string, number> };
}

async function existing(store: MetadataStore, sql: (marks: string) => string, keys: readonly string[][]) {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 200) {
    const chunk = keys.slice(i, i + 200);
    const width = chunk[0]?.length ?? 1;
    let n = 0;
    const marks = chunk.map(() => `(${Array.from({ length: width }, () => `$${++n}`).join(', ')})`).join(', ');
    const rows = await store.all<Record<string, string>>(sql(marks), chunk.flat());
    for (const r of rows) found.add(Object.values(r).join('\u0000'));
  }
  return keys.filter((k) => !found.has(k.join('\u0000'))).length;
}

/** Every event id in the engagement log, all partitions. */
async function loggedEventIds(eventsUrl: string): Promise<Set<string>> {
  const log = await openEventLog(eventsUrl);
  const ids = new Set<string>();
  try {
    const parts = await log.partitions(ENGAGEMENT_TOPIC);
    for (let p = 0; p < parts; p++) {
      for (let offset = 0; ; ) {
        const batch = await log.read(ENGAGEMENT_TOPIC, p, offset, 5000);
        if (batch.length === 0) break;
        for (const e of batch) ids.add((e.value as { id: string }).id);
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
  } finally {
    await log.close();
  }
  return ids;
}

export async function checkLedger(env: Record<string, string>, ledger: Ledger): Promise<CheckResult> {
  const store = await openMetadataStore(env.METADATA_URL!);
  try {
    const tuples = (xs: readonly string[]) => xs.map((x) => [x]);
    const lostByKind: Record<keyof Ledger, number> = {
      users: await existing(store, (m) => `SELECT id FROM users WHERE (id) IN (${m})`, tuples(ledger.users)),
      follows: await existing(
        store,
        (m) => `SELECT follower_id, followee_id FROM follows WHERE (follower_id, followee_id) IN (${m})`,
        ledger.follows,
      ),
      likes: await existing(
        store,
        (m) => `SELECT user_id, video_id FROM likes WHERE (user_id, video_id) IN (${m})`,
        ledger.likes,
      ),
      comments: await existing(store, (m) => `SELECT id FROM comments WHERE (id) IN (${m})`, tuples(ledger.comments)),
      uploads: await existing(
        store,
        (m) => `SELECT id FROM videos WHERE (id) IN (${m}) AND deleted_at IS NULL`,
        tuples(ledger.uploads),
      ),
      events: 0,
    };
    const logged = await loggedEventIds(env.EVENTS_URL!);
    lostByKind.events = ledger.events.filter((id) => !logged.has(id)).length;
    const uploads = { ready: 0, failed: 0, unsettled: 0, failedByCode: {} as Record<string, number> };
    for (let i = 0; i < ledger.uploads.length; i += 200) {
      const chunk = ledger.uploads.slice(i, i + 200);
      const rows = await store.all<{ status: string; failure_code: string | null }>(
        `SELECT status, failure_code FROM videos WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
      for (const r of rows) {
        if (r.status === 'ready') uploads.ready++;
        else if (r.status === 'failed') {
          uploads.failed++;
          const code = r.failure_code ?? 'none';
          uploads.failedByCode[code] = (uploads.failedByCode[code] ?? 0) + 1;
        } else uploads.unsettled++;
      }
    }
    const lost = Object.values(lostByKind).reduce((s, n) => s + n, 0);
    return { lost, lostByKind, uploads };
  } finally {
    await store.close();
  }
}

/** How many acknowledged uploads have not reached ready or failed yet. */
export async function unsettledUploads(env: Record<string, string>, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const store = await openMetadataStore(env.METADATA_URL!);
  try {
    let n = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const chunk = ids.slice(i, i + 200);
      const rows = await store.all<{ n: number }>(
        `SELECT COUNT(*) AS n FROM videos WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')}) AND status NOT IN ('ready', 'failed')`,
        chunk,
      );
      n += Number(rows[0]?.n ?? 0);
    }
    return n;
  } finally {
    await store.close();
  }
}
