import type { DecayedCounters, UserFeatureState } from './definitions.ts';
import type { AuthorRecord, UserRecord, VideoRecord } from './fold.ts';

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

function encodeFeatures(u: UserFeatureState) {
  return {
    r: u.recent.map((r) => [r.video, r.timeMs]),
    a: encodeAffinity(u.authorAffinity),
    g: encodeAffinity(u.tagAffinity),
    c: encodeCounters(u.counters),
    l: u.lastTimeMs,
  };
}

function decodeFeatures(j: ReturnType<typeof encodeFeatures>): UserFeatureState {
  return {
    recent: j.r.map(([video, timeMs]) => ({ video: video as string, timeMs: timeMs as number })),
    authorAffinity: decodeAffinity(j.a),
    tagAffinity: decodeAffinity(j.g),
    counters: decodeCounters(j.c),
    lastTimeMs: j.l,
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
export const encodeAuthor = (a: AuthorRecord): string => JSON.stringify({ w: a.window });
export const decodeAuthor = (s: string): AuthorRecord => ({ window: JSON.parse(s).w });
/** Global counters as stored text. */
export const encodeGlobal = (c: DecayedCounters): string => JSON.stringify(encodeCounters(c));
export const decodeGlobal = (s: string): DecayedCounters => decodeCounters(JSON.parse(s));
