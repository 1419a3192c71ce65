import { dirname, relative, sep } from 'node:path';

import { type Cluster, type MeshModel, type NetworkSource, type NetworkSourceKind, targetVersionOfResource } from '../mesh/model';
import { eastWestGateways, sortedClusters } from '../mesh/topology';
import type { SourceLocation } from '../parse/text';
import { clusterNameOf, declaredClusterName, type InstallConfig, isRemoteProfile, NETWORK_LABEL } from '../resources/installConfig';
import { compareMinors, versionFact } from '../resources/istioVersions';
import type { Located } from '../resources/resource';
import { eastWestGatewayFix } from './eastWestGatewayFix';
import { clusterNameShared, networkIsOddOneOut, severalNetworks } from './facts';
import type { Finding, Fix, RelatedInformation } from './finding';
import { insertValueFix, optionalFix, replaceValueFix, yamlScalar } from './fixes';
import type { MeshRule } from './rule';

/**
 * Where a missing Helm value would go: the nearest part of its path that is written. Values merged from several
 * places (a `helm.values` string, `valuesObject`, parameters, `valuesFrom`) are looked up where each was written,
 * so the finding sits on the `global:` of the values string rather than on the wrapper's `helm:`.
 */
export function missingValueLocation(install: InstallConfig, ...path: string[]): SourceLocation {
  const { values } = install;
  if (values) {
    let depth = path.length;
    while (depth > 0 && values.get(path.slice(0, depth)) === undefined) depth--;
    if (depth > 0) return values.located(path.slice(0, depth), undefined).location('key');
  }
  return install.resource.location([...install.valuesPath, ...path], 'key');
}

const valueLocations = new WeakMap<Located<unknown>, SourceLocation>();

/**
 * Where a value is written, kept per value: mesh-wide findings point at one value per cluster (every other
 * cluster's meshID), and resolving each again on every analysis re-parses a CST per cluster. Values are
 * immutable per version of their file, so the location is too.
 */
export function locationOf(value: Located<unknown>): SourceLocation {
  let location = valueLocations.get(value);
  if (!location) {
    location = value.location();
    valueLocations.set(value, location);
  }
  return location;
}

export function relatedAt(value: Located<unknown>, message: string): RelatedInformation {
  return { location: locationOf(value), message };
}

interface ClusterMeshID {
  cluster: Cluster;
  meshID: Located<string>;
}

function literalMeshIDs(mesh: MeshModel): ClusterMeshID[] {
  return sortedClusters(mesh).flatMap((cluster) => (cluster.meshID && !cluster.meshID.isPlaceholder ? [{ cluster, meshID: cluster.meshID }] : []));
}

/**
 * The meshID most clusters agree on. When no value has a majority every cluster is reported, each pointing
 * at the clusters that say otherwise: there is no telling which one is the typo.
 */
function meshIDMismatches(declared: ClusterMeshID[]): Finding[] {
  const counts = new Map<string, number>();
  for (const { meshID } of declared) counts.set(meshID.value, (counts.get(meshID.value) ?? 0) + 1);
  if (counts.size < 2) return [];
  const top = Math.max(...counts.values());
  const leaders = [...counts.entries()].filter(([, n]) => n === top).map(([value]) => value);
  const reference = leaders.length === 1 ? leaders[0] : undefined;
  return declared
    .filter(({ meshID }) => meshID.value !== reference)
    .map(({ cluster, meshID }) => {
      const others = declared.filter((d) => d.meshID.value !== meshID.value && (reference === undefined || d.meshID.value === reference));
      return {
        code: 'MESH101',
        severity: 'error' as const,
        message: `meshID "${meshID.value}" of cluster ${cluster.name} differs from ${describeOthers(others)}: clusters of one mesh must share one meshID.`,
        location: locationOf(meshID),
        cluster: cluster.name,
        related: others.slice(0, RELATED_EXAMPLES).map((o) => relatedAt(o.meshID, `meshID "${o.meshID.value}" of cluster ${o.cluster.name}`)),
        fixes: reference === undefined ? tiedMeshIDFixes(meshID, others, counts.size) : [replaceValueFix(`Change meshID to "${reference}"`, meshID, reference)],
      };
    });
}

/**
 * Two values written by as many clusters each: either side may be the typo, so both are offered and neither is
 * preferred: this cluster takes the other value, or the clusters of the other value take this one. With three or
 * more values no single edit makes the mesh agree, and none is offered.
 */
