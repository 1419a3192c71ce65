import type { Finding } from '../rules/finding';
import type { CacheStore as RuleCacheStore, MeshRule } from '../rules/rule';

/**
 * One Analyzer's caches: what a rule (or a helper it calls) keeps from one analysis to the next, under the
 * object that owns it. Created with the Analyzer and dropped with it, so no cache outlives the analyses it
 * serves, and two Analyzers never share one.
 */
export class CacheStore implements RuleCacheStore {
  private readonly values = new Map<object, unknown>();

  of<T>(owner: object, create: () => T): T {
    if (this.values.has(owner)) return this.values.get(owner) as T;
    const value = create();
    this.values.set(owner, value);
    return value;
  }
}

/**
 * ISTIO_MESH_VERIFY_CACHE=1: the engine runs every mesh rule a second time on an empty store and compares. A
 * rule whose `reads` (or scoped inputs) misses something its check reads then fails on the first analysis
 * that reuses stale findings, rather than showing them.
 */
export function cacheVerificationRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ISTIO_MESH_VERIFY_CACHE === '1';
}

/** Thrown in the verification mode when a rule's reused findings differ from a run on an empty store. */
export class CacheVerificationError extends Error {
  constructor(
    readonly rule: MeshRule,
    reused: readonly Finding[],
    recomputed: readonly Finding[],
  ) {
    super(
      `${rule.code} (${rule.title}) reused findings that a run on an empty cache store does not give: what it declares it reads ` +
        `(MeshRule.reads, or a scoped rule's mesh inputs) misses something its check reads.\n` +
        `reused: ${JSON.stringify(reused)}\nrecomputed: ${JSON.stringify(recomputed)}`,
    );
    this.name = 'CacheVerificationError';
  }
}
