import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { DURATION_BUCKETS, durationBucket, watchRatio } from '../../feature-store/signals.ts';
import { buildCategoryIndex, normaliseCategory, standardiseLog1p } from './encode.ts';
import type { Dataset, Example, UserRow, VideoRow } from './schema.ts';
import { compareExamples, KUAIRAND_SPLIT, type SplitBounds, splitByTime } from './split.ts';

/** The data folder relative to the repository root; callers pass their own through config or a CLI option. */
export const DEFAULT_KUAIRAND_DIR = '../shared/data/kuairand-pure';

/** The files the loader reads. `video_features_statistic_pure.csv` is deliberately absent: it leaks the future. */
export const KUAIRAND_FILES = {
  log: 'log_standard_4_25_to_5_08_pure.csv',
  users: 'user_features_pure.csv',
  videos: 'video_features_basic_pure.csv',
  history: 'user_history_4_08_to_4_24_last50.jsonl',
} as const;

/** User categorical columns, in the order of `UserRow.cats`. */
export const KUAIRAND_USER_CATS = [
  'user_active_degree',
  'is_lowactive_period',
  'is_live_streamer',
  'is_video_author',
  'follow_user_num_range',
  'fans_user_num_range',
  'friend_user_num_range',
  'register_days_range',
  ...Array.from({ length: 18 }, (_, i) => `onehot_feat${i}`),
] as const;

/** User numeric columns (log1p, standardised), in the order of `UserRow.nums`. */
export const KUAIRAND_USER_NUMS = ['follow_user_num', 'fans_user_num', 'friend_user_num', 'register_days'] as const;

/** Video categorical columns, in the order of `VideoRow.cats`; `orientation` is derived from width/height. */
export const KUAIRAND_VIDEO_CATS = ['video_type', 'upload_type', 'music_type', 'orientation'] as const;

const LOG_COLUMNS = [
  'user_id',
  'video_id',
  'time_ms',
  'is_click',
  'is_like',
  'is_follow',
  'is_comment',
  'is_forward',
  'is_hate',
  'long_view',
  'play_time_ms',
  'duration_ms',
  'tab',
] as const;

/** Options of `loadKuaiRand`. */
export interface KuaiRandOptions {
  dir?: string;
  split?: SplitBounds;
}

type CsvRecord = Record<string, string>;

function readCsv(text: string, file: string, required: readonly string[]): CsvRecord[] {
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true }) as CsvRecord[];
  const first = rows[0];
  if (first) {
    const missing = required.filter((c) => !(c in first));
    if (missing.length > 0) throw new Error(`${file}: missing column(s) ${missing.join(', ')}`);
  }
  return rows;
}

function orientation(width: string | undefined, height: string | undefined): string {
  const w = Number(width);
  const h = Number(height);
  if (!(w > 0 && h > 0)) return '';
  return w > h ? 'landscape' : w < h ? 'portrait' : 'square';
}

/**
 * Loads the KuaiRand-Pure slice into a `Dataset`: exact duplicate impressions dropped, watch ratio from
 * the logged duration (falling back to the video's), pre-period history attached, split by time.
 */