function tiedMeshIDFixes(meshID: Located<string>, others: ClusterMeshID[], distinctValues: number): Fix[] | undefined {
  if (distinctValues !== 2) return undefined;
  const otherValue = others[0].meshID.value;
  const names = others.map((o) => o.cluster.name).join(', ');
  return [
    replaceValueFix(`Change meshID to "${otherValue}"`, meshID, otherValue, false),
    {
      title: `Change meshID of ${names} to "${meshID.value}"`,
      preferred: false,
      edits: others.map((o) => ({ location: o.meshID.location(), newText: yamlScalar(meshID.value) })),
    },
  ];
}

/**
 * In a mesh of hundreds of clusters a typo in one meshID disagrees with every other cluster: the finding names a
 * few of them and counts the rest, and points at a few, rather than listing (and locating) hundreds.
 */
const RELATED_EXAMPLES = 5;
const NAMED_CLUSTERS = 3;

function describeOthers(others: ClusterMeshID[]): string {
  const clustersByValue = new Map<string, string[]>();
  for (const { meshID, cluster } of others) {
    const clusters = clustersByValue.get(meshID.value);
    if (clusters) clusters.push(cluster.name);
    else clustersByValue.set(meshID.value, [cluster.name]);
  }
  return [...clustersByValue]
    .map(([value, clusters]) => {
      const named = clusters.slice(0, NAMED_CLUSTERS).join(', ');
      const rest = clusters.length - NAMED_CLUSTERS;
      return `"${value}" (${rest > 0 ? `${named} and ${rest} more` : named})`;
    })
    .join(', ');
}

/** Primaries that set no meshID while other clusters do. A remote takes its primary's meshID: not reported. */
function missingMeshIDs(mesh: MeshModel, declared: ClusterMeshID[]): Finding[] {
  if (declared.length === 0) return [];
  const example = declared[0];
  return sortedClusters(mesh).flatMap((cluster) => {
    if (cluster.role !== 'primary' || cluster.meshID) return [];
    const install = cluster.controlPlanes[0];
    return [
      {
        code: 'MESH101',
        severity: 'warning' as const,
        message: `Cluster ${cluster.name} sets no meshID while ${example.cluster.name} uses "${example.meshID.value}": set values.global.meshID to the same value in every primary.`,
        location: missingValueLocation(install, 'global', 'meshID'),
        cluster: cluster.name,
        related: [relatedAt(example.meshID, `meshID "${example.meshID.value}" of cluster ${example.cluster.name}`)],
        fixes: optionalFix(
          insertValueFix(`Set meshID to "${example.meshID.value}"`, install.resource.doc, [...install.valuesPath, 'global', 'meshID'], example.meshID.value),
        ),
      },
    ];
  });
}

export const meshIDConsistency: MeshRule = {
  scope: 'mesh',
  code: 'MESH101',
  title: 'meshID differs between clusters of one mesh, or is missing on some',
  severity: 'error',
  check(mesh) {
    const declared = literalMeshIDs(mesh);
    return [...meshIDMismatches(declared), ...missingMeshIDs(mesh, declared)];
  },
};

function revisionOf(install: InstallConfig): string {
  return install.revision?.value ?? '';
}

/**
 * Whether every one of these installs (which share a clusterName) lies in a folder named after that cluster: then
 * they are one cluster installed in two ways kept side by side (an IstioOperator and Helm values), not two clusters
 * sharing a name, which is a copy that kept its name in another cluster's folder.
 */
function insideFolderOfCluster(installs: readonly InstallConfig[]): boolean {
  const name = clusterNameOf(installs[0]);
  // The whole path: a mesh may be rooted in the cluster's own folder.
  return installs.every((install) => dirname(install.resource.file).split(sep).includes(name!));
}

/**
 * Two control planes that name the same cluster. Gateway-only install configs (the east-west gateway's
 * IstioOperator) are part of their cluster, and a second revision of istiod in one cluster (a canary
 * upgrade) is the same cluster too.
 */
