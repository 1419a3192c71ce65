import { locatedNumber } from '../resources/fields';
import { type GatewayView, readGateway } from '../resources/gateway';
import { parseGatewayReference } from '../resources/hosts';
import type { GatewayPort, InstallConfig } from '../resources/installConfig';
import { isRecord, type Located, type Resource } from '../resources/resource';
import { readServiceEntry, type ServiceEntryView } from '../resources/serviceEntry';
import { readVirtualService, type VirtualServiceView } from '../resources/virtualService';
import { type Cluster, type MeshModel, unassignedResources } from './model';

/**
 * Where routing resources are checked. A cluster's scope is its own resources; the unassigned scope holds
 * the resources no cluster claims, so a single-cluster workspace without an IstioOperator is still checked.
 *
 * - `subjects` are what findings are about (each resource is a subject of every scope it belongs to).
 * - `peers` are what a subject can conflict with: the same cluster, or for unassigned resources the
 *   unassigned ones and those of the same files.
 * - references (a VirtualService's gateway, a Gateway's routes) resolve among the scope's resources *and*
 *   the unassigned ones: an unassigned file may be applied to any cluster, so reporting a reference to it
 *   as missing would be noise. Unassigned subjects resolve references across the whole mesh for the same
 *   reason.
 */
export interface RoutingScope {
  /** Undefined for the unassigned scope. */
  cluster?: string;
  subjects: Resource[];
  peers: Resource[];
  /** Gateway deployments that may run in this scope. */
  gatewayDeployments: GatewayWorkload[];
  /**
   * True when this scope's own resources (not only the unassigned ones it may see) declare a gateway deployment;
   * the ingress gateway a profile implies does not count: other gateways are then often installed elsewhere.
   */
  definesGatewayDeployments: boolean;
  /** Gateways references may resolve to, by `namespace/name`. */
  gatewaysByName: Map<string, GatewayView[]>;
  /** VirtualServices that may bind this scope's Gateways. */
  virtualServices: VirtualServiceView[];
}

/**
 * A gateway deployment a cluster runs: an IstioOperator `ingressGateways[]` entry, or the
 * `istio-ingressgateway` that the default-based profiles install without being asked.
 */
export interface GatewayWorkload {
  name: string;
  labels: Record<string, string>;
  /** Where it is declared: its list entry, or the install's profile (absent for an implied default profile). */
  declaration?: Located<string>;
  install: InstallConfig;
  /** Service ports as written; empty when the install does not say (then the chart's defaults apply). */
  ports: GatewayPort[];
  /** The labels derive from a Helm release name no file says (see `GatewayDeployment.releaseNameUnknown`). */
  releaseNameUnknown?: boolean;
  /** The `istio-ingressgateway` an istioctl profile installs without the file declaring it. */
  implied?: boolean;
}

/** Profiles that do not install `istio-ingressgateway` unless asked (every other profile layers on `default`). */
const PROFILES_WITHOUT_INGRESS = new Set(['ambient', 'empty', 'minimal', 'openshift-ambient', 'remote']);
const DEFAULT_INGRESS = 'istio-ingressgateway';

/** The gateway deployments an install config creates, the profile's implied ingress gateway included. */
export function gatewayWorkloadsOf(install: InstallConfig): GatewayWorkload[] {
  let workloads = workloadCache.get(install);
  if (!workloads) {
    workloads = readGatewayWorkloads(install);
    workloadCache.set(install, workloads);
  }
  return workloads;
}

const workloadCache = new WeakMap<InstallConfig, GatewayWorkload[]>();

function readGatewayWorkloads(install: InstallConfig): GatewayWorkload[] {
  const listed: GatewayWorkload[] = install.gateways.map((g) => ({
    name: g.name,
    labels: g.labels,
    declaration: g.declaration,
    install,
    ports: g.ports,
    releaseNameUnknown: g.releaseNameUnknown,
  }));
  const profile = install.profile?.value ?? 'default';
  const mentionsDefaultIngress = install.resource
    .list(['spec', 'components', 'ingressGateways'])
    .some(({ item }) => (item.name ?? DEFAULT_INGRESS) === DEFAULT_INGRESS);
  // Only istioctl's profiles install an ingress gateway with the control plane; the istiod chart and Sail never do.
  const impliesIngress =
    install.source === 'IstioOperator' && install.installsControlPlane && !PROFILES_WITHOUT_INGRESS.has(profile) && !install.profile?.isPlaceholder;
  if (!impliesIngress || mentionsDefaultIngress) return listed;
  return [
    ...listed,
    { name: DEFAULT_INGRESS, labels: { app: DEFAULT_INGRESS, istio: 'ingressgateway' }, declaration: install.profile, install, ports: [], implied: true },
  ];
}

/** A `values.global.meshNetworks.<network>.gateways[]` entry: where other networks reach this one. */
export interface MeshNetworkGateway {
  network: string;
  install: Resource;
  port: Located<number>;
}

export interface RoutingIndex {
  scopes: RoutingScope[];
  meshNetworkGateways: MeshNetworkGateway[];
  gateway(resource: Resource): GatewayView;
  virtualService(resource: Resource): VirtualServiceView;
  serviceEntry(resource: Resource): ServiceEntryView;
}

