import type { MeshRule } from '../rule';
import { clusterAnchor, controlPlaneNamespaceOf } from '../secrets/places';
import { createCacertsCommand } from './common';

export const cacertsPartial: MeshRule = {
  scope: 'mesh',
  code: 'MESH604',
  title: 'Some clusters have a cacerts secret and others have none',
  severity: 'warning',
  check(mesh) {
    if (mesh.clusters.size < 2) return [];
    const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
    const withCacerts = clusters.filter((c) => c.cacerts);
    if (!withCacerts.length) return [];
    // Only a primary runs the istiod that would mint its own root; a remote's workloads are signed by its primary.
    return clusters.filter((c) => c.role === 'primary' && !c.cacerts).flatMap((cluster) => {
      const location = clusterAnchor(cluster);
      if (!location) return [];
      return [{
        code: cacertsPartial.code,
        severity: cacertsPartial.severity,
        location,
        cluster: cluster.name,
        related: withCacerts.map((other) => ({ location: other.cacerts!.resource.location(['metadata', 'name']), message: `cacerts of ${other.name}` })),
        message:
          `${cluster.name} has no cacerts secret while ${withCacerts.map((c) => c.name).join(', ')} ${withCacerts.length === 1 ? 'has one' : 'have one'}: ` +
          `its istiod would mint its own self-signed root, which the other clusters do not trust. ` +
          `Create it from the same root: \`${createCacertsCommand(cluster.name, controlPlaneNamespaceOf(mesh, cluster))}\`.`,
      }];
    });
  },
};