export async function loadKuaiRand(opts: KuaiRandOptions = {}): Promise<Dataset> {
  const dir = opts.dir ?? DEFAULT_KUAIRAND_DIR;
  for (const f of Object.values(KUAIRAND_FILES)) {
    if (!existsSync(join(dir, f))) throw new Error(`KuaiRand: ${join(dir, f)} not found (is --data-dir right?)`);
  }
  const [logBuf, userBuf, videoBuf, historyBuf] = await Promise.all(
    [KUAIRAND_FILES.log, KUAIRAND_FILES.users, KUAIRAND_FILES.videos, KUAIRAND_FILES.history].map((f) =>
      readFile(join(dir, f)),
    ),
  );
  const hash = createHash('sha256');
  for (const [name, buf] of [
    [KUAIRAND_FILES.log, logBuf],
    [KUAIRAND_FILES.users, userBuf],
    [KUAIRAND_FILES.videos, videoBuf],
    [KUAIRAND_FILES.history, historyBuf],
  ] as const) {
    hash.update(`${name}\0${buf!.length}\0`);
    hash.update(buf!);
  }

  const userRecords = readCsv(userBuf!.toString('utf8'), KUAIRAND_FILES.users, ['user_id', ...KUAIRAND_USER_NUMS]);
  const videoRecords = readCsv(videoBuf!.toString('utf8'), KUAIRAND_FILES.videos, ['video_id', 'author_id', 'tag']);

  const users: UserRow[] = [];
  const userIndex = new Map<string, number>();
  const userCatIndex = KUAIRAND_USER_CATS.map((c) => buildCategoryIndex(userRecords.map((r) => r[c])));
  const userNums = standardiseLog1p(
    KUAIRAND_USER_NUMS.map((c) => userRecords.map((r) => (r[c] === '' ? Number.NaN : Number(r[c])))),
  );
  userRecords.forEach((r, i) => {
    const id = r.user_id!;
    userIndex.set(id, users.length);
    users.push({
      externalId: id,
      cats: KUAIRAND_USER_CATS.map((c, j) => userCatIndex[j]!.get(normaliseCategory(r[c])) ?? 0),
      nums: userNums.map((col) => col[i]!),
      historyWatch: [],
      historyLike: [],
      historyLong: [],
    });
  });

  const authorIndex = buildCategoryIndex(videoRecords.map((r) => r.author_id));
  const videoCatValues = (r: CsvRecord): string[] => [
    r.video_type ?? '',
    r.upload_type ?? '',
    r.music_type ?? '',
    orientation(r.server_width, r.server_height),
  ];
  const videoCatIndex = KUAIRAND_VIDEO_CATS.map((_, j) =>
    buildCategoryIndex(videoRecords.map((r) => videoCatValues(r)[j])),
  );
  const videos: VideoRow[] = [];
  const videoIndex = new Map<string, number>();
  const videoDurationMs: number[] = [];
  let maxTag = -1;
  for (const r of videoRecords) {
    const id = r.video_id!;
    const tags = (r.tag ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => /^\d+$/.test(t))
      .map(Number);
    for (const t of tags) maxTag = Math.max(maxTag, t);
    const upload = r.upload_dt ? Date.parse(`${r.upload_dt}T00:00:00+08:00`) : Number.NaN;
    const duration = r.video_duration === '' ? Number.NaN : Number(r.video_duration);
    videoIndex.set(id, videos.length);
    videoDurationMs.push(Number.isFinite(duration) ? duration : 0);
    videos.push({
      externalId: id,
      author: authorIndex.get(normaliseCategory(r.author_id)) ?? 0,
      tags: tags.map((t) => t + 1),
      durationBucket: durationBucket(duration),
      durationMs: Number.isFinite(duration) && duration > 0 ? duration : 0,
      uploadMs: Number.isFinite(upload) ? upload : 0,
      cats: videoCatValues(r).map((v, j) => videoCatIndex[j]!.get(normaliseCategory(v)) ?? 0),
    });
  }

  // Ids missing from the feature files still get rows, with every feature unknown.
  const userOf = (id: string): number => {
    let u = userIndex.get(id);
    if (u === undefined) {
      u = users.length;
      userIndex.set(id, u);
      users.push({
        externalId: id,
        cats: KUAIRAND_USER_CATS.map(() => 0),
        nums: KUAIRAND_USER_NUMS.map(() => 0),
        historyWatch: [],
        historyLike: [],
        historyLong: [],
      });
    }
    return u;
  };
  const videoOf = (id: string): number => {
    let v = videoIndex.get(id);
    if (v === undefined) {
      v = videos.length;
      videoIndex.set(id, v);
      videoDurationMs.push(0);
      videos.push({
        externalId: id,
        author: 0,
        tags: [],
        durationBucket: 0,
        durationMs: 0,
        uploadMs: 0,
        cats: KUAIRAND_VIDEO_CATS.map(() => 0),
      });
    }
    return v;
  };

  const examples = parseLog(logBuf!.toString('utf8'), userOf, videoOf, videoDurationMs);
  parseHistory(historyBuf!.toString('utf8'), userOf, videoOf, users);

  const vocab = {
    users: users.length,
    videos: videos.length,
    authors: authorIndex.size + 1,
    tags: maxTag + 2,
    durationBuckets: DURATION_BUCKETS,
    userCats: userCatIndex.map((m) => m.size + 1),
    videoCats: videoCatIndex.map((m) => m.size + 1),
    userNums: KUAIRAND_USER_NUMS.length,
  };
  return {
    name: 'kuairand-pure',
    dataHash: hash.digest('hex'),
    users,
    videos,
    vocab,
    ...splitByTime(examples, opts.split ?? KUAIRAND_SPLIT),
  };
}

