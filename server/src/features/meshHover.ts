import { relative } from 'node:path';

import type { WorkspaceFile } from '../engine/workspace';
import type { AssignmentReason } from '../mesh/assignment';
import type { MeshModel } from '../mesh/model';
import { pathAtOffset, samePath } from '../parse/pathAt';
import type { InstallConfig } from '../resources/installConfig';
import { NEWEST_ISTIO_MINOR } from '../resources/istioVersions';
import type { Located } from '../resources/resource';
import { composedValueHover } from './composedHover';
import { chartValueHover } from './helmValues';
import { meshOfResource } from './meshCompletion';
import { trustHover } from './trustHover';

const REASONS: Record<AssignmentReason, string> = {
  directive: 'an `# istio-mesh: cluster=` comment',
  setting: 'the `istioMesh.clusters` setting',
  'gitops-target': 'the cluster its Argo CD destination or Flux kubeConfig deploys to',
  'install-config': 'the clusterName it declares',
  'chart-install': 'the releases that install its Helm chart',
  'gitops-source': 'the Argo CD Application (spec.source.path) or Flux Kustomization (spec.path with kubeConfig) that applies its folder',
  overlay: 'the kustomize overlay that applies it',
  folder: "its folder, which holds that cluster's IstioOperator",
  'path-segment': 'a folder of its path named after the cluster',
  'file-name': 'the cluster name in its file name',
  unassigned: '',
};

type IdentityField = 'meshID' | 'clusterName' | 'network';
const IDENTITY_FIELDS: IdentityField[] = ['meshID', 'clusterName', 'network'];

function where(mesh: MeshModel, located: Located<string>): string {
  const { file, range } = located.location();
  return `${relative(mesh.root, file)}:${range.start.line + 1}`;
}

/** How every cluster of the mesh sets one identity field: the view a person needs when values disagree. */
function identityTable(mesh: MeshModel, field: IdentityField): string {
  const rows = [...mesh.clusters.values()].map((cluster) => {
    const value = field === 'network' ? cluster.networkSources[0]?.value : cluster.controlPlanes.find((cp) => cp[field])?.[field];
    return `| ${cluster.name} | ${cluster.role} | ${value ? `\`${value.value}\` | ${where(mesh, value)}` : '— | —'} |`;
  });
  return [`| cluster | role | ${field} | where |`, '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Which Istio version the install's cluster targets and where the files say it (the install's own pin first),
 * or that none is pinned and the files are judged against the newest Istio.
 */
function targetVersionLine(mesh: MeshModel, install: InstallConfig): string {
  const clusters = mesh.assignments.get(install.resource)?.clusters ?? [];
  const target = install.istioVersion ?? (clusters.length === 1 ? mesh.clusters.get(clusters[0])?.istioVersion : undefined);
  if (!target) return `**Istio version**: none pinned in the files; judged against Istio ${NEWEST_ISTIO_MINOR}.`;
  return `**Istio version**: targets ${target.minor}, from ${target.from} \`${target.written.value}\` (${where(mesh, target.written)}).`;
}

/**
 * Hover that needs the mesh: which cluster(s) a resource belongs to and why, and on meshID/clusterName/network
 * values, how every cluster of the mesh sets them. Values of Secrets are never shown.
 */
export function hoverFromMesh(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]): string | undefined {
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const resource = doc && file.resources.find((r) => r.doc === doc);
  if (!doc || !resource) return undefined;
  const mesh = meshOfResource(meshes, resource);
  // A base's objects are in no mesh themselves: the overlays' composed objects stand for them.
  if (!mesh) return composedValueHover(doc, offset, meshes);
  const at = pathAtOffset(doc, offset - doc.startOffset);
  if (!at) return undefined;
  const install = mesh.installs.find((i) => i.resource === resource);
  if (install) {
    const field = IDENTITY_FIELDS.find((f) => install[f] && samePath(install[f]!.path, at.path));
    if (field === 'clusterName' && install.installsControlPlane)
      return `**${field}** across the mesh\n\n${identityTable(mesh, field)}\n\n${targetVersionLine(mesh, install)}`;
    if (field) return `**${field}** across the mesh\n\n${identityTable(mesh, field)}`;
    if (install.istioVersion && samePath(install.istioVersion.written.path, at.path)) return targetVersionLine(mesh, install);
  }
  const chartValue = chartValueHover(file, offset, meshes);
  if (chartValue) return chartValue;
  if (at.path.length === 2 && at.path[0] === 'metadata' && at.path[1] === 'name') {
    const assignment = mesh.assignments.get(resource);
    if (!assignment || assignment.clusters.length === 0) {
      return 'Belongs to **no cluster**: add `# istio-mesh: cluster=NAME` above it, or list its path in `istioMesh.clusters`.';
    }
    const plural = assignment.clusters.length > 1 ? 'clusters' : 'cluster';
    const belongs = `Belongs to ${plural} **${assignment.clusters.join(', ')}**, from ${REASONS[assignment.reason]}.`;
    const version = install?.installsControlPlane ? `\n\n${targetVersionLine(mesh, install)}` : '';
    const trust = trustHover(mesh, resource);
    return `${belongs}${version}${trust ? `\n\n${trust}` : ''}`;
  }
  return trustHover(mesh, resource);
}
