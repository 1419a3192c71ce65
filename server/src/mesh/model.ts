import { dirname, sep } from 'node:path';

import { composeWorkspace } from '../compose';
import { withLayeredInstalls } from '../compose/layered';
import { rendersUnreadStructure } from '../parse/yamlFile';
import { type CaCerts, readCaCerts } from '../resources/cacerts';
import { clusterNameOf, type GatewayDeployment, type InstallConfig, isRemoteProfile, NETWORK_LABEL, parseInjectionPath } from '../resources/installConfig';
import { HELM_VALUES_KIND, isGitopsDeployer, managedNamespaceNetwork, mayHoldInstall, readInstallSource } from '../resources/installSources';
import type { TargetVersion } from '../resources/istioVersions';
import { readRemoteSecret, type RemoteSecret } from '../resources/remoteSecret';
import { type Located, type Resource } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { type Assignment, ClusterAssigner, type ClusterSetting, directiveClusters } from './assignment';
import { chartsOfTemplates } from './chartTemplates';
import { findHostedControlPlanes, type HostedControlPlane } from './externalControlPlane';
import { helmValuesChart, type HelmValuesSetting, sharedBySetting, withSettingHelmValues } from './helmValues';
import { type TrustProvider, trustProvidersOf } from './trust';

/** Where a cluster's network is said, in the order that decides it when they disagree. */
export type NetworkSourceKind = 'install' | 'namespace-label' | 'injection-path' | 'gateway-label' | 'requested-network-view' | 'gateway-install';

export interface NetworkSource {
  kind: NetworkSourceKind;
  network: string;
  value: Located<string>;
}

/** `external-control-plane`: the cluster runs another cluster's istiod and is not itself a named member of the mesh. */
export type ClusterRole = 'primary' | 'remote' | 'external-control-plane' | 'unknown';

export interface Cluster {
  name: string;
  role: ClusterRole;
  /** Install configs that install this cluster's control plane (istiod, or the remote profile). */
  controlPlanes: InstallConfig[];
  /** Every install config of the cluster, gateway-only ones included. */
  installs: InstallConfig[];
  gateways: GatewayDeployment[];
  /** Every resource that belongs to the cluster (a resource may belong to several). */
  resources: Resource[];
  networkSources: NetworkSource[];
  /** The network the cluster is in, from the first literal source in precedence order. */
  network?: string;
  meshID?: Located<string>;
  /** The Istio version the cluster's install files pin, if any: version-dependent rules judge against it. */
  istioVersion?: TargetVersion;
  istioSystemNamespace?: Resource;
  /** Remote secrets this cluster holds (applied to it). */
  remoteSecrets: RemoteSecret[];
  /** The plugged-in CA (`cacerts` Secret in the control plane namespace), when the cluster's files hold one. */
  cacerts?: CaCerts;
  /** Who gives the cluster its root of trust (cacerts, cert-manager, istio-csr, SPIRE); the first takes effect. */
  trustProviders: TrustProvider[];
  /** Providers installed in the cluster that its istiod does not take its root from (SPIRE without the socket wiring). */
  unusedTrustProviders: TrustProvider[];
  /** Control planes this cluster runs for other clusters (it is their external control plane cluster). */
  hostedControlPlanes: HostedControlPlane[];
  /** Control planes that serve this cluster from another cluster (also listed in `controlPlanes`). */
  externalControlPlanes: HostedControlPlane[];
}

export type ControlPlaneModel = 'single-cluster' | 'multi-primary' | 'primary-remote' | 'external-control-plane' | 'unknown';

export interface MeshModel {
  /** The folder the mesh's files are under. */
  root: string;
  clusters: Map<string, Cluster>;
  resources: Resource[];
  installs: InstallConfig[];
  assignments: ReadonlyMap<Resource, Assignment>;
  remoteSecrets: RemoteSecret[];
  multiNetwork: boolean;
  controlPlaneModel: ControlPlaneModel;
  /** istiods that serve another cluster than the one they run in (the external control plane model). */
  hostedControlPlanes: HostedControlPlane[];
  /** Control plane namespace (istio-system unless an install config says otherwise). */
  controlPlaneNamespace: string;
  /** The time certificates are checked against (the settings' `now`, else the time of the analysis). */
  now: Date;
}

