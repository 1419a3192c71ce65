import { relative } from 'node:path';

import type { MeshModel } from '../mesh/model';
import { type ResourceSource, selectResources } from '../mesh/selection';
import type { Resource } from '../resources/resource';
import type { Finding, RelatedInformation } from '../rules/finding';
import { ComposedYamlDocument, type CompositionUnit } from './composedDocument';
import { walkNodes } from './tree';

/** The resources composed from other files (kustomize, Helm, generators) among a list, listed once per list. */
export function composedAmong(source: ResourceSource): readonly Resource[] {
  return selectResources(source, 'composed', (r) => r.doc instanceof ComposedYamlDocument);
}

/** For each cluster, the composition units applied to it and the files each unit's values were written in. */
function unitsByCluster(mesh: MeshModel): Map<string, Map<CompositionUnit, Set<string>>> {
  const byCluster = new Map<string, Map<CompositionUnit, Set<string>>>();
  for (const resource of composedAmong(mesh)) {
    const doc = resource.doc as ComposedYamlDocument;
    for (const cluster of mesh.assignments.get(resource)?.clusters ?? []) {
      const units = byCluster.get(cluster) ?? new Map<CompositionUnit, Set<string>>();
      byCluster.set(cluster, units);
      const files = units.get(doc.unit) ?? new Set<string>();
      units.set(doc.unit, files);
      walkNodes(doc.tree, (node) => files.add(node.origin.doc.file.file));
    }
  }
  return byCluster;
}

/** `the kustomize overlay overlays/cluster2` (relative to the mesh's folder), or the generator element. */
export function unitName(mesh: MeshModel, unit: CompositionUnit): string {
  return unit.label ?? `the kustomize overlay ${relative(mesh.root, unit.folder) || unit.folder}`;
}

/**
 * Findings about composed values, with the overlay that makes them apply to their cluster as related
 * information: a value written once in a base is reported in the base, and the overlay entry that brings
 * the base into the cluster says which of the clusters sharing that base the finding is about (for a value an
 * overlay's patch set, it names the overlay the patch belongs to).
 */
export function withCompositionContext(mesh: MeshModel, findings: Finding[]): Finding[] {
  if (!composedAmong(mesh).length) return findings;
  const byCluster = unitsByCluster(mesh);
  return findings.map((finding) => {
    const units = finding.cluster ? byCluster.get(finding.cluster) : undefined;
    if (!units) return finding;
    const related: RelatedInformation[] = [];
    for (const [unit, files] of units) {
      if (!files.has(finding.location.file)) continue;
      // A per-cluster values file is its own install: a finding in it needs no pointer back at it.
      if (unit.kind === 'layered' && unit.document.file.file === finding.location.file) continue;
      const message = `Applies to cluster ${finding.cluster} through ${unitName(mesh, unit)}.`;
      // Several units may be one release (an umbrella chart's dependencies): name it once.
      if (related.some((r) => r.message === message)) continue;
      related.push({ location: unit.document.sourceOf(unit.path, 'value'), message });
    }
    return related.length ? { ...finding, related: [...(finding.related ?? []), ...related] } : finding;
  });
}
