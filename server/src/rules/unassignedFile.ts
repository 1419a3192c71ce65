import { unassignedResources } from '../mesh/model';
import type { Finding } from './finding';
import type { MeshRule } from './rule';

/**
 * Every recognised resource is applied to some cluster, so one that belongs to none is left out of every
 * cross-cluster check. Said once per file, on its first unassigned resource, with how to assign it.
 */
export const unassignedFile: MeshRule = {
  scope: 'mesh',
  code: 'MESH001',
  title: 'A file belongs to no cluster',
  severity: 'information',
  check(mesh) {
    if (mesh.clusters.size === 0) return [];
    const clusterNames = [...mesh.clusters.keys()].sort();
    const reportedFiles = new Set<string>();
    const findings: Finding[] = [];
    for (const resource of unassignedResources(mesh)) {
      if (reportedFiles.has(resource.file)) continue;
      reportedFiles.add(resource.file);
      findings.push({
        code: 'MESH001',
        severity: 'information',
        message: `${resource.displayName} belongs to no cluster, so the mesh checks skip it. Assign the file with a "# istio-mesh: cluster=${clusterNames[0]}" comment at its top (a comma list for several clusters), with the istioMesh.clusters setting, by moving it into a cluster's folder, or by naming the cluster in the file name (clusters here: ${clusterNames.join(', ')}).`,
        location: resource.location(['kind']),
      });
    }
    return findings;
  },
};
