import { basename, relative, sep } from 'node:path';

import { type ContextsOfMesh, MeshClusterKeys, meshLabel, qualifiesClusters } from '../apply/meshClusters';
import type { Cluster, MeshModel } from '../mesh/model';
import {
  controlPlaneClustersOf,
  eastWestGateways,
  hasServiceExposureFor,
  isEastWestGateway,
  istiodExposure,
  primariesOfRemote,
  type PrimarySource,
  remotesServedBy,
  serviceExposuresFor,
  sortedClusters,
} from '../mesh/topology';
import { sameRoot, type TrustProvider } from '../mesh/trust';
import { type GatewayDeployment, type InstallConfig, isRemoteProfile } from '../resources/installConfig';
import { remoteSecretClusters } from '../resources/remoteSecret';
import type { Located, Resource } from '../resources/resource';
import type { Finding } from '../rules/finding';

/**
 * The mesh as the Istio Mesh view and the topology picture show it, from the engine's model: mesh → network →
 * cluster → its relations (remote of, primary of, discovers, served by an external control plane), control
 * planes, east-west gateways and what they expose, remote secrets and the root of trust. Every row says what it
 * is in words (its accessible label) and points at the line that defines it. Remote secrets are shown by name
 * and target only: nothing of their kubeconfig.
 */

export interface FindingCounts {
  errors: number;
  warnings: number;
  infos: number;
}

export type MeshViewKind =
  'mesh' | 'network' | 'cluster' | 'relation' | 'control-plane' | 'install' | 'gateway' | 'exposure' | 'remote-secret' | 'trust' | 'namespace';

/** How one cluster stands to another. */
export type MeshRelationKind = 'remote-of' | 'primary-of' | 'discovers' | 'served-by' | 'hosts-control-plane-of';

export interface MeshViewLocation {
  /** Absolute path. */
  path: string;
  /** 0-based. */
  line: number;
  character: number;
}

export interface MeshViewNode {
  /** Unique in the result and stable across analyses (mesh folder, cluster, kind and name). */
  id: string;
  kind: MeshViewKind;
  label: string;
  description?: string;
  tooltip?: string;
  /** What the row is, in words, for screen readers: "Cluster west: remote of east, network net-west, 1 error". */
  accessibleLabel: string;
  /** Where the row is defined. */
  location?: MeshViewLocation;
  findings?: FindingCounts;
  /** The cluster's key (`prod/cluster1`) on a cluster row: apply, kube context and runbook act on it. */
  clusterKey?: string;
  /** On a relation row: its kind and the id of the cluster at its other end. */
  relation?: { kind: MeshRelationKind; target: string };
  /** On an east-west gateway: what it exposes to other networks and remotes. */
  exposes?: ('istiod' | 'services')[];
  /** On a gateway: its ports. */
  ports?: number[];
  children?: MeshViewNode[];
}

/** An arrow of the topology picture, between node ids of the tree. */
export interface MeshViewEdge {
  kind: 'serves' | 'discovers' | 'hosts';
  from: string;
  to: string;
  label: string;
}

export interface MeshViewMesh extends MeshViewNode {
  kind: 'mesh';
  /** The arrows between clusters and control planes, for the picture (the tree shows them as relation rows). */
  edges: MeshViewEdge[];
  /** Clusters that share one root of trust, each group with more than one cluster; the rest differ or are unknown. */
  trustGroups: string[][];
}

function countFindings(findings: readonly Finding[]): FindingCounts | undefined {
  if (!findings.length) return undefined;
  return {
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'information' || f.severity === 'hint').length,
  };
}

/** "1 error, 2 warnings": for labels; undefined when there are none. */
export function findingsInWords(counts: FindingCounts | undefined): string | undefined {
  if (!counts) return undefined;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [
    counts.errors && plural(counts.errors, 'error'),
    counts.warnings && plural(counts.warnings, 'warning'),
    counts.infos && plural(counts.infos, 'info'),
  ];
  const words = parts.filter(Boolean).join(', ');
  return words || undefined;
}

