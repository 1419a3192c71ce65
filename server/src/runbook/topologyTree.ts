import { basename, relative } from 'node:path';

import type { ContextsOfMesh } from '../apply/meshClusters';
import type { Cluster, MeshModel } from '../mesh/model';
import { remoteSecretClusters } from '../resources/remoteSecret';
import type { Located, Resource } from '../resources/resource';
import type { Finding } from '../rules/finding';
import { contextVariable } from './runbook';

/**
 * The mesh as the editor's "Istio Mesh" tree shows it: meshes → clusters (role, network, context) → install
 * configs, gateways, remote secrets, with finding counts, each item pointing at where it is written. Remote
 * secrets are shown by name and target cluster only: nothing of their kubeconfig.
 */

export interface FindingCounts {
  errors: number;
  warnings: number;
  infos: number;
}

export interface TopologyNode {
  kind: 'mesh' | 'cluster' | 'install' | 'gateway' | 'remote-secret' | 'namespace' | 'cacerts';
  label: string;
  description?: string;
  tooltip?: string;
  /** Where the item is written: absolute path and 0-based line/character. */
  location?: { path: string; line: number; character: number };
  findings?: FindingCounts;
  children?: TopologyNode[];
}

function countFindings(findings: readonly Finding[]): FindingCounts | undefined {
  if (!findings.length) return undefined;
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'information' || f.severity === 'hint').length,
  };
}

function at(located: Located<unknown>): TopologyNode['location'] {
  const { file, range } = located.location();
  return { path: file, line: range.start.line, character: range.start.character };
}

function resourceLocation(resource: Resource): TopologyNode['location'] {
  const start = resource.doc.contentRange.start;
  return { path: resource.file, line: start.line, character: start.character };
}

/** Findings written inside one resource's document. */
function findingsIn(resource: Resource, findings: readonly Finding[]): Finding[] {
  const { start, end } = resource.doc.contentRange;
  return findings.filter((f) => f.location.file === resource.file && f.location.range.start.line >= start.line && f.location.range.start.line <= end.line);
}

function clusterNode(cluster: Cluster, findings: readonly Finding[], contexts: ReadonlyMap<string, string>): TopologyNode {
  const children: TopologyNode[] = [];
  const files = new Set(cluster.resources.map((r) => r.file));
  const clusterFindings = findings.filter((f) => f.cluster === cluster.name || (f.cluster === undefined && files.has(f.location.file)));
  if (cluster.istioSystemNamespace) {
    const ns = cluster.istioSystemNamespace;
    children.push({
      kind: 'namespace',
      label: `Namespace ${ns.name}`,
      description: basename(ns.file),
      location: resourceLocation(ns),
      findings: countFindings(findingsIn(ns, findings)),
    });
  }
  for (const install of cluster.installs) {
    const resource = install.resource;
    const what = install.chart ? `${install.source} (${install.chart.value})` : `${install.source} ${resource.name ?? ''}`.trim();
    const facts = [
      install.profile && `profile ${install.profile.value}`,
      install.installsControlPlane ? 'control plane' : install.gateways.length ? 'gateway' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    children.push({
      kind: 'install',
      label: what,
      description: `${basename(resource.file)}${facts ? ` · ${facts}` : ''}`,
      location: resourceLocation(resource),
      findings: countFindings(findingsIn(resource, findings)),
    });
  }
  for (const hosted of cluster.externalControlPlanes) {
    children.push({
      kind: 'install',
      label: `${hosted.install.source} ${hosted.install.resource.name ?? ''}`.trim(),
      description: 'external control plane',
      location: resourceLocation(hosted.install.resource),
    });
  }
  for (const gateway of cluster.gateways) {
    const network = gateway.networkLabel ? `network ${gateway.networkLabel.value}` : undefined;
    const ports = gateway.ports.map((p) => p.port).join(', ');
    children.push({
      kind: 'gateway',
      label: `Gateway ${gateway.name}`,
      description: [network, ports && `ports ${ports}`].filter(Boolean).join(' · '),
      location: at(gateway.declaration),
    });
  }
  for (const secret of cluster.remoteSecrets) {
    const targets = remoteSecretClusters(secret);
    children.push({
      kind: 'remote-secret',
      label: `Remote secret ${secret.resource.name ?? '(unnamed)'}`,
      description: targets.length ? `→ ${targets.join(', ')}` : 'target cluster unknown',
      tooltip: `Lets ${cluster.name}'s istiod read ${targets.join(', ') || 'another cluster'}'s API server`,
      location: resourceLocation(secret.resource),
      findings: countFindings(findingsIn(secret.resource, findings)),
    });
  }
  if (cluster.cacerts) {
    children.push({
      kind: 'cacerts',
      label: 'cacerts Secret',
      description: basename(cluster.cacerts.resource.file),
      location: resourceLocation(cluster.cacerts.resource),
      findings: countFindings(findingsIn(cluster.cacerts.resource, findings)),
    });
  }
  const context = contexts.get(cluster.name) ?? `\${${contextVariable(cluster.name)}}`;
  const description = [cluster.role, cluster.network && `network ${cluster.network}`, `context ${context}`].filter(Boolean).join(' · ');
  const first = cluster.controlPlanes[0]?.resource ?? cluster.resources[0];
  return {
    kind: 'cluster',
    label: cluster.name,
    description,
    location: first ? resourceLocation(first) : undefined,
    findings: countFindings(clusterFindings),
    children,
  };
}

/** One node per mesh (with at least one cluster), its clusters sorted by name. */
export function topologyTree(meshes: readonly MeshModel[], findings: readonly Finding[], contextsOf: ContextsOfMesh, baseDir?: string): TopologyNode[] {
  return meshes
    .filter((m) => m.clusters.size > 0)
    .map((mesh) => {
      const files = new Set(mesh.resources.map((r) => r.file));
      const meshFindings = findings.filter((f) => files.has(f.location.file));
      const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
      const label = baseDir ? relative(baseDir, mesh.root) || basename(mesh.root) : basename(mesh.root);
      const model = `${mesh.controlPlaneModel}${mesh.multiNetwork ? ', multi-network' : ''}`;
      return {
        kind: 'mesh',
        label,
        description: model,
        tooltip: mesh.root,
        findings: countFindings(meshFindings),
        children: clusters.map((c) => clusterNode(c, findings, contextsOf(mesh))),
      };
    });
}