export interface MeshSettings {
  roots: readonly string[];
  clusters: readonly ClusterSetting[];
  /** The time to check certificate expiry against; defaults to the current time (tests fix it). */
  now?: Date;
  /** `istioMesh.helmValues`: which chart the values files at these paths are for. */
  helmValues?: readonly HelmValuesSetting[];
}

const NETWORK_PRECEDENCE: NetworkSourceKind[] = ['install', 'namespace-label', 'injection-path', 'gateway-label', 'gateway-install', 'requested-network-view'];

/** Install configs read from their resource alone, kept per Resource (a Resource is immutable per version of its file). */
const installsByResource = new WeakMap<Resource, InstallConfig | null>();

/**
 * A resource's install config. Reading it again on every rebuild would also give every install a new
 * identity, which defeats the caches keyed by install config (gateway workloads, per-cluster rule results).
 */
export function installOfResource(resource: Resource, all: readonly Resource[], settings: MeshSettings): InstallConfig | undefined {
  // An install a template renders part of (`values: {{- toYaml .Values.istio | nindent 4 }}`) is not read: its
  // cluster name, network or profile may be in the part it renders.
  if (rendersUnreadStructure(resource.doc)) return undefined;
  // A HelmRelease's values may come from other resources (Flux valuesFrom); Helm values depend on the chart setting.
  if (resource.kind === 'HelmRelease' || resource.kind === HELM_VALUES_KIND) {
    return readInstallSource(resource, all, helmValuesChart(resource, settings.roots, settings.helmValues ?? []));
  }
  // Most resources are applications: remembering that they hold none would cost a map entry each.
  if (!mayHoldInstall(resource.kind)) return undefined;
  let install = installsByResource.get(resource);
  if (install === undefined) {
    install = readInstallSource(resource, all) ?? null;
    installsByResource.set(resource, install);
  }
  return install ?? undefined;
}

