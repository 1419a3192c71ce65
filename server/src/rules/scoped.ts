import type { SourceLocation } from '../parse/text';
import { routingIndexOf, type RoutingIndex, type RoutingScope } from '../mesh/routingIndex';
import type { MeshModel } from '../mesh/model';
import type { Resource } from '../resources/resource';
import { SEVERITY_RANK, type Finding, type RelatedInformation, type Severity } from './finding';
import type { MeshRule } from './rule';

/** What a scoped rule reports before it is known how many clusters share it. */
export interface ScopedIssue {
  severity?: Severity;
  location: SourceLocation;
  message: string;
  related?: RelatedInformation[];
}

function issueKey(issue: ScopedIssue): string {
  const { start, end } = issue.location.range;
  return `${issue.location.file}:${start.line}:${start.character}:${end.line}:${end.character}:${issue.message}`;
}

/**
 * A mesh rule that checks each routing scope (cluster, or the unassigned files) on its own. A resource that
 * belongs to several clusters is checked in each; the same problem found in several clusters is reported
 * once, naming them all, at the stricter severity.
 */
export function scopedRule(
  info: { code: string; title: string; severity: Severity },
  check: (scope: RoutingScope, index: RoutingIndex, mesh: MeshModel) => ScopedIssue[],
): MeshRule {
  return {
    ...info,
    scope: 'mesh',
    check(mesh) {
      const index = routingIndexOf(mesh);
      const merged = new Map<string, { issue: ScopedIssue; severity: Severity; clusters: string[] }>();
      for (const scope of index.scopes) {
        for (const issue of check(scope, index, mesh)) {
          const key = issueKey(issue);
          const severity = issue.severity ?? info.severity;
          const entry = merged.get(key) ?? { issue, severity, clusters: [] };
          if (SEVERITY_RANK[severity] > SEVERITY_RANK[entry.severity]) entry.severity = severity;
          if (scope.cluster && !entry.clusters.includes(scope.cluster)) entry.clusters.push(scope.cluster);
          merged.set(key, entry);
        }
      }
      return [...merged.values()].map(({ issue, severity, clusters }): Finding => ({
        code: info.code,
        severity,
        message: clusters.length ? `${issue.message} (cluster ${clusters.join(', ')})` : issue.message,
        location: issue.location,
        ...(clusters.length ? { cluster: clusters.join(',') } : {}),
        ...(issue.related?.length ? { related: issue.related } : {}),
      }));
    },
  };
}

/** The subjects of a scope of one kind. */
export function subjectsOfKind(scope: RoutingScope, kind: string): Resource[] {
  return scope.subjects.filter((r) => r.kind === kind);
}