function at(located: Located<unknown>): MeshViewLocation {
  const { file, range } = located.location();
  return { path: file, line: range.start.line, character: range.start.character };
}

function resourceLocation(resource: Resource): MeshViewLocation {
  const start = resource.doc.contentRange.start;
  return { path: resource.file, line: start.line, character: start.character };
}

/** Findings written inside one resource's document. */
function findingsIn(resource: Resource, findings: readonly Finding[]): Finding[] {
  const { start, end } = resource.doc.contentRange;
  return findings.filter((f) => f.location.file === resource.file && f.location.range.start.line >= start.line && f.location.range.start.line <= end.line);
}

/** Joins the facts of a row, leaving out the absent ones. */
function facts(...parts: (string | number | false | undefined)[]): string {
  return parts.filter(Boolean).join(' · ');
}

function withFindings(words: string, counts: FindingCounts | undefined): string {
  const found = findingsInWords(counts);
  return found ? `${words}, ${found}` : words;
}

const PRIMARY_EVIDENCE: Record<PrimarySource, string> = {
  annotation: 'its topology.istio.io/controlPlaneClusters annotation names it',
  'remote-secret': 'it holds the remote secret of this cluster',
  'only-primary': 'it is the only primary of the mesh',
};

function trustWords(provider: TrustProvider): string {
  return provider.root.kind === 'unknown' ? `${provider.description} (root not in the workspace)` : `${provider.description}: ${provider.root.description}`;
}

/** Builds the rows of one mesh; ids are prefixed by the mesh's label so two meshes' clusters never collide. */
class MeshViewBuilder {
  private readonly edges: MeshViewEdge[] = [];
  private readonly keys: MeshClusterKeys;
  private readonly label: string;

  constructor(
    private readonly mesh: MeshModel,
    private readonly findings: readonly Finding[],
    private readonly contexts: ReadonlyMap<string, string>,
    roots: readonly string[],
    qualify: boolean,
    private readonly baseDir: string | undefined,
  ) {
    this.keys = new MeshClusterKeys(mesh, roots, qualify);
    this.label = meshLabel(mesh, roots);
  }

  clusterId(name: string): string {
    return `${this.label}#cluster:${name}`;
  }

  private controlPlaneId(cluster: string, install: InstallConfig): string {
    return `${this.clusterId(cluster)}/control-plane:${this.shown(install.resource.file)}:${install.resource.doc.contentRange.start.line}`;
  }

  /** A path as the row shows it: relative to the mesh's folder. */
  private shown(path: string): string {
    return relative(this.mesh.root, path).split(sep).join('/') || basename(path);
  }

