import { dirname, relative, sep } from 'node:path';
import { unassignedResources } from '../mesh/model';
import type { Finding, Fix } from './finding';
import type { MeshRule } from './rule';

/** The light bulb offers at most this many clusters to assign a file to (the folder's match first). */
const MAX_ASSIGN_FIXES = 10;

/** The cluster a folder of the file's path is named after, the deepest folder first (`clusters/cluster2/apps`). */
function clusterOfFolders(root: string, file: string, clusterNames: readonly string[]): string | undefined {
  const folders = relative(root, dirname(file)).split(sep).filter(Boolean).reverse();
  for (const folder of folders) {
    const named = clusterNames.find((name) => name.toLowerCase() === folder.toLowerCase());
    if (named) return named;
  }
  return undefined;
}

/** "Assign this file to cluster X": the comment the message spells out, at the top of the file. */
function assignFix(file: string, cluster: string, preferred: boolean): Fix {
  const top = { line: 0, character: 0 };
  return { title: `Assign this file to cluster ${cluster}`, preferred, edits: [{ location: { file, range: { start: top, end: top } }, newText: `# istio-mesh: cluster=${cluster}\n` }] };
}

/**
 * Every recognised resource is applied to some cluster, so one that belongs to none is left out of every
 * cross-cluster check. Said once per file, on its first unassigned resource, with how to assign it; the comment
 * it suggests names the cluster a folder of the path is named after, when one is.
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
      const folderCluster = clusterOfFolders(mesh.root, resource.file, clusterNames);
      const suggested = folderCluster ?? clusterNames[0];
      const offered = [suggested, ...clusterNames.filter((name) => name !== suggested)].slice(0, MAX_ASSIGN_FIXES);
      findings.push({
        code: 'MESH001',
        severity: 'information',
        message: `${resource.displayName} belongs to no cluster, so the mesh checks skip it. Assign the file with a "# istio-mesh: cluster=${suggested}" comment at its top (a comma list for several clusters), with the istioMesh.clusters setting, by moving it into a cluster's folder, or by naming the cluster in the file name (clusters here: ${clusterNames.join(', ')}).`,
        location: resource.location(['kind']),
        fixes: offered.map((name) => assignFix(resource.file, name, name === folderCluster)),
      });
    }
    return findings;
  },
};
