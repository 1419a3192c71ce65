import { ComposedYamlDocument } from '../../compose/composedDocument';
import { installOf, type MeshModel } from '../../mesh/model';
import { resourcesOfKind } from '../../mesh/selection';
import { clusterNameOf } from '../../resources/installConfig';
import { gitopsTarget } from '../../resources/installSources';
import type { Located, Resource } from '../../resources/resource';
import type { Finding } from '../finding';
import type { MeshRule } from '../rule';

/** Argo CD's own cluster, registered as `in-cluster` at this server. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** One destination however it is written: `in-cluster` is the local server, and a trailing slash changes nothing. */
function destinationKey(target: string): string {
  const trimmed = target.trim().replace(/\/+$/, '');
  return trimmed === 'in-cluster' ? IN_CLUSTER_SERVER : trimmed;
}

interface GeneratedInstall {
  application: Resource;
  target: Located<string>;
  /** The cluster the generated install declares itself (`global.multiCluster.clusterName`). */
  meaning: string;
  label: string;
}

/** Applications an ApplicationSet generated that install Istio for a named cluster, with their destination. */
function generatedInstalls(mesh: MeshModel): GeneratedInstall[] {
  return resourcesOfKind(mesh, 'Application').flatMap((application) => {
    const doc = application.doc;
    if (application.kind !== 'Application' || !(doc instanceof ComposedYamlDocument) || doc.unit.kind !== 'applicationset') return [];
    const target = gitopsTarget(application);
    const install = installOf(mesh, application);
    const meaning = install && clusterNameOf(install);
    if (!target || target.isPlaceholder || !meaning) return [];
    return [{ application, target, meaning, label: doc.unit.label ?? 'another element' }];
  });
}

/**
 * COMPOSE002: ApplicationSet elements that install different clusters' Istio to one destination. Copying the
 * docs' `https://kubernetes.default.svc` into every element sends every cluster's control plane to the cluster
 * Argo CD runs in: the last sync wins there and the other clusters get nothing.
 */
export const sharedDestinationRule: MeshRule = {
  scope: 'mesh',
  code: 'COMPOSE002',
  title: 'ApplicationSet elements for different clusters share one destination',
  severity: 'error',
  check(mesh) {
    const byDestination = new Map<string, GeneratedInstall[]>();
    for (const generated of generatedInstalls(mesh)) {
      const key = destinationKey(generated.target.value);
      byDestination.set(key, [...(byDestination.get(key) ?? []), generated]);
    }
    const findings: Finding[] = [];
    for (const [destination, group] of byDestination) {
      if (new Set(group.map((g) => g.meaning)).size < 2) continue;
      for (const generated of group) {
        const others = group.filter((g) => g.meaning !== generated.meaning);
        findings.push({
          code: 'COMPOSE002',
          severity: 'error',
          message: `This Application installs Istio for ${generated.meaning} at destination ${destination}, where ${[...new Set(others.map((o) => o.meaning))].join(', ')} is also installed: both go to the same cluster. Give each element the destination of its own cluster (its Argo CD cluster name or API server URL).`,
          location: generated.target.location(),
          cluster: generated.meaning,
          related: others.map((other) => ({ location: other.target.location(), message: `${other.label} sends ${other.meaning} to the same destination.` })),
        });
      }
    }
    return findings;
  },
};
