import type { Resource } from '../resources/resource';

/**
 * Sub-lists of a resource list (a model's or a cluster's), selected by a predicate of the resource alone and
 * kept per list: rules ask "the Gateways of this cluster", "the cacerts Secrets of this mesh" on every
 * analysis, and scanning 160k resources for them on every keystroke is what made a keystroke cost the
 * workspace. Lists are never mutated once built, so the source — a cluster's list, or a model (whose list a
 * derived model builds only when read) — is the cache key; a derived model (mesh/reuse.ts) carries the
 * selections over to its new lists by splicing in the swapped resources.
 */
export type ResourceSource = readonly Resource[] | { readonly resources: readonly Resource[] };

function listOf(source: ResourceSource): readonly Resource[] {
  return Array.isArray(source) ? source : (source as { readonly resources: readonly Resource[] }).resources;
}

interface Selection {
  matches: (resource: Resource) => boolean;
  list: readonly Resource[];
}

const selections = new WeakMap<ResourceSource, Map<string, Selection>>();

function selectionsOf(source: ResourceSource): Map<string, Selection> {
  let byKey = selections.get(source);
  if (!byKey) {
    byKey = new Map();
    selections.set(source, byKey);
  }
  return byKey;
}

/**
 * The resources of `resources` that `matches`, in list order, computed once per list and `key`. The key names
 * the predicate: one key must always mean the same predicate, which must depend on the resource only.
 */
export function selectResources(source: ResourceSource, key: string, matches: (resource: Resource) => boolean): readonly Resource[] {
  const byKey = selectionsOf(source);
  let selection = byKey.get(key);
  if (!selection) {
    selection = { matches, list: listOf(source).filter(matches) };
    byKey.set(key, selection);
  }
  return selection.list;
}

/** The resources of the given kinds, in list order. */
export function resourcesOfKind(source: ResourceSource, ...kinds: string[]): readonly Resource[] {
  return selectResources(source, `kind:${kinds.join(',')}`, kinds.length === 1 ? (r) => r.kind === kinds[0] : (r) => kinds.includes(r.kind));
}

/**
 * `list` with the contiguous run `removed` replaced by `added`; the same list when both are empty; undefined
 * when the run is not in the list, or nothing is removed but something added (the position is unknown).
 */
export function spliceRun<T>(list: readonly T[], removed: readonly T[], added: readonly T[]): T[] | undefined {
  if (!removed.length) return added.length ? undefined : (list as T[]);
  const start = list.indexOf(removed[0]);
  if (start < 0 || removed.some((item, i) => list[start + i] !== item)) return undefined;
  // A copy and an in-place splice: spreading a model's 160k resources into a literal is several times slower.
  const spliced = list.slice();
  spliced.splice(start, removed.length, ...added);
  return spliced;
}

/**
 * Gives `to` — `from` with its contiguous run `removed` replaced by `added` — the selections `from` has, each
 * updated by splicing instead of re-filtering `to`. A selection that cannot be spliced is left to be
 * recomputed on first use.
 */
export function carrySelections(from: ResourceSource, to: ResourceSource, removed: readonly Resource[], added: readonly Resource[]): void {
  const source = selections.get(from);
  if (!source || from === to) return;
  const target = selectionsOf(to);
  for (const [key, { matches, list }] of source) {
    if (target.has(key)) continue;
    // A run of the source list is a run of any selection of it.
    const carried = spliceRun(list, removed.filter(matches), added.filter(matches));
    if (carried) target.set(key, { matches, list: carried });
  }
}
