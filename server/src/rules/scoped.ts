import { dirname } from 'node:path';

import { compositionUnitOf } from '../compose/composedDocument';
import { type MeshModel, unassignedResources } from '../mesh/model';
import { type RoutingIndex, routingIndexOf, type RoutingScope, sameItems } from '../mesh/routingIndex';
import { locationKey, type SourceLocation } from '../parse/text';
import { objectIdentity } from '../resources/fields';
import type { Resource } from '../resources/resource';
import { type Finding, type RelatedInformation, type Severity, SEVERITY_RANK } from './finding';
import type { CacheStore, MeshRule } from './rule';

/** What a scoped rule reports before it is known how many clusters share it. */
export interface ScopedIssue {
  severity?: Severity;
  location: SourceLocation;
  message: string;
  related?: RelatedInformation[];
  /** As on `Finding`; the facts of every cluster that finds the issue are kept. */
  explains?: string[];
  explainedBy?: string[];
  consequence?: string;
}

function issueKey(issue: ScopedIssue): string {
  return `${locationKey(issue.location)}:${issue.message}`;
}

function sameInputs(a: readonly (readonly unknown[])[], b: readonly (readonly unknown[])[]): boolean {
  return a.length === b.length && a.every((list, i) => sameItems(list, b[i]));
}

/** The meshNetworks gateways as compared inputs, built once per routing index (every scope of every rule reads them). */
function meshNetworkInputs(index: RoutingIndex, cache: CacheStore): readonly unknown[] {
  // `last` is the last list built, so an equal list of the next model is the same object and compares in O(1).
  const built = cache.of(meshNetworkInputs, () => ({ lists: new WeakMap<RoutingIndex, readonly unknown[]>(), last: [] as readonly unknown[] }));
  let inputs = built.lists.get(index);
  if (!inputs) {
    inputs = index.meshNetworkGateways.flatMap((g) => [g.install, g.network, g.port.value, g.port.isPlaceholder]);
    if (sameItems(inputs, built.last)) inputs = built.last;
    built.last = inputs;
    built.lists.set(index, inputs);
  }
  return inputs;
}

/** What every scope of one model reads from the mesh rather than from itself (see `scopeInputs`). */
interface MeshWideInputs {
  /** The unassigned resources, which a cluster's references may resolve to. */
  unassigned: readonly Resource[];
  mesh: MeshModel;
  network: readonly unknown[];
  wide: readonly unknown[];
}

/** The resources a scope's references may resolve to: any resource for the unassigned scope, else the unassigned ones. */
function resolvableResources(scope: RoutingScope, meshWide: MeshWideInputs): readonly Resource[] {
  return scope.cluster === undefined ? meshWide.mesh.resources : meshWide.unassigned;
}

/**
 * Everything a scope's check can read: its subjects and peers, the unassigned resources its references may
 * resolve to (every resource, for the unassigned scope), the gateway deployments that may run in it, the
 * meshNetworks gateways, and what the rule declares it reads from the whole mesh. Resources and install
 * configs are immutable per version of their file, so equal inputs give equal issues.
 * `sameMeshWideInputs` reads entries 2, 5 and 6 (what comes from the mesh rather than the scope).
 */
function scopeInputs(scope: RoutingScope, meshWide: MeshWideInputs): (readonly unknown[])[] {
  return [
    scope.subjects,
    scope.peers,
    resolvableResources(scope, meshWide),
    scope.gatewayDeployments,
    [scope.definesGatewayDeployments],
    meshWide.network,
    meshWide.wide,
  ];
}

/** Whether the inputs `scopeInputs` takes from the mesh rather than the scope are the cached ones. */
function sameMeshWideInputs(cached: (readonly unknown[])[], scope: RoutingScope, meshWide: MeshWideInputs): boolean {
  return sameItems(cached[2], resolvableResources(scope, meshWide)) && sameItems(cached[5], meshWide.network) && sameItems(cached[6], meshWide.wide);
}

/** A scoped rule's issues per cluster of one mesh, with the scope and inputs they were computed from. */
type ScopeCache = Map<string, { scope: RoutingScope; inputs: (readonly unknown[])[]; issues: ScopedIssue[] }>;

/**
 * A mesh rule that checks each routing scope (cluster, or the unassigned files) on its own. A resource that
 * belongs to several clusters is checked in each; the same problem found in several clusters is reported
 * once, naming them all, at the stricter severity.
 *
 * A scope's issues are kept with the inputs they were computed from and reused while those are the same, so
 * an edit in one cluster re-checks that cluster only. A check that reads more of the mesh than its scope
 * must say what through `meshInputs`.
 */
