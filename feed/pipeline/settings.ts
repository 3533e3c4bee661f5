/**
 * Settings bound to components. Each component that has knobs declares a slot: where its settings
 * live in the pipeline's settings tree (`sources.trending`, `rerankers.author_diversity`) and their zod
 * schema. The tree is validated once at start against every slot of every pipeline, so a component
 * without settings, or a setting no component reads, stops the server instead of running with a silent
 * default of 0.
 */
import { z } from 'zod';

/** A component's place in the settings tree and the shape of what it finds there. */
export interface SettingsSlot<S> {
  /** Dotted path in the tree, e.g. `sources.trending`. */
  readonly key: string;
  readonly schema: z.ZodType<S>;
}

/** A validated, frozen settings tree (one per request after experiment arms are applied). */
export type SettingsTree = Readonly<Record<string, unknown>>;

/** Declares a settings slot. */
export function slot<S>(key: string, schema: z.ZodType<S>): SettingsSlot<S> {
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(key)) throw new Error(`settings slot: bad key '${key}'`);
  return { key, schema };
}

/** A component's settings from a tree that was bound (so they are present and valid). */
export function settingsOf<S>(tree: SettingsTree, s: SettingsSlot<S>): S {
  let node: unknown = tree;
  for (const part of s.key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (node === undefined) throw new Error(`settings: nothing at '${s.key}' (the tree was not bound to this component)`);
  return node as S;
}

/** Raised with every problem of a settings tree at once. */
export class SettingsError extends Error {
  readonly issues: readonly string[];
  constructor(where: string, issues: readonly string[]) {
    super(`${where}: ${issues.join('; ')}`);
    this.name = 'SettingsError';
    this.issues = issues;
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The distinct slots by key; two components on one key must share the slot object (one schema). */
export function uniqueSlots(slots: readonly SettingsSlot<unknown>[]): Map<string, SettingsSlot<unknown>> {
  const byKey = new Map<string, SettingsSlot<unknown>>();
  for (const s of slots) {
    const seen = byKey.get(s.key);
    if (seen && seen !== s) throw new Error(`settings: two different slots claim '${s.key}'`);
    byKey.set(s.key, s);
  }
  for (const k of byKey.keys())
    for (const other of byKey.keys())
      if (other.startsWith(`${k}.`)) throw new Error(`settings: slot '${other}' lies inside slot '${k}'`);
  return byKey;
}

/**
 * Validates `raw` against the slots and returns the frozen tree with defaults applied. Problems are
 * collected: a slot with nothing in `raw`, a slot whose value fails its schema (each failing field
 * named), and a key in `raw` that no component reads. `where` names the source (file or arm).
 */
export function bindSettings(slots: readonly SettingsSlot<unknown>[], raw: unknown, where: string): SettingsTree {
  const byKey = uniqueSlots(slots);
  const issues: string[] = [];
  const out: Record<string, unknown> = {};
  const read = (path: string[]): unknown => {
    let node: unknown = raw;
    for (const p of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
    return node;
  };
  for (const [key, s] of byKey) {
    const path = key.split('.');
    const value = read(path);
    if (value === undefined) {
      issues.push(`${key}: missing (a component of the pipeline reads it)`);
      continue;
    }
    const parsed = s.schema.safeParse(value);
    if (!parsed.success) {
      for (const i of parsed.error.issues) issues.push(`${[key, ...i.path.map(String)].join('.')}: ${i.message}`);
      continue;
    }
    let node = out;
    for (const p of path.slice(0, -1)) {
      node[p] ??= {};
      node = node[p] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = parsed.data;
  }
  // Anything in raw that is neither a slot nor on the way to one is read by nobody.
  const walk = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    for (const k of Object.keys(node)) {
      const p = [...path, k];
      const key = p.join('.');
      if (byKey.has(key)) continue;
      if (![...byKey.keys()].some((s) => s.startsWith(`${key}.`)))
        issues.push(`${key}: no component reads this setting`);
      else walk((node as Record<string, unknown>)[k], p);
    }
  };
  walk(raw, []);
  if (issues.length > 0) throw new SettingsError(where, issues);
  return deepFreeze(out);
}

/** `over` deep-merged onto `base` (objects merge key by key; anything else in `over` replaces). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const b = base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...b };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(b[k], v);
  return out;
}

/** A bound tree with `patch` deep-merged over it, bound again (so the result is as valid as the input). */
export function patchSettings(
  slots: readonly SettingsSlot<unknown>[],
  tree: SettingsTree,
  patch: Record<string, unknown>,
  where = 'patch',
): SettingsTree {
  return bindSettings(slots, deepMerge(tree, patch), where);
}

/** Base schema of every candidate source's slot: how many candidates and how long to wait. */
export const sourceBudgetSchema = z.strictObject({
  quota: z.number().int().min(0).max(5000),
  timeout_ms: z.number().int().min(1).max(10_000).default(100),
});
export type SourceBudget = z.infer<typeof sourceBudgetSchema>;