export const duplicateClusterName: MeshRule = {
  scope: 'mesh',
  code: 'MESH102',
  title: 'Two clusters share a clusterName',
  severity: 'error',
  check(mesh) {
    const groups = new Map<string, InstallConfig[]>();
    const hosted = new Set(mesh.hostedControlPlanes.map((h) => h.install));
    for (const install of mesh.installs) {
      const name = install.installsControlPlane ? clusterNameOf(install) : undefined;
      if (!name) continue;
      // An external control plane names the cluster it serves, beside that cluster's own remote install.
      const key = `${name}\u0000${revisionOf(install)}\u0000${hosted.has(install) ? 'hosted' : 'in-cluster'}`;
      groups.set(key, [...(groups.get(key) ?? []), install]);
    }
    const findings: Finding[] = [];
    for (const installs of groups.values()) {
      if (installs.length < 2 || insideFolderOfCluster(installs)) continue;
      for (const install of installs) {
        const name = clusterNameOf(install)!;
        const others = installs.filter((i) => i !== install);
        findings.push({
          code: 'MESH102',
          severity: 'error',
          message: `Cluster name "${name}" is also used by the control plane in ${others.map((o) => relative(mesh.root, o.resource.file) || o.resource.file).join(', ')}: every cluster of a mesh needs its own name, or istiod mixes up their endpoints.`,
          location: declaredClusterName(install)!.location(),
          cluster: name,
          related: others.map((o) => relatedAt(declaredClusterName(o)!, `cluster name "${name}" declared here too`)),
          explains: [clusterNameShared(name)],
        });
      }
    }
    return findings;
  },
};

/** True when every cluster the install belongs to only hosts other clusters' istiods: its own istiod is not a mesh member. */
function onlyInHostClusters(mesh: MeshModel, install: InstallConfig): boolean {
  const clusters = mesh.assignments.get(install.resource)?.clusters ?? [];
  return clusters.length > 0 && clusters.every((name) => mesh.clusters.get(name)?.role === 'external-control-plane');
}

/**
 * A replicated control plane of the `*.global` model: `multiCluster.enabled` on an Istio before it stopped
 * being read (1.10). Its istiod never discovers the other clusters (they are reached through `*.global`
 * ServiceEntries), so it needs no clusterName.
 */
function isReplicatedGlobalControlPlane(mesh: MeshModel, install: InstallConfig): boolean {
  const values = install.values ?? install.resource;
  const enabled = values.get([...(install.values ? [] : install.valuesPath), 'global', 'multiCluster', 'enabled']);
  const target = targetVersionOfResource(mesh, install.resource);
  return (
    (enabled === true || enabled === 'true') && !!target && compareMinors(target.minor, versionFact('values-global-multicluster-enabled-ignored').since) < 0
  );
}

/** Every control plane of a multicluster mesh needs a name; istiod's default ("Kubernetes") collides. */
/**
 * Whether the workspace is meant as more than one cluster: two named clusters, or a control plane that writes a
 * value only a multicluster mesh needs (a meshID, a network, a cluster name, the remote profile), or a remote
 * secret. Control planes that write none of these (a folder of a project's single-cluster samples, each an
 * alternative to the others) are not clusters of one mesh that forgot their names.
 */
function saysMulticluster(mesh: MeshModel, controlPlanes: readonly InstallConfig[]): boolean {
  if (mesh.clusters.size >= 2 || mesh.remoteSecrets.length > 0) return true;
  return controlPlanes.some((install) => install.meshID || install.network || install.clusterName || declaredClusterName(install) || isRemoteProfile(install));
}

export const missingClusterName: MeshRule = {
  scope: 'mesh',
  code: 'MESH103',
  title: 'An install config of a multicluster workspace has no clusterName',
  severity: 'error',
  check(mesh) {
    const controlPlanes = mesh.installs.filter((i) => i.installsControlPlane);
    if (Math.max(mesh.clusters.size, controlPlanes.length) < 2 || !saysMulticluster(mesh, controlPlanes)) return [];
    return controlPlanes
      .filter(
        (install) =>
          !install.clusterName && !declaredClusterName(install) && !onlyInHostClusters(mesh, install) && !isReplicatedGlobalControlPlane(mesh, install),
      )
      .map((install) => {
        const assigned = mesh.assignments.get(install.resource)?.clusters ?? [];
        return {
          code: 'MESH103',
          severity: 'error' as const,
          message: `This ${install.source} installs a control plane but sets no values.global.multiCluster.clusterName${isRemoteProfile(install) ? ' (nor istiodRemote.injectionPath)' : ''}; with several clusters in the mesh each must be named, or they all register as "Kubernetes".`,
          location: missingValueLocation(install, 'global', 'multiCluster', 'clusterName'),
          cluster: assigned.length === 1 ? assigned[0] : undefined,
          fixes:
            assigned.length === 1
              ? optionalFix(
                  insertValueFix(
                    `Set clusterName to "${assigned[0]}"`,
                    install.resource.doc,
                    [...install.valuesPath, 'global', 'multiCluster', 'clusterName'],
                    assigned[0],
                  ),
                )
              : undefined,
        };
      });
  },
};