export function scopedRule(
  info: { code: string; title: string; severity: Severity },
  check: (scope: RoutingScope, index: RoutingIndex, mesh: MeshModel) => ScopedIssue[],
  meshInputs: (mesh: MeshModel) => readonly unknown[] = () => [],
): MeshRule {
  const issuesOf = (scope: RoutingScope, index: RoutingIndex, meshWide: MeshWideInputs, cached: ScopeCache): ScopedIssue[] => {
    const key = scope.cluster ?? '';
    const before = cached.get(key);
    // The same scope object (a cluster the edit did not touch) holds the same subjects, peers and deployments:
    // only the mesh-wide inputs are compared then, by identity first, without listing the inputs again.
    if (before && before.scope === scope && sameMeshWideInputs(before.inputs, scope, meshWide)) return before.issues;
    const inputs = scopeInputs(scope, meshWide);
    if (before && sameInputs(before.inputs, inputs)) {
      cached.set(key, { scope, inputs, issues: before.issues });
      return before.issues;
    }
    const issues = check(scope, index, meshWide.mesh);
    cached.set(key, { scope, inputs, issues });
    return issues;
  };
  const rule: MeshRule = {
    ...info,
    scope: 'mesh',
    check(mesh, context) {
      const index = routingIndexOf(mesh);
      const meshWide: MeshWideInputs = {
        unassigned: unassignedResources(mesh),
        mesh,
        network: meshNetworkInputs(index, context.cache),
        wide: meshInputs(mesh),
      };
      // Per mesh root, then per cluster ('' for the unassigned scope): nested, so no key is built per scope and run.
      const byRoot = context.cache.of(rule, () => new Map<string, ScopeCache>());
      let cached = byRoot.get(mesh.root);
      if (!cached) {
        cached = new Map();
        byRoot.set(mesh.root, cached);
      }
      const merged = new Map<string, { issue: ScopedIssue; severity: Severity; clusters: string[]; explains: Set<string>; explainedBy: Set<string> }>();
      for (const scope of index.scopes) {
        for (const issue of issuesOf(scope, index, meshWide, cached)) {
          const key = issueKey(issue);
          const severity = issue.severity ?? info.severity;
          const entry = merged.get(key) ?? { issue, severity, clusters: [], explains: new Set<string>(), explainedBy: new Set<string>() };
          if (SEVERITY_RANK[severity] > SEVERITY_RANK[entry.severity]) entry.severity = severity;
          if (scope.cluster && !entry.clusters.includes(scope.cluster)) entry.clusters.push(scope.cluster);
          for (const fact of issue.explains ?? []) entry.explains.add(fact);
          for (const fact of issue.explainedBy ?? []) entry.explainedBy.add(fact);
          merged.set(key, entry);
        }
      }
      return [...merged.values()].map(({ issue, severity, clusters, explains, explainedBy }): Finding => ({
        code: info.code,
        severity,
        message: clusters.length ? `${issue.message} (cluster ${clusters.join(', ')})` : issue.message,
        location: issue.location,
        ...(clusters.length ? { cluster: clusters.join(',') } : {}),
        ...(issue.related?.length ? { related: issue.related } : {}),
        ...(explains.size ? { explains: [...explains] } : {}),
        ...(explainedBy.size ? { explainedBy: [...explainedBy] } : {}),
        ...(issue.consequence ? { consequence: issue.consequence } : {}),
      }));
    },
  };
  return rule;
}

/**
 * Whether `peer` is another object applied beside `subject`, for checks of two objects in one cluster (MESH408,
 * MESH502): not `subject` itself nor another definition of the same object (one replaces the other: MESH002),
 * and in the unassigned scope one in the same folder (and composed by the same overlay, if any), since files
 * no cluster claims are not known to be applied together (a demo and a verification sample kept side by side).
 */
export function isOtherObjectBeside(scope: RoutingScope, subject: Resource, peer: Resource): boolean {
  if (peer === subject) return false;
  const identity = objectIdentity(subject);
  if (identity !== undefined && objectIdentity(peer) === identity) return false;
  if (scope.cluster !== undefined) return true;
  // Two overlays that name no cluster compose their objects from the same base files: each is its own cluster.
  return dirname(peer.file) === dirname(subject.file) && compositionUnitOf(peer)?.folder === compositionUnitOf(subject)?.folder;
}

/** The subjects of a scope of one kind. */
export function subjectsOfKind(scope: RoutingScope, kind: string): Resource[] {
  return scope.subjects.filter((r) => r.kind === kind);
}
