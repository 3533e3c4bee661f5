/**
 * Warm start: a new model's parameters begun from an earlier model's, row by row where they are keyed by
 * an id (the earlier dataset's dense indices are not the new one's), tensor by tensor where the shapes
 * agree. Ids the earlier model never saw keep their fresh initialisation.
 */
import type { Params } from '../../../model-format/weights.ts';
import type { Dataset } from '../../data/schema.ts';

/**
 * The external keys of a model's dense indices. `authors[k]` and `tags[k]` key row k of the author and
 * tag tables (row 0, unknown, is ''); users and videos key rows 0..n-1, and row n is the unknown bucket.
 */
export interface IdKeys {
  users: readonly string[];
  videos: readonly string[];
  authors?: readonly string[];
  tags?: readonly string[];
}

/** A dataset's keys, as its models' `ids.json` carries them. */
export function idKeysOf(ds: Dataset): {
  users: string[];
  videos: string[];
  authors?: string[];
  tags?: string[];
} {
  return {
    users: ds.users.map((u) => u.externalId),
    videos: ds.videos.map((v) => v.externalId),
    ...(ds.keys ? { authors: ds.keys.authors, tags: ds.keys.tags } : {}),
  };
}

/** The training examples a warm-started fit steps over: those from `fromMs` on, or all when too few. */
export function incrementalRows(times: readonly number[], fromMs: number | undefined, min: number): number[] {
  const all = times.map((_, i) => i);
  if (fromMs === undefined) return all;
  const newer = all.filter((i) => times[i]! >= fromMs);
  return newer.length >= min ? newer : all;
}

/** An earlier model to start from: its parameters and the keys of their rows. */
export interface WarmStart {
  /** Who it came from (e.g. `ranker@<version>`), for the lineage. */
  from: string;
  params: Params;
  ids: IdKeys;
}

/** How many rows or tensors came over, by parameter name. */
export type Carried = Record<string, { rows: number; of: number } | 'copied' | 'fresh'>;

/** Which key list keys each id table's rows, and whether its last row is the unknown bucket. */
const ID_TABLES: Record<string, { keys: keyof IdKeys; unknownLast: boolean }> = {
  'user.id': { keys: 'users', unknownLast: true },
  'video.id': { keys: 'videos', unknownLast: true },
  'video.author': { keys: 'authors', unknownLast: false },
  'author.id': { keys: 'authors', unknownLast: false },
  'wide.video': { keys: 'videos', unknownLast: true },
  'wide.author': { keys: 'authors', unknownLast: false },
  'video.tags': { keys: 'tags', unknownLast: false },
};

function copyRows(to: Float32Array, toRow: number, from: Float32Array, fromRow: number, width: number): void {
  to.set(from.subarray(fromRow * width, (fromRow + 1) * width), toRow * width);
}

/**
 * `fresh` with every row and tensor of `warm` that maps onto it: id tables by key (and the unknown row
 * to the unknown row), other tensors when their shapes are equal. `fresh` is not modified.
 */
export function warmStartParams(fresh: Params, warm: WarmStart, to: IdKeys): { params: Params; carried: Carried } {
  const params: Params = new Map();
  const carried: Carried = {};
  for (const [name, p] of fresh) {
    const old = warm.params.get(name);
    const table = ID_TABLES[name];
    if (!old || old.shape.length !== p.shape.length || old.shape.slice(1).join() !== p.shape.slice(1).join()) {
      params.set(name, p);
      carried[name] = 'fresh';
      continue;
    }
    if (!table) {
      const same = old.shape[0] === p.shape[0];
      params.set(name, same ? { shape: [...p.shape], values: old.values.slice() } : p);
      carried[name] = same ? 'copied' : 'fresh';
      continue;
    }
    const newKeys = to[table.keys];
    const oldKeys = warm.ids[table.keys];
    if (!newKeys || !oldKeys) {
      // Neither side keys this table: its indices are the source's own stable ids (e.g. KuaiRand's).
      const same = !newKeys && !oldKeys && old.shape[0] === p.shape[0];
      params.set(name, same ? { shape: [...p.shape], values: old.values.slice() } : p);
      carried[name] = same ? 'copied' : 'fresh';
      continue;
    }
    const width = p.shape.slice(1).reduce((a, b) => a * b, 1);
    const values = p.values.slice();
    const oldRow = new Map(oldKeys.map((k, i) => [k, i]));
    let rows = 0;
    newKeys.forEach((k, i) => {
      const j = oldRow.get(k);
      if (j === undefined || j >= (old.shape[0] ?? 0) || i >= (p.shape[0] ?? 0)) return;
      copyRows(values, i, old.values, j, width);
      rows++;
    });
    if (table.unknownLast && old.shape[0] === oldKeys.length + 1 && p.shape[0] === newKeys.length + 1) {
      copyRows(values, newKeys.length, old.values, oldKeys.length, width);
      rows++;
    }
    params.set(name, { shape: [...p.shape], values });
    carried[name] = { rows, of: p.shape[0] ?? 0 };
  }
  return { params, carried };
}
