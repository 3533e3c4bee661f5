import type { DecayedCounters, UserFeatureState } from './definitions.ts';
import type { AuthorRecord, UserRecord, VideoRecord } from './fold.ts';
import type { ViewState } from './signals.ts';

// JSON has no -Infinity (an untouched counter's time) or typed arrays; both round-trip exactly here,
// which is what makes a replayed store byte-identical to the original.

interface CountersJson {
  t: number | null;
  v: number[];
}

function encodeCounters(c: DecayedCounters): CountersJson {
  return { t: Number.isFinite(c.timeMs) ? c.timeMs : null, v: Array.from(c.values) };
}

function decodeCounters(j: CountersJson): DecayedCounters {
  return { timeMs: j.t ?? Number.NEGATIVE_INFINITY, values: Float64Array.from(j.v) };
}

type Affinity = [string | number, number, number][];

function encodeAffinity(m: Map<string | number, { value: number; timeMs: number }>): Affinity {
  return [...m].map(([k, a]) => [k, a.value, a.timeMs]);
}

function decodeAffinity(j: Affinity): Map<string | number, { value: number; timeMs: number }> {
  return new Map(j.map(([k, value, timeMs]) => [k, { value, timeMs }]));
}

const FLAGS = ['impression', 'ended', 'completed', 'click', 'like', 'follow', 'comment', 'forward', 'hate'] as const;
type ViewJson = [string | number, number, number, number, number];

function encodeView(key: string | number, v: ViewState): ViewJson {
  let bits = 0;
  FLAGS.forEach((f, i) => {
    if (v[f]) bits |= 1 << i;
  });
  return [key, v.startMs, v.watchMs, v.durationMs, bits];
}

function decodeViews(j: ViewJson[] | undefined): Map<string | number, ViewState> {
  const out = new Map<string | number, ViewState>();
  for (const [key, startMs, watchMs, durationMs, bits] of j ?? []) {
    const v = { startMs, watchMs, durationMs } as ViewState;
    FLAGS.forEach((f, i) => {
      v[f] = (bits & (1 << i)) !== 0;
    });
    out.set(key, v);
  }
  return out;
}

function encodeFeatures(u: UserFeatureState) {
  return {
    r: u.recent.map((r) => [r.video, r.timeMs]),
    a: encodeAffinity(u.authorAffinity),
    g: encodeAffinity(u.tagAffinity),
    c: encodeCounters(u.counters),
    l: u.lastTimeMs,
    v: [...u.views].map(([k, v]) => encodeView(k, v)),
  };
}

function decodeFeatures(j: ReturnType<typeof encodeFeatures>): UserFeatureState {
  return {
    recent: j.r.map(([video, timeMs]) => ({ video: video as string, timeMs: timeMs as number })),
    authorAffinity: decodeAffinity(j.a),
    tagAffinity: decodeAffinity(j.g),
    counters: decodeCounters(j.c),
    lastTimeMs: j.l,
    views: decodeViews(j.v),
  };
}

/** A user record as stored text. */
export const encodeUser = (u: UserRecord): string => JSON.stringify({ f: encodeFeatures(u.features), h: u.history });
export const decodeUser = (s: string): UserRecord => {
  const j = JSON.parse(s);
  return { features: decodeFeatures(j.f), history: j.h };
};
/** A video record as stored text. */
export const encodeVideo = (v: VideoRecord): string => JSON.stringify({ c: encodeCounters(v.counters), w: v.window });
export const decodeVideo = (s: string): VideoRecord => {
  const j = JSON.parse(s);
  return { counters: decodeCounters(j.c), window: j.w };
};
/** An author record as stored text. */
export const encodeAuthor = (a: AuthorRecord): string =>
  JSON.stringify(a.counters ? { c: encodeCounters(a.counters), w: a.window } : { w: a.window });
export const decodeAuthor = (s: string): AuthorRecord => {
  const j = JSON.parse(s);
  return j.c ? { counters: decodeCounters(j.c), window: j.w } : { window: j.w };
};
/** The counters of stored author records, keyed as given (authors without counters left out). */
export function authorCounters(rows: ReadonlyMap<string, string>): Map<string, DecayedCounters> {
  const out = new Map<string, DecayedCounters>();
  for (const [k, s] of rows) {
    const c = decodeAuthor(s).counters;
    if (c) out.set(k, c);
  }
  return out;
}
/** Global counters as stored text. */
export const encodeGlobal = (c: DecayedCounters): string => JSON.stringify(encodeCounters(c));
export const decodeGlobal = (s: string): DecayedCounters => decodeCounters(JSON.parse(s));