/** The log has no quoted fields (per the data README), so a split on commas is exact and fast. */
function parseLog(
  text: string,
  userOf: (id: string) => number,
  videoOf: (id: string) => number,
  videoDurationMs: readonly number[],
): Example[] {
  const lines = text.split('\n');
  const header = lines[0]!.trim().split(',');
  const col = Object.fromEntries(LOG_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof LOG_COLUMNS)[number],
    number
  >;
  const missing = LOG_COLUMNS.filter((c) => col[c] < 0);
  if (missing.length > 0) throw new Error(`${KUAIRAND_FILES.log}: missing column(s) ${missing.join(', ')}`);
  const seen = new Set<string>();
  const examples: Example[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const f = line.split(',');
    const userId = f[col.user_id]!;
    const videoId = f[col.video_id]!;
    const timeMs = Number(f[col.time_ms]);
    if (!Number.isFinite(timeMs)) throw new Error(`${KUAIRAND_FILES.log}:${i + 1}: bad time_ms "${f[col.time_ms]}"`);
    const key = `${userId},${videoId},${timeMs}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const video = videoOf(videoId);
    const play = Number(f[col.play_time_ms]);
    const logged = Number(f[col.duration_ms]);
    const ex: Example = {
      user: userOf(userId),
      video,
      timeMs,
      tab: Number(f[col.tab]) || 0,
      labels: {
        click: Number(f[col.is_click]) ? 1 : 0,
        longView: Number(f[col.long_view]) ? 1 : 0,
        like: Number(f[col.is_like]) ? 1 : 0,
        follow: Number(f[col.is_follow]) ? 1 : 0,
        comment: Number(f[col.is_comment]) ? 1 : 0,
        forward: Number(f[col.is_forward]) ? 1 : 0,
        hate: Number(f[col.is_hate]) ? 1 : 0,
        watchRatio: 0,
      },
    };
    // A logged duration of 0 means unknown: fall back to the feature file's duration (0 if unknown too).
    ex.labels.watchRatio = watchRatio(play, logged > 0 ? logged : (videoDurationMs[video] ?? 0));
    examples.push(ex);
  }
  return examples.sort(compareExamples);
}

function parseHistory(
  text: string,
  userOf: (id: string) => number,
  videoOf: (id: string) => number,
  users: UserRow[],
): void {
  const ids = (seq: unknown): number[] => (Array.isArray(seq) ? seq.map((v) => videoOf(String(v))) : []);
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let rec: { user_id?: unknown; watch_seq?: unknown; like_seq?: unknown; long_watch_seq?: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      throw new Error(`${KUAIRAND_FILES.history}:${lineNo}: not JSON`);
    }
    if (rec.user_id === undefined) throw new Error(`${KUAIRAND_FILES.history}:${lineNo}: no user_id`);
    const row = users[userOf(String(rec.user_id))]!;
    row.historyWatch = ids(rec.watch_seq);
    row.historyLike = ids(rec.like_seq);
    row.historyLong = ids(rec.long_watch_seq);
  }
}
