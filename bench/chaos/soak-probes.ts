/**
 * What the soak reads from the API process and its data folder: resident memory, the /metrics figures,
 * the folder's size and large files, and the rows left in the retained logs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openMetadataStore } from '../../core/metadata/open.ts';

/** The process and cache figures a soak minute records, read from the API's Prometheus text. */
export async function scrape(base: string, token: string): Promise<Record<string, number>> {
  try {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    return {
      heap_used_mb: value(/^nodejs_heap_size_used_bytes (\S+)$/m) / 1048576,
      heap_total_mb: value(/^nodejs_heap_size_total_bytes (\S+)$/m) / 1048576,
      external_mb: value(/^nodejs_external_memory_bytes (\S+)$/m) / 1048576,
      cache_keys: value(/^foryou_cache_keys\{kind="all"\} (\S+)$/m),
      cache_members: value(/^foryou_cache_volatile_members (\S+)$/m),
      cache_evictions: value(/^foryou_cache_evictions_total (\S+)$/m),
    };
  } catch {
    return {};
  }
}

export function rssMbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Files of at least 1 MB under `dir`, MB by path relative to it. */
export function bigFiles(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    try {
      const mb = statSync(path).size / 1048576;
      if (mb >= 1) out[path.slice(dir.length + 1)] = Math.round(mb * 10) / 10;
    } catch {
      // removed while walking
    }
  }
  return out;
}

export function dirMb(dir: string): number {
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      try {
        bytes += statSync(join(e.parentPath, e.name)).size;
      } catch {
        // removed while walking
      }
    }
  }
  return bytes / 1048576;
}

export async function servedRows(metadataUrl: string): Promise<number> {
  const store = await openMetadataStore(metadataUrl);
  try {
    const rows = await store.all<{ n: number }>('SELECT COUNT(*) AS n FROM served_items');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await store.close();
  }
}

/** Rows of the embedded event log (`sqlite://path`). */
export function eventRows(eventsUrl: string): number {
  const db = new DatabaseSync(eventsUrl.replace(/^sqlite:\/\//, ''), { readOnly: true });
  try {
    return Number((db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n);
  } finally {
    db.close();
  }
}