function installsOf(files: readonly WorkspaceFile[], settings: MeshSettings): Map<Resource, InstallConfig> {
  const installs = new Map<Resource, InstallConfig>();
  const all = files.flatMap((f) => f.resources);
  for (const resource of all) {
    const install = installOfResource(resource, all, settings);
    if (install) installs.set(resource, install);
  }
  return installs;
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function childFolder(path: string, folder: string): string | undefined {
  const rest = path.slice(folder.length + 1);
  const index = rest.indexOf(sep);
  return index < 0 ? undefined : folder + sep + rest.slice(0, index);
}

/**
 * Splits a folder's files into meshes. One folder is one mesh unless it holds the same cluster name twice
 * *and* its subfolders are each whole multicluster meshes (`prod/{c1,c2}`, `staging/{c1,c2}`): then each
 * subfolder is a mesh of its own. A copied cluster folder that kept its name stays in one mesh, so the
 * duplicate is reported.
 */
function partitionMeshes(
  folder: string,
  files: WorkspaceFile[],
  installs: Map<Resource, InstallConfig>,
  hosted: ReadonlyMap<InstallConfig, HostedControlPlane>,
): { root: string; files: WorkspaceFile[] }[] {
  const clusterFiles = new Map<string, Set<string>>();
  // A hosted istiod names the cluster it serves, which has its own (remote) install: not a second cluster of that name.
  const clusterNamed = (install: InstallConfig | undefined) => (install?.installsControlPlane && !hosted.has(install) ? clusterNameOf(install) : undefined);
  const namesUnder = (subset: WorkspaceFile[]) => {
    const names = new Set<string>();
    for (const file of subset)
      for (const resource of file.resources) {
        const name = clusterNamed(installs.get(resource));
        if (name) names.add(name);
      }
    return names;
  };
  for (const file of files)
    for (const resource of file.resources) {
      const name = clusterNamed(installs.get(resource));
      if (!name) continue;
      const set = clusterFiles.get(name) ?? new Set<string>();
      set.add(file.path);
      clusterFiles.set(name, set);
    }
  const hasDuplicates = [...clusterFiles.values()].some((set) => set.size > 1);
  if (!hasDuplicates) return [{ root: folder, files }];
  const byChild = new Map<string, WorkspaceFile[]>();
  const direct: WorkspaceFile[] = [];
  for (const file of files) {
    const child = childFolder(file.path, folder);
    const group = child ? byChild.get(child) : undefined;
    if (group) group.push(file);
    else if (child) byChild.set(child, [file]);
    else direct.push(file);
  }
  const meshChildren = [...byChild.entries()].filter(([, subset]) => namesUnder(subset).size >= 2);
  if (meshChildren.length < 2) return [{ root: folder, files }];
  const leftover = [...direct, ...[...byChild.entries()].filter(([, s]) => namesUnder(s).size < 2).flatMap(([, s]) => s)];
  const meshes = meshChildren.flatMap(([child, subset]) => partitionMeshes(child, subset, installs, hosted));
  return leftover.length ? [...meshes, { root: folder, files: leftover }] : meshes;
}

function networkSourcesOf(cluster: Cluster): NetworkSource[] {
  const sources: NetworkSource[] = [];
  const add = (kind: NetworkSourceKind, value: Located<string> | undefined, network = value?.value) => {
    if (value && network && !value.isPlaceholder) sources.push({ kind, network, value });
  };
  // An external control plane's values are the served cluster's identity: its network is this cluster's.
  for (const install of new Set([...cluster.installs, ...cluster.externalControlPlanes.map((h) => h.install)])) {
    add(install.installsControlPlane ? 'install' : 'gateway-install', install.network);
    for (const injection of [install.injectionPath, install.injectionURL])
      if (injection) add('injection-path', injection, parseInjectionPath(injection.value).network);
  }
  const ns = cluster.istioSystemNamespace;
  if (ns) add('namespace-label', ns.locatedString(['metadata', 'labels', NETWORK_LABEL]));
  for (const install of cluster.installs) add('namespace-label', managedNamespaceNetwork(install));
  for (const gateway of cluster.gateways) {
    add('gateway-label', gateway.networkLabel);
    add('requested-network-view', gateway.requestedNetworkView);
  }
  return sources.sort((a, b) => NETWORK_PRECEDENCE.indexOf(a.kind) - NETWORK_PRECEDENCE.indexOf(b.kind));
}

function newCluster(name: string): Cluster {
  return {
    name,
    role: 'unknown',
    controlPlanes: [],
    installs: [],
    gateways: [],
    resources: [],
    networkSources: [],
    remoteSecrets: [],
    trustProviders: [],
    unusedTrustProviders: [],
    hostedControlPlanes: [],
    externalControlPlanes: [],
  };
}

/** What the per-cluster steps read of each resource: where it is assigned, and what it is. */
export interface ResourceFacts {
  assignment: (resource: Resource) => Assignment;
  install: (resource: Resource) => InstallConfig | undefined;
  remoteSecret: (resource: Resource) => RemoteSecret | undefined;
  /** The same object for a resource in each of its clusters, as rules may compare them. */
  cacerts: (resource: Resource) => CaCerts | undefined;
}

/** `readCaCerts` of each resource once, with the clusters it is assigned to as holders. */
export function cacertsReader(assignment: (resource: Resource) => Assignment): (resource: Resource) => CaCerts | undefined {
  const read = new Map<Resource, CaCerts | undefined>();
  return (resource) => {
    if (!read.has(resource)) read.set(resource, readCaCerts(resource, assignment(resource).clusters));
    return read.get(resource);
  };
}

/**
 * Fills a cluster's installs, gateways, control planes, secrets, namespace and `cacerts` candidates from its
 * resources (in order). A cluster's facts come from its own resources only, so a model derived after an edit
 * (mesh/reuse.ts) refills just the clusters the edited file is in.
 */
function fillCluster(cluster: Cluster, facts: ResourceFacts, assigner: ClusterAssigner): CaCerts[] {
  const cacertsCandidates: CaCerts[] = [];
  const name = cluster.name;
  for (const resource of cluster.resources) {
    const install = facts.install(resource);
    const hosted = install && assigner.hostedControlPlanes.get(install);
    if (hosted && hosted.served.value !== name) {
      // Runs here, serves another cluster: its gateways are this cluster's, its identity is the served one's.
      cluster.hostedControlPlanes.push(hosted);
      cluster.gateways.push(...hosted.install.gateways);
    } else if (install) {
      cluster.installs.push(install);
      cluster.gateways.push(...install.gateways);
      if (install.installsControlPlane) cluster.controlPlanes.push(install);
    }
    const secret = facts.remoteSecret(resource);
    if (secret?.holders.includes(name)) cluster.remoteSecrets.push(secret);
    const cacerts = facts.cacerts(resource);
    if (cacerts) cacertsCandidates.push(cacerts);
    if (resource.kind === 'Namespace' && resource.name === 'istio-system') cluster.istioSystemNamespace = resource;
  }
  return cacertsCandidates;
}

/** The facts derived from a filled cluster: role, network, mesh ID, plugged-in CA and trust providers. */
function finishCluster(cluster: Cluster, cacertsCandidates: readonly CaCerts[], controlPlaneNamespace: string, resources: readonly Resource[]): void {
  if (cluster.controlPlanes.length) cluster.role = cluster.externalControlPlanes.length || cluster.controlPlanes.some(isRemoteProfile) ? 'remote' : 'primary';
  // A cluster that hosts another's istiod and whose own istiod (if any) names no cluster is not a mesh member.
  if (cluster.hostedControlPlanes.length && !cluster.controlPlanes.some((cp) => clusterNameOf(cp))) cluster.role = 'external-control-plane';
  cluster.networkSources = networkSourcesOf(cluster);
  cluster.network = cluster.networkSources[0]?.network;
  cluster.meshID = cluster.controlPlanes.find((cp) => cp.meshID)?.meshID;
  // The control plane's version decides; a cluster whose control plane pins none may still pin its gateways'.
  cluster.istioVersion = (cluster.controlPlanes.find((cp) => cp.istioVersion) ?? cluster.installs.find((i) => i.istioVersion))?.istioVersion;
  // istiod reads `cacerts` from its own namespace only; one applied without a namespace lands there with `-n`.
  if (cacertsCandidates.length) cluster.cacerts = cacertsCandidates.find((c) => (c.resource.namespace ?? controlPlaneNamespace) === controlPlaneNamespace);
  const trust = trustProvidersOf(cluster, controlPlaneNamespace, resources);
  cluster.trustProviders = trust.providers;
  cluster.unusedTrustProviders = trust.unused;
}

/**
 * A cluster rebuilt from its resource list alone (no hosted control planes involved): what `buildMesh` makes
 * of the same resources. Used by mesh/reuse.ts for the clusters an edit of a model fact touches.
 */
export function rebuildCluster(
  name: string,
  resources: Resource[],
  facts: ResourceFacts,
  assigner: ClusterAssigner,
  controlPlaneNamespace: string,
  meshResources: readonly Resource[],
): Cluster {
  const cluster: Cluster = { ...newCluster(name), resources };
  finishCluster(cluster, fillCluster(cluster, facts, assigner), controlPlaneNamespace, meshResources);
  return cluster;
}

/** Mesh-wide facts summarised from the clusters: whether networks differ, and the control plane model. */
export function summariseClusters(
  clusters: ReadonlyMap<string, Cluster>,
  hostedControlPlanes: readonly HostedControlPlane[],
): { multiNetwork: boolean; controlPlaneModel: ControlPlaneModel } {
  const networks = new Set([...clusters.values()].flatMap((c) => (c.network ? [c.network] : [])));
  const roles = [...clusters.values()].map((c) => c.role);
  const controlPlaneModel: ControlPlaneModel = hostedControlPlanes.length
    ? 'external-control-plane'
    : clusters.size === 1
      ? 'single-cluster'
      : roles.includes('remote')
        ? 'primary-remote'
        : roles.filter((r) => r === 'primary').length >= 2
          ? 'multi-primary'
          : 'unknown';
  return { multiNetwork: networks.size > 1, controlPlaneModel };
}

/** The control plane namespace the installs name (istio-system unless one says otherwise). */
export function controlPlaneNamespaceOf(installs: readonly InstallConfig[]): string {
  return installs.find((i) => i.installsControlPlane && i.resource.string(['spec', 'namespace']))?.resource.string(['spec', 'namespace']) ?? 'istio-system';
}

function buildMesh(root: string, files: WorkspaceFile[], allInstalls: Map<Resource, InstallConfig>, settings: MeshSettings): MeshModel {
  const resources = files.flatMap((f) => f.resources);
  const installs = resources.flatMap((r) => (allInstalls.has(r) ? [allInstalls.get(r)!] : []));
  const assigner = new ClusterAssigner(
    settings.roots,
    settings.clusters,
    installs,
    resources.filter(isGitopsDeployer),
    chartsOfTemplates(files, settings.roots),
  );
  const clusters = new Map<string, Cluster>();
  const assignments = new Map<Resource, Assignment>();
  const remoteSecrets: RemoteSecret[] = [];
  const secretsByResource = new Map<Resource, RemoteSecret>();
  for (const resource of resources) {
    const assignment = assigner.assign(resource, allInstalls.get(resource));
    assignments.set(resource, assignment);
    const secret = resource.kind === 'Secret' ? readRemoteSecret(resource, assignment) : undefined;
    if (secret) {
      remoteSecrets.push(secret);
      secretsByResource.set(resource, secret);
    }
    for (const name of assignment.clusters) {
      const cluster = clusters.get(name) ?? newCluster(name);
      clusters.set(name, cluster);
      cluster.resources.push(resource);
    }
  }
  const assignment = (r: Resource) => assignments.get(r)!;
  const facts: ResourceFacts = {
    assignment,
    install: (r) => allInstalls.get(r),
    remoteSecret: (r) => secretsByResource.get(r),
    cacerts: cacertsReader(assignment),
  };
  const cacertsByCluster = new Map<Cluster, CaCerts[]>();
  for (const cluster of clusters.values()) cacertsByCluster.set(cluster, fillCluster(cluster, facts, assigner));
  const hostedControlPlanes = [...assigner.hostedControlPlanes.values()];
  for (const hosted of hostedControlPlanes) {
    const served = clusters.get(hosted.served.value) ?? newCluster(hosted.served.value);
    clusters.set(served.name, served);
    // Without a known host it was assigned to the cluster it names, and is already among its control planes.
    if (!served.controlPlanes.includes(hosted.install)) served.controlPlanes.push(hosted.install);
    served.externalControlPlanes.push(hosted);
  }
  const controlPlaneNamespace = controlPlaneNamespaceOf(installs);
  for (const cluster of clusters.values()) finishCluster(cluster, cacertsByCluster.get(cluster) ?? [], controlPlaneNamespace, resources);
  const now = settings.now ?? new Date();
  const mesh: MeshModel = {
    root,
    clusters,
    resources,
    installs,
    assignments,
    remoteSecrets,
    ...summariseClusters(clusters, hostedControlPlanes),
    hostedControlPlanes,
    controlPlaneNamespace,
    now,
  };
  assigners.set(mesh, assigner);
  return mesh;
}

/** The assigner each model was built with, so a file's resources can be re-assigned without a rebuild (mesh/reuse.ts). */
const assigners = new WeakMap<MeshModel, ClusterAssigner>();

export function assignerOf(mesh: MeshModel): ClusterAssigner | undefined {
  return assigners.get(mesh);
}

/** The clusters a resource of the mesh belongs to (none when no cluster claims it). */
export function clustersOfResource(mesh: MeshModel, resource: Resource): readonly string[] {
  return mesh.assignments.get(resource)?.clusters ?? [];
}

const unassignedLists = new WeakMap<MeshModel, Resource[]>();

/** The mesh's resources that belong to no cluster, in resource order; listed once per model. */
export function unassignedResources(mesh: MeshModel): Resource[] {
  let unassigned = unassignedLists.get(mesh);
  if (!unassigned) {
    unassigned = mesh.resources.filter((r) => !mesh.assignments.get(r)?.clusters.length);
    unassignedLists.set(mesh, unassigned);
  }
  return unassigned;
}

const presentLists = new WeakMap<readonly Resource[], { unassigned: readonly Resource[]; present: readonly Resource[] }>();

/**
 * What a cluster may be running, for checks of the form "does cluster C have an X": its own resources and the
 * mesh's unassigned ones. A file no cluster claims is usually one that a script or pipeline applies to every
 * cluster (`for ctx in ...; do kubectl apply -f common/ --context "$ctx"; done`), so it counts as present in
 * each. Checks that compare values across clusters read `cluster.resources`: there an unassigned file's
 * values would be said of every cluster. One list per cluster list and model, so caches keyed by it hold.
 */
export function presentResources(mesh: MeshModel, cluster: Cluster): readonly Resource[] {
  const unassigned = unassignedResources(mesh);
  if (unassigned.length === 0) return cluster.resources;
  const cached = presentLists.get(cluster.resources);
  if (cached && cached.unassigned === unassigned) return cached.present;
  const present = [...cluster.resources, ...unassigned];
  presentLists.set(cluster.resources, { unassigned, present });
  return present;
}

/** A derived model whose swapped resources all belong to clusters has the same unassigned resources as its source. */
export function inheritUnassigned(derived: MeshModel, source: MeshModel): void {
  const unassigned = unassignedLists.get(source);
  if (unassigned) unassignedLists.set(derived, unassigned);
}

/** A derived model whose install configs changed places resources with an assigner built from them. */
export function adoptAssigner(derived: MeshModel, assigner: ClusterAssigner): void {
  assigners.set(derived, assigner);
}

/** A model derived from `source` with the same installs and settings places resources as `source` does. */
export function inheritAssigner(derived: MeshModel, source: MeshModel): void {
  const assigner = assigners.get(source);
  if (assigner) assigners.set(derived, assigner);
}

/**
 * Files grouped by the folder their meshes are found in: the innermost workspace root holding them, else the
 * file's own folder. Meshes never span two groups, so a group whose files did not change keeps its meshes.
 */
export function filesByRoot(files: readonly WorkspaceFile[], roots: readonly string[]): Map<string, WorkspaceFile[]> {
  const innermostFirst = [...roots].sort((a, b) => b.length - a.length);
  const byRoot = new Map<string, WorkspaceFile[]>();
  for (const file of files) {
    const root = innermostFirst.find((r) => isUnder(file.path, r)) ?? dirname(file.path);
    const group = byRoot.get(root);
    if (group) group.push(file);
    else byRoot.set(root, [file]);
  }
  return byRoot;
}

/** The mesh model(s) of a workspace: a pure function of the parsed files and the settings. */
export function buildMeshes(workspaceFiles: readonly WorkspaceFile[], settings: MeshSettings): MeshModel[] {
  // Composition first: an overlay's composed objects stand for its base's, as they will be applied.
  const helmValues = settings.helmValues ?? [];
  const files = withLayeredInstalls(composeWorkspace(withSettingHelmValues(workspaceFiles, settings.roots, helmValues)), {
    chartOf: (resource) => helmValuesChart(resource, settings.roots, helmValues),
    sharedBySetting: (path) => sharedBySetting(path, settings.roots, helmValues),
  });
  const installs = installsOf(files, settings);
  const hosted = findHostedControlPlanes([...installs.values()], (install) => directiveClusters(install.resource));
  const meshes: MeshModel[] = [];
  for (const [root, rootFiles] of filesByRoot(files, settings.roots)) {
    for (const part of partitionMeshes(root, rootFiles, installs, hosted)) meshes.push(buildMesh(part.root, part.files, installs, settings));
  }
  return meshes;
}

/**
 * The Istio version a resource is judged against: its install config's own pin, else that of the cluster(s) it
 * belongs to when they agree; undefined when the files pin none (then the newest Istio applies).
 */
export function targetVersionOfResource(mesh: MeshModel, resource: Resource): TargetVersion | undefined {
  const own = installOf(mesh, resource)?.istioVersion;
  if (own) return own;
  const targets = clustersOfResource(mesh, resource).map((name) => mesh.clusters.get(name)?.istioVersion);
  return targets.length && targets.every((t) => t && t.minor === targets[0]!.minor) ? targets[0] : undefined;
}

/** The install config a resource is, if it is one (for rules that start from a resource). */
export function installOf(mesh: MeshModel, resource: Resource): InstallConfig | undefined {
  return mesh.installs.find((i) => i.resource === resource);
}