/** Views are cached per Resource: a Resource is rebuilt when its file changes, so the cache never goes stale. */
function memoised<V>(read: (resource: Resource) => V): (resource: Resource) => V {
  const cache = new WeakMap<Resource, V>();
  return (resource) => {
    let view = cache.get(resource);
    if (view === undefined) {
      view = read(resource);
      cache.set(resource, view);
    }
    return view;
  };
}

const gatewayView = memoised(readGateway);
const virtualServiceView = memoised(readVirtualService);
const serviceEntryView = memoised(readServiceEntry);

export function gatewayKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function meshNetworkGateways(mesh: MeshModel): MeshNetworkGateway[] {
  return mesh.installs.flatMap((install) => {
    const networksPath = [...install.valuesPath, 'global', 'meshNetworks'];
    const networks = install.resource.get(networksPath);
    if (!isRecord(networks)) return [];
    return Object.keys(networks).flatMap((network) =>
      install.resource.list([...networksPath, network, 'gateways']).flatMap(({ path }) => {
        const port = locatedNumber(install.resource, [...path, 'port']);
        return port ? [{ network, install: install.resource, port }] : [];
      }),
    );
  });
}

function scopeOf(
  cluster: string | undefined,
  subjects: Resource[],
  peers: Resource[],
  visible: Resource[],
  own: GatewayWorkload[],
  shared: GatewayWorkload[],
): RoutingScope {
  const gatewaysByName = new Map<string, GatewayView[]>();
  const virtualServices: VirtualServiceView[] = [];
  for (const resource of new Set(visible)) {
    if (resource.kind === 'Gateway' && resource.name) {
      const view = gatewayView(resource);
      const key = gatewayKey(view.namespace, resource.name);
      gatewaysByName.set(key, [...(gatewaysByName.get(key) ?? []), view]);
    } else if (resource.kind === 'VirtualService') {
      virtualServices.push(virtualServiceView(resource));
    }
  }
  return {
    cluster,
    subjects,
    peers,
    gatewayDeployments: [...new Set([...own, ...shared])],
    definesGatewayDeployments: own.some((w) => !w.implied),
    gatewaysByName,
    virtualServices,
  };
}

/** The same items in the same order: a rebuilt model holds new lists of the same (unchanged) objects. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
}

const clusterScopes = new WeakMap<readonly Resource[], { unassigned: Resource[]; own: GatewayWorkload[]; shared: GatewayWorkload[]; scope: RoutingScope }>();

/**
 * A cluster's scope, kept with what it was built from: a model derived after an edit in another cluster (or
 * rebuilt with the same resources) gets the same scope object, so per-scope rule results stay valid.
 */
function clusterScope(cluster: Cluster, unassigned: Resource[], shared: GatewayWorkload[]): RoutingScope {
  const own = cluster.installs.flatMap(gatewayWorkloadsOf);
  const cached = clusterScopes.get(cluster.resources);
  if (
    cached &&
    cached.scope.cluster === cluster.name &&
    sameItems(cached.unassigned, unassigned) &&
    sameItems(cached.own, own) &&
    sameItems(cached.shared, shared)
  )
    return cached.scope;
  const scope = scopeOf(cluster.name, cluster.resources, cluster.resources, [...cluster.resources, ...unassigned], own, shared);
  clusterScopes.set(cluster.resources, { unassigned, own, shared, scope });
  return scope;
}

function buildRoutingIndex(mesh: MeshModel): RoutingIndex {
  const unassigned = unassignedResources(mesh);
  const unassignedSet = new Set(unassigned);
  const unassignedInstalls = mesh.installs.filter((i) => unassignedSet.has(i.resource));
  const unassignedDeployments = unassignedInstalls.flatMap(gatewayWorkloadsOf);
  const scopes: RoutingScope[] = [...mesh.clusters.values()].map((cluster) => clusterScope(cluster, unassigned, unassignedDeployments));
  if (unassigned.length) {
    const unassignedFiles = new Set(unassigned.map((r) => r.file));
    const peers = mesh.resources.filter((r) => unassignedFiles.has(r.file));
    scopes.push(scopeOf(undefined, unassigned, peers, mesh.resources, unassignedDeployments, mesh.installs.flatMap(gatewayWorkloadsOf)));
  }
  return {
    scopes,
    meshNetworkGateways: meshNetworkGateways(mesh),
    gateway: gatewayView,
    virtualService: virtualServiceView,
    serviceEntry: serviceEntryView,
  };
}

const indexes = new WeakMap<MeshModel, RoutingIndex>();

/** The routing index of a mesh, built once and shared by every rule that runs on that model. */
export function routingIndexOf(mesh: MeshModel): RoutingIndex {
  let index = indexes.get(mesh);
  if (!index) {
    index = buildRoutingIndex(mesh);
    indexes.set(mesh, index);
  }
  return index;
}

/** The Gateways a reference written in `referrerNamespace` names; empty when none is defined in the scope. */
export function resolveGateway(scope: RoutingScope, reference: string, referrerNamespace: string): GatewayView[] {
  const { namespace, name } = parseGatewayReference(reference, referrerNamespace);
  return scope.gatewaysByName.get(gatewayKey(namespace, name)) ?? [];
}
