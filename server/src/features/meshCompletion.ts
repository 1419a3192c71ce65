import { type CompletionItem, CompletionItemKind } from 'vscode-languageserver/node';

import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import { pathAtOffset } from '../parse/pathAt';
import type { Resource } from '../resources/resource';
import { completeChartValues } from './helmValues';

/** The mesh that holds a resource, and the clusters it belongs to there. */
export function meshOfResource(meshes: readonly MeshModel[], resource: Resource): MeshModel | undefined {
  return meshes.find((mesh) => mesh.assignments.has(resource));
}

function documentAt(file: WorkspaceFile, offset: number) {
  return file.yaml.documents.find((doc) => doc.startOffset <= offset && offset <= doc.endOffset);
}

/** Gateways a VirtualService in `resource`'s clusters may name: `name` in its namespace, `namespace/name` elsewhere. */
function gatewayReferences(mesh: MeshModel, resource: Resource): CompletionItem[] {
  const clusters = mesh.assignments.get(resource)?.clusters ?? [];
  const namespace = resource.namespace ?? 'default';
  const inScope = (gateway: Resource) => {
    const gatewayClusters = mesh.assignments.get(gateway)?.clusters ?? [];
    return clusters.length === 0 || gatewayClusters.length === 0 || gatewayClusters.some((c) => clusters.includes(c));
  };
  const seen = new Set<string>();
  const items: CompletionItem[] = [{ label: 'mesh', kind: CompletionItemKind.Keyword, detail: 'The sidecars of the mesh (reserved name)' }];
  for (const gateway of mesh.resources) {
    if (gateway.kind !== 'Gateway' || !gateway.name || !inScope(gateway)) continue;
    const gatewayNamespace = gateway.namespace ?? 'default';
    const label = gatewayNamespace === namespace ? gateway.name : `${gatewayNamespace}/${gateway.name}`;
    if (seen.has(label)) continue;
    seen.add(label);
    const where = mesh.assignments.get(gateway)?.clusters.join(', ');
    items.push({ label, kind: CompletionItemKind.Reference, detail: `Gateway${where ? ` in ${where}` : ''}`, sortText: `0${label}` });
  }
  return items;
}

/** Completion that needs the mesh model: names of other resources, as defined in the user's clusters; a chart's values. */
export function completeFromMesh(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]): CompletionItem[] {
  const chartValues = completeChartValues(file, offset, meshes);
  if (chartValues.length) return chartValues;
  const doc = documentAt(file, offset);
  const resource = doc && file.resources.find((r) => r.doc === doc);
  if (!doc || !resource) return [];
  const at = pathAtOffset(doc, offset - doc.startOffset);
  if (!at || at.onKey) return [];
  const mesh = meshOfResource(meshes, resource);
  if (!mesh) return [];
  const [spec, field] = at.path;
  if (resource.kind === 'VirtualService' && spec === 'spec' && field === 'gateways' && at.path.length <= 3) return gatewayReferences(mesh, resource);
  return [];
}
