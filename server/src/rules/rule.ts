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

/** A rule that looks at the mesh as a whole: clusters, links, trust. */
export interface MeshRule extends RuleInfo {
  scope: 'mesh';
  check(mesh: MeshModel): Finding[];
  /**
   * Everything `check` reads from the model, as values compared by identity (the model's lists and facts are
   * immutable). While a mesh's list equals the one of the last run, the last findings stand: for rules whose
   * work grows with the mesh (N·(N−1) remote secrets) and whose inputs a keystroke rarely changes.
   */
  reads?(mesh: MeshModel): readonly unknown[];
}

export type Rule = ResourceRule | MeshRule;
