import { createHash } from 'node:crypto';
import { openEventLog } from '../../core/events/open.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { DURATION_BUCKETS, durationBucket } from '../../feature-store/signals.ts';
import { ENGAGEMENT_TOPIC, engagementEventSchema, toPlatformEvent } from '../../platform/engagement/events.ts';
import { eventsToExamples, type PlatformEngagementEvent } from './events.loader.ts';
import type { Dataset, Example, UserRow, VideoRow } from './schema.ts';
import { type SplitBounds, splitByTime } from './split.ts';

/** Where the platform's own data is, and how to split it in time. */
export interface PlatformLoadOptions {
  metadataUrl: string;
  eventsUrl: string;
  /** Share of the logged time span held out for validation and for test (the newest), each. */
  holdoutShare?: number;
  /** Events read per call to the log. */
  pageSize?: number;
}

/** Reads every engagement event of the log (all partitions, from offset 0) in the platform's training form. */
export async function readEngagementLog(eventsUrl: string, pageSize = 20_000): Promise<PlatformEngagementEvent[]> {
  const log = await openEventLog(eventsUrl);
  const out: PlatformEngagementEvent[] = [];
  try {
    const partitions = await log.partitions(ENGAGEMENT_TOPIC);
    for (let p = 0; p < partitions; p++) {
      for (let offset = 0; ; ) {
        const batch = await log.read(ENGAGEMENT_TOPIC, p, offset, pageSize);
        if (batch.length === 0) break;
        for (const e of batch) {
          const parsed = engagementEventSchema.safeParse(typeof e.value === 'string' ? JSON.parse(e.value) : e.value);
          const ev = parsed.success ? toPlatformEvent(parsed.data) : undefined;
          if (ev) out.push(ev);
        }
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
  } finally {
    await log.close();
  }
  return out;
}

/** Split bounds holding out the newest `share` of the span for test and the `share` before it for validation. */
export function relativeSplit(examples: readonly Example[], share: number): SplitBounds {
  if (examples.length === 0) return { validationStartMs: 0, testStartMs: 0 };
  const first = examples[0]!.timeMs;
  const span = examples[examples.length - 1]!.timeMs - first;
  return {
    validationStartMs: Math.floor(first + span * (1 - 2 * share)),
    testStartMs: Math.floor(first + span * (1 - share)),
  };
}

/**
 * The platform's own log as a training dataset: every impression in the engagement event log,
 * labelled by the same viewer's later events (`eventsToExamples`, the one definition of what events
 * mean), with videos' authors, hashtags, durations and upload times from the metadata store. Split in
 * time: the newest `holdoutShare` of the span is the test period, the one before it validation.
 * Users have no static attributes here (the platform asks for none); their features come from the log.
 */
export async function loadPlatformDataset(opts: PlatformLoadOptions): Promise<Dataset> {
  const events = await readEngagementLog(opts.eventsUrl, opts.pageSize);
  const { examples, userIndex, videoIndex } = eventsToExamples(events);
  const db = await openMetadataStore(opts.metadataUrl);
  const meta = new Map<string, Record<string, unknown>>();
  try {
    const ids = [...videoIndex.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await db.all(
        `SELECT id, author_id, hashtags, duration_ms, created_at FROM videos WHERE id IN (${chunk.map((_, j) => `$${j + 1}`).join(', ')})`,
        chunk,
      );
      for (const r of rows) meta.set(String(r.id), r);
    }
  } finally {
    await db.close();
  }
  const authorIndex = new Map<string, number>();
  const tagIndex = new Map<string, number>();
  const indexOf = (m: Map<string, number>, k: string) => {
    let i = m.get(k);
    if (i === undefined) {
      i = m.size + 1; // 0 = unknown / none
      m.set(k, i);
    }
    return i;
  };
  const videos: VideoRow[] = new Array(videoIndex.size);
  for (const [id, i] of videoIndex) {
    const r = meta.get(id);
    const tags = r ? (JSON.parse(String(r.hashtags ?? '[]')) as string[]) : [];
    const durationMs = r?.duration_ms == null ? 0 : Number(r.duration_ms);
    videos[i] = {
      externalId: id,
      author: r ? indexOf(authorIndex, String(r.author_id)) : 0,
      tags: tags.length ? tags.slice(0, 4).map((t) => indexOf(tagIndex, t)) : [0],
      durationBucket: durationBucket(durationMs),
      durationMs,
      uploadMs: r ? Number(r.created_at) : 0,
      cats: [],
    };
  }
  const users: UserRow[] = new Array(userIndex.size);
  for (const [id, i] of userIndex)
    users[i] = { externalId: id, cats: [], nums: [], historyWatch: [], historyLike: [], historyLong: [] };
  const hash = createHash('sha256');
  hash.update(`${events.length}\u0000${examples.length}\u0000${examples.at(-1)?.timeMs ?? 0}`);
  for (const v of videos) hash.update(v.externalId);
  return {
    name: 'platform-log',
    dataHash: hash.digest('hex'),
    users,
    videos,
    vocab: {
      users: users.length,
      videos: videos.length,
      authors: authorIndex.size + 1,
      tags: tagIndex.size + 1,
      durationBuckets: DURATION_BUCKETS,
      userCats: [],
      videoCats: [],
      userNums: 0,
    },
    keys: { authors: ['', ...authorIndex.keys()], tags: ['', ...tagIndex.keys()] },
    ...splitByTime(examples, relativeSplit(examples, opts.holdoutShare ?? 0.1)),
  };
}
