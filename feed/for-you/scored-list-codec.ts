import { createHash } from 'node:crypto';
import type { CatalogVideo } from '../../retrieval/catalog.ts';
import type { Candidate } from './types.ts';

/** One stored candidate: no live state, no rules a reranker added; the score and rules it was stored with. */
export interface StoredItem {
  c: Candidate;
  score: number;
  rules: string[];
}

/** A viewer's scored list as the shared cache holds it (`encodeScoredList`). */
interface Wire {
  /** A digest of the list's key: a list built from other viewer state is never read back. */
  k: string;
  /** Wall-clock ms when the list was built (its age on another process). */
  t: number;
  m: string;
  items: WireItem[];
}

/** A stored candidate on the wire: its video by id (read again from the reader's catalogue), features as base64. */
type WireItem = Omit<Candidate, 'video' | 'features' | 'live'> & {
  id: string;
  f?: string;
  stored: { score: number; rules: string[] };
};

/** The shared cache's key of a viewer's scored list. */
export const sharedScoredKey = (actor: string): string => `feed:scored:${actor}`;

/** A digest of a scored list's key (the key names the viewer's whole graph; the digest stays short). */
export const keyDigest = (key: string): string => createHash('sha1').update(key).digest('base64');

function encodeFeatures(f: Float32Array): string {
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

function decodeFeatures(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** The list as one string for the shared cache. */
export function encodeScoredList(
  key: string,
  atWallMs: number,
  modelVersion: string,
  items: readonly StoredItem[],
): string {
  const wire: Wire = {
    k: keyDigest(key),
    t: atWallMs,
    m: modelVersion,
    items: items.map(({ c, score, rules }) => {
      const { video, features, live: _live, ...rest } = c;
      return { ...rest, id: video.id, ...(features ? { f: encodeFeatures(features) } : {}), stored: { score, rules } };
    }),
  };
  return JSON.stringify(wire);
}

/**
 * The list read back, when it was built from `key`: each candidate's video from the reader's catalogue
 * (one it does not hold is dropped, as on a local hit). Undefined for another key or an unreadable value.
 */
export function decodeScoredList(
  text: string,
  key: string,
  videoOf: (id: string) => CatalogVideo | undefined,
): { atWallMs: number; modelVersion: string; items: StoredItem[] } | undefined {
  let wire: Wire;
  try {
    wire = JSON.parse(text) as Wire;
  } catch {
    return undefined;
  }
  if (wire.k !== keyDigest(key) || !Array.isArray(wire.items)) return undefined;
  const items: StoredItem[] = [];
  for (const { id, f, stored, ...rest } of wire.items) {
    const video = videoOf(id);
    if (!video) continue;
    const c: Candidate = { ...rest, video, ...(f ? { features: decodeFeatures(f) } : {}) };
    items.push({ c, score: stored.score, rules: stored.rules });
  }
  return { atWallMs: wire.t, modelVersion: wire.m, items };
}
