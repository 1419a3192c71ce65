import type { MeshModel } from '../mesh/model';
import type { Resource } from '../resources/resource';
import type { Finding, Severity } from './finding';

interface RuleInfo {
  /** Stable code, shown to users and used in docs/rules/<code>.md. */
  code: string;
  /** One line: what is wrong. */
  title: string;
  severity: Severity;
}

/** A rule that looks at one resource at a time (schema, removed values): re-run only for the changed file. */
export interface ResourceRule extends RuleInfo {
  scope: 'resource';
  check(resource: Resource): Finding[];
}

/**
 * The Analyzer's cache store, the one place a rule keeps something between analyses: a rule module holds no
 * state of its own, so two Analyzers (the editor's and a test's) never see each other's caches, and the
 * verification mode can run a rule again on an empty store.
 */
export interface CacheStore {
  /** The value this store keeps for `owner` (a rule or a helper function: any object that lives as long as the module), made by `create` on first use. */
  of<T>(owner: object, create: () => T): T;
}

/** What the engine hands a mesh rule besides the mesh. */
export interface RuleContext {
  cache: CacheStore;
}

/** A rule that looks at the mesh as a whole: clusters, links, trust. */
export interface MeshRule extends RuleInfo {
  scope: 'mesh';
  check(mesh: MeshModel, context: RuleContext): Finding[];
  /**
   * Everything `check` reads from the model, as values compared by identity (the model's lists and facts are
   * immutable). While a mesh's list equals the one of the last run, the last findings stand: for rules whose
   * work grows with the mesh (N·(N−1) remote secrets) and whose inputs a keystroke rarely changes. With
   * ISTIO_MESH_VERIFY_CACHE=1 the engine checks this claim on every run (engine/cacheStore.ts).
   */
  reads?(mesh: MeshModel, context: RuleContext): readonly unknown[];
}

export type Rule = ResourceRule | MeshRule;