const SOURCE_NAMES: Record<NetworkSourceKind, string> = {
  install: 'values.global.network',
  'namespace-label': `the istio-system label ${NETWORK_LABEL}`,
  'injection-path': 'the injection path',
  'gateway-label': `the gateway label ${NETWORK_LABEL}`,
  'gateway-install': "the gateway install's values.global.network",
  'requested-network-view': 'ISTIO_META_REQUESTED_NETWORK_VIEW',
};

function describeSource(source: NetworkSource, cluster: Cluster): string {
  return `${SOURCE_NAMES[source.kind]} says ${source.network} (cluster ${cluster.name})`;
}

/**
 * The network a cluster's sources agree on: the one most of them say, when more say it than any other (three
 * places saying network1 against one saying network-1 point at the one that is wrong); else the one that
 * decides (the first by precedence).
 */
function agreedNetworkSource(sources: readonly NetworkSource[]): NetworkSource {
  const counts = new Map<string, number>();
  for (const source of sources) counts.set(source.network, (counts.get(source.network) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const majority = ranked.length > 1 && ranked[0][1] > ranked[1][1] ? ranked[0][0] : sources[0].network;
  return sources.find((source) => source.network === majority)!;
}

/** Sets a network source to `network`; in an injection path, only its `/net/` segment. */
function networkFix(source: NetworkSource, network: string, preferred = true): Fix {
  const newValue = source.kind === 'injection-path' ? source.value.value.replace(/\/net\/[^/?]+/, `/net/${network}`) : network;
  return replaceValueFix(`Change to network "${network}"`, source.value, newValue, preferred);
}

/** One cluster, one network: every place that says the network must agree with the one most of them say. */
export const networkDisagreement: MeshRule = {
  scope: 'mesh',
  code: 'MESH104',
  title: "A cluster's network disagrees between its sources",
  severity: 'error',
  check(mesh) {
    return sortedClusters(mesh).flatMap((cluster) => {
      if (cluster.networkSources.length === 0) return [];
      const reference = agreedNetworkSource(cluster.networkSources);
      return cluster.networkSources
        .filter((source) => source.network !== reference.network)
        .map((source) => ({
          code: 'MESH104',
          severity: 'error' as const,
          message: `${SOURCE_NAMES[source.kind]} says network "${source.network}", but ${describeSource(reference, cluster)}: a cluster is in one network, and istiod routes cross-network traffic by it.`,
          location: source.value.location(),
          cluster: cluster.name,
          related: [relatedAt(reference.value, describeSource(reference, cluster))],
          fixes: [networkFix(source, reference.network)],
          explainedBy: [networkIsOddOneOut(cluster.name)],
          consequence: `${SOURCE_NAMES[source.kind]} of cluster ${cluster.name} disagrees with ${SOURCE_NAMES[reference.kind]}`,
        }));
    });
  },
};

/**
 * Case, `-`, `_` and `.` aside, or two neighbouring letters swapped, or one letter added, dropped or changed
 * before the end: a misspelling. A different last character or digit (`network2`, `zone-b`) names another network.
 */
function misspells(value: string, of: string): boolean {
  const plain = (text: string) => text.toLowerCase().replace(/[-_.]/g, '');
  const [a, b] = [plain(value), plain(of)];
  if (a === b) return true;
  const isLetter = (c: string | undefined) => c !== undefined && /[a-z]/.test(c);
  const beforeEnd = (at: number, text: string) => at < text.length - 1;
  if (a.length === b.length) {
    const differing = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
    const [i, j] = differing;
    if (differing.length === 1) return beforeEnd(i, a) && isLetter(a[i]) && isLetter(b[i]);
    return differing.length === 2 && j === i + 1 && a[i] === b[j] && a[j] === b[i] && isLetter(a[i]) && isLetter(a[j]);
  }
  const [shorter, longer] = a.length < b.length ? [a, b] : [b, a];
  if (longer.length !== shorter.length + 1) return false;
  let at = 0;
  while (at < shorter.length && shorter[at] === longer[at]) at++;
  return beforeEnd(at, longer) && isLetter(longer[at]) && shorter.slice(at) === longer.slice(at + 1);
}

/**
 * With three or more clusters in one network, a cluster alone in another is the odd one out when its network is
 * a misspelling of theirs, or when no cluster has an east-west gateway (the mesh is built as one network). It is
 * reported on that cluster's network, with the others' as related information; the findings that only hold
 * because the mesh now has several networks (MESH105, MESH203, MESH204) are folded into it.
 */
export const networkOddOneOut: MeshRule = {
  scope: 'mesh',
  code: 'MESH106',
  title: "One cluster's network differs from that of every other cluster",
  severity: 'warning',
  check(mesh) {
    const clusters = sortedClusters(mesh).filter((cluster) => cluster.network !== undefined && cluster.role !== 'external-control-plane');
    if (clusters.length < 3) return [];
    const byNetwork = new Map<string, Cluster[]>();
    for (const cluster of clusters) byNetwork.set(cluster.network!, [...(byNetwork.get(cluster.network!) ?? []), cluster]);
    if (byNetwork.size !== 2) return [];
    const [[odd, [oddCluster]], [shared, others]] = [...byNetwork].sort((a, b) => a[1].length - b[1].length);
    if (byNetwork.get(odd)!.length !== 1) return [];
    const misspelt = misspells(odd, shared);
    const noEastWest = clusters.every((cluster) => eastWestGateways(cluster).length === 0);
    if (!misspelt && !noEastWest) return [];
    const source = agreedNetworkSource(oddCluster.networkSources);
    const generator = misspelt ? undefined : eastWestGatewayFix(mesh, oddCluster);
    const why = misspelt
      ? `: "${odd}" looks like a misspelling of "${shared}"`
      : ', and no cluster has an east-west gateway: a cluster in a network of its own is reachable only through one';
    return [
      {
        code: 'MESH106',
        severity: 'warning' as const,
        message: `Cluster ${oddCluster.name} is in network "${odd}" while every other cluster (${describeClusters(others)}) is in "${shared}"${why}. If ${oddCluster.name} shares their network, set "${shared}"; otherwise give each network an east-west gateway.`,
        location: locationOf(source.value),
        cluster: oddCluster.name,
        related: others
          .slice(0, RELATED_EXAMPLES)
          .map((other) => relatedAt(agreedNetworkSource(other.networkSources).value, `network "${shared}" of cluster ${other.name}`)),
        // The two ways out: the shared network (preferred for a misspelling), or, when the cluster really is in a
        // network of its own, the east-west gateway it then needs (the other networks' come back as MESH203).
        fixes: [networkFix(source, shared, misspelt), ...(generator ? [generator] : [])],
        explains: [severalNetworks(), networkIsOddOneOut(oddCluster.name)],
      },
    ];
  },
};

function describeClusters(clusters: readonly Cluster[]): string {
  const named = clusters
    .slice(0, NAMED_CLUSTERS)
    .map((c) => c.name)
    .join(', ');
  return clusters.length > NAMED_CLUSTERS ? `${named} and ${clusters.length - NAMED_CLUSTERS} more` : named;
}

/** In a multi-network mesh, istio-system's network label tells istiod which network the cluster's pods are in. */
export const namespaceNetworkLabelMissing: MeshRule = {
  scope: 'mesh',
  code: 'MESH105',
  title: 'istio-system has no topology.istio.io/network label in a multi-network mesh',
  severity: 'warning',
  check(mesh) {
    if (!mesh.multiNetwork) return [];
    return sortedClusters(mesh).flatMap((cluster) => {
      const namespace = cluster.istioSystemNamespace;
      if (!namespace || namespace.labels()[NETWORK_LABEL] !== undefined) return [];
      const network = cluster.network;
      return [
        {
          code: 'MESH105',
          severity: 'warning' as const,
          message: `The istio-system namespace of cluster ${cluster.name} has no ${NETWORK_LABEL} label; in a multi-network mesh label it with the cluster's network${network ? ` ("${network}")` : ''}.`,
          location: namespace.location(['metadata', 'labels'], 'key'),
          cluster: cluster.name,
          related: cluster.networkSources[0] ? [relatedAt(cluster.networkSources[0].value, describeSource(cluster.networkSources[0], cluster))] : undefined,
          fixes: network
            ? optionalFix(insertValueFix(`Label istio-system with ${NETWORK_LABEL}=${network}`, namespace.doc, ['metadata', 'labels', NETWORK_LABEL], network))
            : undefined,
          explainedBy: [severalNetworks()],
          consequence: `the istio-system namespace of cluster ${cluster.name} needs a ${NETWORK_LABEL} label`,
        },
      ];
    });
  },
};

export const MESH_IDENTITY_RULES: readonly MeshRule[] = [
  meshIDConsistency,
  duplicateClusterName,
  missingClusterName,
  networkDisagreement,
  namespaceNetworkLabelMissing,
  networkOddOneOut,
];
