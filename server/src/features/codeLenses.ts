import { MeshClusterKeys, qualifiesClusters } from '../apply/meshClusters';
import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import type { Range } from '../parse/text';
import type { Finding } from '../rules/finding';

/**
 * The lenses above each control plane install: which cluster of which mesh it is, its role, network and findings,
 * and the actions on that cluster (the runbook, apply, its kube context). The commands are the extension's.
 */
export interface MeshLens {
  range: Range;
  title: string;
  command: string;
  arguments?: unknown[];
}

function countText(findings: readonly Finding[]): string {
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  const parts = [
    [count('error'), 'error'],
    [count('warning'), 'warning'],
  ]
    .filter(([n]) => n)
    .map(([n, word]) => `${n} ${word}${n === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no problems';
}

export function controlPlaneLenses(
  file: WorkspaceFile,
  meshes: readonly MeshModel[],
  findings: ReadonlyMap<string, readonly Finding[]>,
  roots: readonly string[],
): MeshLens[] {
  const qualify = qualifiesClusters(meshes);
  const lenses: MeshLens[] = [];
  for (const mesh of meshes) {
    const keys = new MeshClusterKeys(mesh, roots, qualify);
    for (const cluster of mesh.clusters.values()) {
      for (const install of cluster.controlPlanes) {
        if (install.resource.file !== file.path) continue;
        const key = keys.keyOf(cluster.name);
        const ofCluster = [...new Set(cluster.resources.map((r) => r.file))]
          .flatMap((path) => findings.get(path) ?? [])
          .filter((f) => f.severity !== 'information');
        const start = install.resource.doc.contentRange.start;
        const range = { start, end: start };
        const facts = [`cluster ${key}`, cluster.role, ...(cluster.network ? [`network ${cluster.network}`] : []), countText(ofCluster)].join(' · ');
        lenses.push(
          { range, title: facts, command: 'workbench.actions.view.problems' },
          { range, title: 'Show Runbook', command: 'istioMesh.showRunbook' },
          { range, title: 'Apply Cluster…', command: 'istioMesh.applyCluster', arguments: [key] },
          { range, title: 'Choose Kube Context…', command: 'istioMesh.chooseContext', arguments: [key] },
        );
      }
    }
  }
  return lenses;
}