  build(): MeshViewMesh {
    const clusters = sortedClusters(this.mesh);
    const byNetwork = new Map<string | undefined, Cluster[]>();
    for (const cluster of clusters) byNetwork.set(cluster.network, [...(byNetwork.get(cluster.network) ?? []), cluster]);
    const networks = [...byNetwork.entries()].sort(([a], [b]) => (a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b)));
    const children = networks.map(([network, members]) => this.networkNode(network, members));
    const files = new Set(this.mesh.resources.map((r) => r.file));
    const counts = countFindings(this.findings.filter((f) => files.has(f.location.file)));
    const model = facts(this.mesh.controlPlaneModel, this.mesh.multiNetwork && 'multi-network');
    const meshIds = [...new Set(clusters.flatMap((c) => (c.meshID && !c.meshID.isPlaceholder ? [c.meshID.value] : [])))];
    const label = this.baseDir ? relative(this.baseDir, this.mesh.root).split(sep).join('/') || basename(this.mesh.root) : this.label;
    const clustersWords = `${clusters.length} cluster${clusters.length === 1 ? '' : 's'}`;
    return {
      id: `${this.label}#mesh`,
      kind: 'mesh',
      label,
      description: facts(model, meshIds.length && `meshID ${meshIds.join(', ')}`),
      tooltip: this.mesh.root,
      accessibleLabel: withFindings(`Mesh ${label}: ${model.replace(' · ', ', ')}, ${clustersWords}`, counts),
      findings: counts,
      children,
      edges: this.edges,
      trustGroups: this.trustGroups(clusters),
    };
  }

  private networkNode(network: string | undefined, members: Cluster[]): MeshViewNode {
    const label = network ? `Network ${network}` : 'Network not set';
    const gateways = members.flatMap((c) => eastWestGateways(c).map((g) => `${g.name} in ${c.name}`));
    const description = facts(
      `${members.length} cluster${members.length === 1 ? '' : 's'}`,
      gateways.length ? `east-west gateway ${gateways.join(', ')}` : this.mesh.multiNetwork && 'no east-west gateway',
    );
    return {
      id: `${this.label}#network:${network ?? ''}`,
      kind: 'network',
      label,
      description,
      accessibleLabel: `${label}: ${description.replace(/ · /g, ', ')}`,
      children: members.map((c) => this.clusterNode(c)),
    };
  }

  private clusterNode(cluster: Cluster): MeshViewNode {
    const files = new Set(cluster.resources.map((r) => r.file));
    const counts = countFindings(this.findings.filter((f) => f.cluster === cluster.name || (f.cluster === undefined && files.has(f.location.file))));
    const key = this.keys.keyOf(cluster.name);
    const context = this.contexts.get(cluster.name);
    const relations = this.relationNodes(cluster);
    const role = cluster.role === 'unknown' ? 'role unknown' : cluster.role;
    const first = cluster.controlPlanes[0]?.resource ?? cluster.resources[0];
    const contextWords = context ? `context ${context}` : 'no kube context chosen';
    return {
      id: this.clusterId(cluster.name),
      kind: 'cluster',
      label: cluster.name,
      description: facts(role, contextWords, findingsInWords(counts)),
      tooltip: facts(`cluster ${key}`, role, cluster.network && `network ${cluster.network}`, contextWords),
      accessibleLabel: withFindings(
        [`Cluster ${cluster.name}: ${role}`, ...relations.map((r) => r.label), cluster.network && `network ${cluster.network}`, contextWords]
          .filter(Boolean)
          .join(', '),
        counts,
      ),
      location: first ? resourceLocation(first) : undefined,
      findings: counts,
      clusterKey: key,
      children: [
        ...relations,
        ...this.controlPlaneNodes(cluster),
        ...this.gatewayNodes(cluster),
        ...this.otherInstallNodes(cluster),
        ...this.remoteSecretNodes(cluster),
        ...this.trustNodes(cluster),
        ...this.namespaceNodes(cluster),
      ],
    };
  }

  private relation(cluster: Cluster, kind: MeshRelationKind, other: string, label: string, tooltip: string, location?: MeshViewLocation): MeshViewNode {
    return {
      id: `${this.clusterId(cluster.name)}/${kind}:${other}`,
      kind: 'relation',
      label,
      tooltip,
      accessibleLabel: `Relation: ${cluster.name} ${kind === 'discovers' || kind === 'hosts-control-plane-of' ? '' : 'is '}${label} (${tooltip})`,
      location,
      relation: { kind, target: this.clusterId(other) },
    };
  }

  private relationNodes(cluster: Cluster): MeshViewNode[] {
    const rows: MeshViewNode[] = [];
    if (cluster.role === 'remote' && !cluster.externalControlPlanes.length) {
      const { primaries, source } = primariesOfRemote(this.mesh, cluster);
      for (const primary of primaries) {
        const evidence = source === 'annotation' ? controlPlaneClustersOf(cluster) : undefined;
        const secret =
          source === 'remote-secret'
            ? this.mesh.remoteSecrets.find((s) => s.holders.includes(primary.name) && remoteSecretClusters(s).includes(cluster.name))
            : undefined;
        const location = evidence
          ? at(evidence)
          : secret
            ? resourceLocation(secret.resource)
            : primary.controlPlanes[0] && resourceLocation(primary.controlPlanes[0].resource);
        rows.push(
          this.relation(
            cluster,
            'remote-of',
            primary.name,
            `remote of ${primary.name}`,
            `${primary.name}'s istiod serves it: ${PRIMARY_EVIDENCE[source!]}`,
            location,
          ),
        );
      }
    }
    if (cluster.role === 'primary') {
      for (const remote of remotesServedBy(this.mesh, cluster)) {
        rows.push(this.relation(cluster, 'primary-of', remote.name, `primary of ${remote.name}`, `its istiod serves ${remote.name}`));
        const from = cluster.controlPlanes[0];
        this.edges.push({
          kind: 'serves',
          from: from ? this.controlPlaneId(cluster.name, from) : this.clusterId(cluster.name),
          to: this.clusterId(remote.name),
          label: 'serves',
        });
      }
    }
    for (const hosted of cluster.externalControlPlanes) {
      const host = hosted.host;
      if (!host) continue;
      rows.push(
        this.relation(
          cluster,
          'served-by',
          host,
          `served by the external control plane in ${host}`,
          `its istiod runs in ${host}`,
          resourceLocation(hosted.install.resource),
        ),
      );
    }
    for (const hosted of cluster.hostedControlPlanes) {
      const served = hosted.served.value;
      rows.push(
        this.relation(cluster, 'hosts-control-plane-of', served, `hosts the control plane of ${served}`, `an istiod here serves ${served}`, at(hosted.served)),
      );
      this.edges.push({ kind: 'hosts', from: this.clusterId(cluster.name), to: this.clusterId(served), label: 'external control plane' });
    }
    for (const secret of cluster.remoteSecrets) {
      for (const target of remoteSecretClusters(secret)) {
        if (target === cluster.name) continue;
        const known = this.mesh.clusters.has(target);
        rows.push(
          this.relation(
            cluster,
            'discovers',
            target,
            `discovers ${target}`,
            `its istiod reads ${target}'s API server through the remote secret ${secret.resource.name ?? '(unnamed)'}${known ? '' : ` (${target} is not a cluster of these files)`}`,
            resourceLocation(secret.resource),
          ),
        );
        if (known) this.edges.push({ kind: 'discovers', from: this.clusterId(cluster.name), to: this.clusterId(target), label: 'remote secret' });
      }
    }
    return rows;
  }

  private installWords(install: InstallConfig): string {
    const what = install.chart ? `${install.source} (${install.chart.value})` : install.source;
    return `${what} ${this.shown(install.resource.file)}`;
  }

  private controlPlaneNodes(cluster: Cluster): MeshViewNode[] {
    return cluster.controlPlanes.map((install) => {
      const counts = countFindings(findingsIn(install.resource, this.findings));
      const hosted = cluster.externalControlPlanes.find((h) => h.install === install);
      const kind = isRemoteProfile(install) ? 'Remote profile' : hosted ? 'External control plane' : 'Control plane';
      const version = install.istioVersion ? `Istio ${install.istioVersion.minor}` : undefined;
      const description = facts(
        this.installWords(install),
        install.revision && !install.revision.isPlaceholder && `revision ${install.revision.value}`,
        version,
        hosted?.host && `runs in ${hosted.host}`,
      );
      return {
        id: this.controlPlaneId(cluster.name, install),
        kind: 'control-plane',
        label: `${kind} ${install.resource.name ?? ''}`.trim(),
        description,
        accessibleLabel: withFindings(`${kind} of cluster ${cluster.name}: ${description.replace(/ · /g, ', ')}`, counts),
        location: resourceLocation(install.resource),
        findings: counts,
      };
    });
  }

  /** The Istio Gateways that expose this gateway's istiod and services: the cluster's own, else its primaries' (they configure a remote's gateway). */
  private exposureNodes(cluster: Cluster, gateway: GatewayDeployment): { rows: MeshViewNode[]; exposes: ('istiod' | 'services')[] } {
    const rows: MeshViewNode[] = [];
    const exposes: ('istiod' | 'services')[] = [];
    const configuring = [cluster, ...(cluster.role === 'remote' ? primariesOfRemote(this.mesh, cluster).primaries : [])];
    const id = `${this.clusterId(cluster.name)}/gateway:${gateway.name}`;
    if (cluster.role === 'primary') {
      const exposure = istiodExposure(cluster.resources, gateway, this.mesh.controlPlaneNamespace);
      if (exposure.gateway && exposure.missing.length === 0) {
        exposes.push('istiod');
        rows.push({
          id: `${id}/exposes:istiod`,
          kind: 'exposure',
          label: `exposes istiod (Gateway ${exposure.gateway.name})`,
          accessibleLabel: `Exposure: gateway ${gateway.name} exposes istiod on 15012 and 15017 through the Gateway ${exposure.gateway.name}`,
          location: resourceLocation(exposure.gateway),
        });
      }
    }
    const holder = configuring.find((c) => hasServiceExposureFor(c.resources, gateway));
    if (holder) {
      const exposing = serviceExposuresFor(holder.resources, gateway)[0];
      exposes.push('services');
      rows.push({
        id: `${id}/exposes:services`,
        kind: 'exposure',
        label: `exposes services (Gateway ${exposing.name}${holder === cluster ? '' : ` of ${holder.name}`})`,
        accessibleLabel: `Exposure: gateway ${gateway.name} exposes the services of its network on 15443 through the Gateway ${exposing.name}`,
        location: resourceLocation(exposing),
      });
    }
    return { rows, exposes };
  }

  private gatewayNodes(cluster: Cluster): MeshViewNode[] {
    return cluster.gateways.map((gateway) => {
      const eastWest = isEastWestGateway(gateway);
      const { rows, exposes } = eastWest ? this.exposureNodes(cluster, gateway) : { rows: [], exposes: [] };
      const counts = countFindings(findingsIn(gateway.install.resource, this.findings));
      const ports = gateway.ports.map((p) => p.port);
      const network = gateway.networkLabel && !gateway.networkLabel.isPlaceholder ? gateway.networkLabel.value : undefined;
      const what = eastWest ? 'East-west gateway' : 'Gateway';
      const description = facts(
        network && `network ${network}`,
        ports.length && `ports ${ports.join(', ')}`,
        eastWest && (exposes.length ? `exposes ${exposes.join(' and ')}` : 'exposes nothing'),
      );
      return {
        id: `${this.clusterId(cluster.name)}/gateway:${gateway.name}`,
        kind: 'gateway',
        label: `${what} ${gateway.name}`,
        description,
        tooltip: `${this.installWords(gateway.install)}`,
        accessibleLabel: withFindings(
          `${what} ${gateway.name} of cluster ${cluster.name}${description ? `: ${description.replace(/ · /g, ', ')}` : ''}`,
          counts,
        ),
        location: at(gateway.declaration),
        findings: counts,
        ports,
        ...(eastWest ? { exposes } : {}),
        ...(rows.length ? { children: rows } : {}),
      };
    });
  }

  /** Installs that are neither a control plane nor a gateway (the base chart, CNI, ztunnel). */
  private otherInstallNodes(cluster: Cluster): MeshViewNode[] {
    return cluster.installs
      .filter((install) => !install.installsControlPlane && !install.gateways.length)
      .map((install) => {
        const counts = countFindings(findingsIn(install.resource, this.findings));
        const words = this.installWords(install);
        return {
          id: `${this.clusterId(cluster.name)}/install:${this.shown(install.resource.file)}:${install.resource.doc.contentRange.start.line}`,
          kind: 'install',
          label: install.chart ? `Install ${install.chart.value}` : `Install ${install.resource.name ?? install.source}`,
          description: words,
          accessibleLabel: withFindings(`Install config of cluster ${cluster.name}: ${words}`, counts),
          location: resourceLocation(install.resource),
          findings: counts,
        };
      });
  }

  private remoteSecretNodes(cluster: Cluster): MeshViewNode[] {
    return cluster.remoteSecrets.map((secret) => {
      const targets = remoteSecretClusters(secret);
      const name = secret.resource.name ?? '(unnamed)';
      const counts = countFindings(findingsIn(secret.resource, this.findings));
      const description = targets.length ? `discovers ${targets.join(', ')}` : 'target cluster unknown';
      return {
        id: `${this.clusterId(cluster.name)}/remote-secret:${name}:${this.shown(secret.resource.file)}`,
        kind: 'remote-secret',
        label: `Remote secret ${name}`,
        description: facts(description, this.shown(secret.resource.file)),
        tooltip: `Lets ${cluster.name}'s istiod read ${targets.join(', ') || 'another cluster'}'s API server`,
        accessibleLabel: withFindings(`Remote secret ${name} in cluster ${cluster.name}: ${description}`, counts),
        location: resourceLocation(secret.resource),
        findings: counts,
      };
    });
  }

  private trustNodes(cluster: Cluster): MeshViewNode[] {
    const provider = cluster.trustProviders[0];
    if (!provider) return [];
    const others = sortedClusters(this.mesh).filter((c) => c !== cluster && c.trustProviders[0]);
    const shared = others.filter((c) => sameRoot(provider.root, c.trustProviders[0].root) === true).map((c) => c.name);
    const differs = others.filter((c) => sameRoot(provider.root, c.trustProviders[0].root) === false).map((c) => c.name);
    const counts = countFindings(findingsIn(provider.resource, this.findings));
    const description = facts(shared.length && `shared with ${shared.join(', ')}`, differs.length && `differs from ${differs.join(', ')}`);
    return [
      {
        id: `${this.clusterId(cluster.name)}/trust`,
        kind: 'trust',
        label: `Root of trust: ${provider.kind}`,
        description: description || undefined,
        tooltip: trustWords(provider),
        accessibleLabel: withFindings(
          `Root of trust of cluster ${cluster.name}: ${trustWords(provider)}${description ? `, ${description.replace(/ · /g, ', ')}` : ''}`,
          counts,
        ),
        location: at(provider.anchor),
        findings: counts,
      },
    ];
  }

  private namespaceNodes(cluster: Cluster): MeshViewNode[] {
    const ns = cluster.istioSystemNamespace;
    if (!ns) return [];
    const counts = countFindings(findingsIn(ns, this.findings));
    return [
      {
        id: `${this.clusterId(cluster.name)}/namespace`,
        kind: 'namespace',
        label: `Namespace ${ns.name}`,
        description: this.shown(ns.file),
        accessibleLabel: withFindings(`Namespace ${ns.name} of cluster ${cluster.name}, in ${this.shown(ns.file)}`, counts),
        location: resourceLocation(ns),
        findings: counts,
      },
    ];
  }

  private trustGroups(clusters: readonly Cluster[]): string[][] {
    const groups: Cluster[][] = [];
    for (const cluster of clusters.filter((c) => c.trustProviders[0])) {
      const group = groups.find((g) => sameRoot(g[0].trustProviders[0].root, cluster.trustProviders[0].root) === true);
      if (group) group.push(cluster);
      else groups.push([cluster]);
    }
    return groups.filter((g) => g.length > 1).map((g) => g.map((c) => c.name));
  }
}

/** One row per mesh with at least one cluster; clusters grouped by network, sorted by name. */
export function meshView(
  meshes: readonly MeshModel[],
  findings: readonly Finding[],
  contextsOf: ContextsOfMesh,
  roots: readonly string[],
  baseDir?: string,
): MeshViewMesh[] {
  const qualify = qualifiesClusters(meshes);
  return meshes.filter((m) => m.clusters.size > 0).map((mesh) => new MeshViewBuilder(mesh, findings, contextsOf(mesh), roots, qualify, baseDir).build());
}
