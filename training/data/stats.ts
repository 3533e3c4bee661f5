import type { Dataset, Example, Labels } from './schema.ts';

const LABELS: (keyof Labels)[] = ['click', 'longView', 'like', 'follow', 'comment', 'forward', 'hate', 'watchRatio'];

/** Counts and label means of one split. */
export interface SplitStats {
  rows: number;
  users: number;
  videos: number;
  fromMs: number | null;
  toMs: number | null;
  /** Mean of each label (the positive rate for binary labels). */
  labelMeans: Record<keyof Labels, number>;
}

/** What `foryou-train data` prints: sizes, label rates, cold-start counts, rows per day. */
export interface DatasetStats {
  name: string;
  dataHash: string;
  catalogue: { users: number; videos: number; authors: number; tags: number };
  usersWithHistory: number;
  splits: Record<'train' | 'validation' | 'test', SplitStats>;
  /** Test users / videos that never appear in train. */
  coldInTest: { users: number; videos: number };
  /** Rows per UTC+8 calendar day (the source's own day boundaries). */
  rowsPerDay: Record<string, number>;
}

function splitStats(examples: readonly Example[]): SplitStats {
  const sums = Object.fromEntries(LABELS.map((k) => [k, 0])) as Record<keyof Labels, number>;
  const users = new Set<number>();
  const videos = new Set<number>();
  for (const ex of examples) {
    users.add(ex.user);
    videos.add(ex.video);
    for (const k of LABELS) sums[k] += ex.labels[k];
  }
  const n = Math.max(1, examples.length);
  return {
    rows: examples.length,
    users: users.size,
    videos: videos.size,
    fromMs: examples[0]?.timeMs ?? null,
    toMs: examples.at(-1)?.timeMs ?? null,
    labelMeans: Object.fromEntries(LABELS.map((k) => [k, sums[k] / n])) as Record<keyof Labels, number>,
  };
}

/** Computes the statistics of a loaded dataset. */
export function datasetStats(ds: Dataset): DatasetStats {
  const trainUsers = new Set(ds.train.map((e) => e.user));
  const trainVideos = new Set(ds.train.map((e) => e.video));
  const rowsPerDay: Record<string, number> = {};
  for (const part of [ds.train, ds.validation, ds.test]) {
    for (const ex of part) {
      const day = new Date(ex.timeMs + 8 * 3_600_000).toISOString().slice(0, 10);
      rowsPerDay[day] = (rowsPerDay[day] ?? 0) + 1;
    }
  }
  return {
    name: ds.name,
    dataHash: ds.dataHash,
    catalogue: { users: ds.users.length, videos: ds.videos.length, authors: ds.vocab.authors, tags: ds.vocab.tags },
    usersWithHistory: ds.users.filter((u) => u.historyWatch.length > 0).length,
    splits: { train: splitStats(ds.train), validation: splitStats(ds.validation), test: splitStats(ds.test) },
    coldInTest: {
      users: new Set(ds.test.filter((e) => !trainUsers.has(e.user)).map((e) => e.user)).size,
      videos: new Set(ds.test.filter((e) => !trainVideos.has(e.video)).map((e) => e.video)).size,
    },
    rowsPerDay,
  };
}

/** The statistics as a short markdown report. */
export function formatStats(s: DatasetStats): string {
  const lines = [
    `# ${s.name}  (data ${s.dataHash.slice(0, 12)})`,
    '',
    `catalogue: ${s.catalogue.users} users, ${s.catalogue.videos} videos, ${s.catalogue.authors - 1} authors, ${s.catalogue.tags - 1} tags; ${s.usersWithHistory} users with pre-period history`,
    '',
    `| split | rows | users | videos | from | to | ${LABELS.join(' | ')} |`,
    `|---|---|---|---|---|---|${LABELS.map(() => '---').join('|')}|`,
  ];
  for (const [name, st] of Object.entries(s.splits)) {
    const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16));
    lines.push(
      `| ${name} | ${st.rows} | ${st.users} | ${st.videos} | ${iso(st.fromMs)} | ${iso(st.toMs)} | ${LABELS.map((k) => st.labelMeans[k].toFixed(4)).join(' | ')} |`,
    );
  }
  lines.push('', `cold in test: ${s.coldInTest.users} users, ${s.coldInTest.videos} videos never seen in train`, '');
  lines.push(
    `rows per day (UTC+8): ${Object.entries(s.rowsPerDay)
      .map(([d, n]) => `${d.slice(5)}=${n}`)
      .join(' ')}`,
  );
  return lines.join('\n');
}
