import type { ValuePath } from '../parse/yamlFile';
import { parseGatewayReference } from '../resources/hosts';
import { CONTROL_PLANE_CLUSTERS_ANNOTATION, EAST_WEST_PORTS, type GatewayDeployment } from '../resources/installConfig';
import { remoteSecretTarget } from '../resources/remoteSecret';
import { isPlaceholder, isRecord, type Located, type Resource, scalarString } from '../resources/resource';
import { type Cluster, type MeshModel, unassignedResources } from './model';
import { resourcesOfKind } from './selection';

/**
 * Derived topology facts for the deployment-model checks: which gateway is a cluster's east-west gateway,
 * which Istio Gateways expose istiod or services through it, and which primary serves a remote. Pure
 * functions of the mesh model.
 */

/** An east-west gateway: one that carries a network label, the cross-network port, or the sample's name. */
export function isEastWestGateway(gateway: GatewayDeployment): boolean {
  return (
    gateway.networkLabel !== undefined ||
    gateway.requestedNetworkView !== undefined ||
    gateway.ports.some((p) => p.port === EAST_WEST_PORTS.crossNetwork) ||
    /eastwest/i.test(gateway.name)
  );
}

export function eastWestGateways(cluster: Cluster): GatewayDeployment[] {
  return cluster.gateways.filter(isEastWestGateway);
}

const sharedEastWest = new WeakMap<MeshModel, GatewayDeployment[]>();

/** East-west gateways installed by files no cluster claims, which count as present in every cluster (see presentResources). */
function sharedEastWestGateways(mesh: MeshModel): GatewayDeployment[] {
  let gateways = sharedEastWest.get(mesh);
  if (!gateways) {
    const unassigned = new Set(unassignedResources(mesh));
    gateways = mesh.installs.filter((install) => unassigned.has(install.resource)).flatMap((install) => install.gateways.filter(isEastWestGateway));
    sharedEastWest.set(mesh, gateways);
  }
  return gateways;
}

/** The east-west gateways a cluster may run: its own, and those of files applied to every cluster. For "does it have one" checks. */
export function presentEastWestGateways(mesh: MeshModel, cluster: Cluster): GatewayDeployment[] {
  const shared = sharedEastWestGateways(mesh);
  return shared.length ? [...eastWestGateways(cluster), ...shared] : eastWestGateways(cluster);
}

/**
 * True when every label of a (non-empty) Gateway selector is on the gateway deployment. A value filled in at
 * install time (`istio: {{ .Values.selector }}`) may be the deployment's: it is not taken for a mismatch.
 */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value || (key in labels && isPlaceholder(value)));
}

export interface GatewayServer {
  port?: number;
  tlsMode?: string;
  hosts: string[];
  path: ValuePath;
}

function serversOf(gateway: Resource): GatewayServer[] {
  return gateway.list(['spec', 'servers']).map(({ item, path }) => {
    const port = isRecord(item.port) ? item.port.number : undefined;
    const tls = isRecord(item.tls) ? scalarString(item.tls.mode) : undefined;
    const hosts = Array.isArray(item.hosts) ? item.hosts.flatMap((h) => (typeof h === 'string' ? [h] : [])) : [];
    return { port: typeof port === 'number' ? port : Number(scalarString(port)) || undefined, tlsMode: tls?.toUpperCase(), hosts, path };
  });
}

/**
 * The Istio Gateways among a cluster's resources, listed once per resource list: rules that look at other
 * clusters' configuration (a remote's primaries) would otherwise scan every cluster's resources per cluster.
 */
export function istioGatewaysOf(resources: readonly Resource[]): readonly Resource[] {
  return resourcesOfKind(resources, 'Gateway');
}

/** Istio Gateway resources among `resources` whose selector picks `deployment`'s pods. */
export function gatewaysSelecting(resources: readonly Resource[], deployment: GatewayDeployment): Resource[] {
  return istioGatewaysOf(resources).filter((r) => selects(r.labels(['spec', 'selector']), deployment.labels));
}

/** A server that passes `port` through untouched (TLS PASSTHROUGH or AUTO_PASSTHROUGH). */
export function passthroughServer(gateway: Resource, port: number, mode: 'PASSTHROUGH' | 'AUTO_PASSTHROUGH'): GatewayServer | undefined {
  return serversOf(gateway).find((s) => s.port === port && s.tlsMode === mode);
}

function hostPart(host: string): string {
  const slash = host.indexOf('/');
  return slash >= 0 ? host.slice(slash + 1) : host;
}

/** expose-services: AUTO_PASSTHROUGH on 15443 for every `.local` host. */
export function exposesServices(gateway: Resource): boolean {
  const server = passthroughServer(gateway, EAST_WEST_PORTS.crossNetwork, 'AUTO_PASSTHROUGH');
  return !!server && server.hosts.some((h) => ['*', '*.local'].includes(hostPart(h)) || isPlaceholder(h));
}

/** The Istio Gateways among `resources` that expose services through `deployment`. */
export function serviceExposuresFor(resources: readonly Resource[], deployment: GatewayDeployment): Resource[] {
  return gatewaysSelecting(resources, deployment).filter(exposesServices);
}

const serviceExposures = new WeakMap<readonly Resource[], Map<GatewayDeployment, boolean>>();

/**
 * True when some Istio Gateway among `resources` exposes services through `deployment`; kept per resource
 * list and deployment, as every remote asks it of its primaries' lists.
 */
export function hasServiceExposureFor(resources: readonly Resource[], deployment: GatewayDeployment): boolean {
  let byDeployment = serviceExposures.get(resources);
  if (!byDeployment) serviceExposures.set(resources, (byDeployment = new Map()));
  let exposed = byDeployment.get(deployment);
  if (exposed === undefined) byDeployment.set(deployment, (exposed = serviceExposuresFor(resources, deployment).length > 0));
  return exposed;
}

/** How istiod is exposed through one east-west gateway, and what is missing. */
export interface IstiodExposure {
  /** The Gateway that passes istiod's ports through, if any. */
  gateway?: Resource;
  /** Human-readable pieces that are missing (ports, routes); empty when istiod is fully exposed. */
  missing: string[];
  /**
   * The ports the Gateway passes through that no VirtualService bound to it routes to istiod, each with the
   * VirtualServices that do route it to istiod but are bound to other gateways.
   */
  unrouted: { port: number; routers: Resource[] }[];
}

const ISTIOD_ROUTES: { port: number; targetPort: number }[] = [
  { port: EAST_WEST_PORTS.istiod, targetPort: 15012 },
  { port: EAST_WEST_PORTS.webhook, targetPort: 443 },
];

/** True when a `gateways` entry of `vs` names `gateway` (one applied without a namespace lands in istio-system). */
function namesGateway(reference: string, vs: Resource, gateway: Resource): boolean {
  const gatewayNamespace = gateway.namespace ?? 'istio-system';
  const { namespace, name } = parseGatewayReference(reference, vs.namespace ?? gatewayNamespace);
  return name === gateway.name && namespace === gatewayNamespace;
}

function isIstiodHost(host: string, controlPlaneNamespace: string): boolean {
  if (isPlaceholder(host)) return true;
  const [service, namespace, ...rest] = host.split('.');
  return /^istiod(-.+)?$/.test(service) && namespace === controlPlaneNamespace && (rest.length === 0 || rest[0] === 'svc');
}

/** True when one of these VirtualServices is bound to `gateway`. */
function routesThrough(virtualServices: readonly Resource[], gateway: Resource): boolean {
  return virtualServices.some((vs) => {
    const bound = vs.get(['spec', 'gateways']);
    return Array.isArray(bound) && bound.some((g) => typeof g === 'string' && namesGateway(g, vs, gateway));
  });
}

/** The VirtualServices that send TLS on `port` to istiod's `targetPort`, whichever gateways they are bound to. */
function istiodRouters(virtualServices: readonly Resource[], port: number, targetPort: number, controlPlaneNamespace: string): Resource[] {
  return virtualServices.filter((vs) =>
    vs.list(['spec', 'tls']).some(({ item }) => {
      const matches = Array.isArray(item.match) ? item.match.filter(isRecord) : [];
      if (!matches.some((m) => m.port === port)) return false;
      const routes = Array.isArray(item.route) ? item.route.filter(isRecord) : [];
      return routes.some((route) => {
        const destination = isRecord(route.destination) ? route.destination : {};
        const host = scalarString(destination.host) ?? '';
        const number = isRecord(destination.port) ? destination.port.number : undefined;
        return isIstiodHost(host, controlPlaneNamespace) && number === targetPort;
      });
    }),
  );
}

const exposures = new WeakMap<readonly Resource[], Map<GatewayDeployment, Map<string, IstiodExposure>>>();

/**
 * Checks expose-istiod for one east-west gateway of a primary among the resources it runs: passthrough on
 * 15012/15017 and routes to istiod. Kept per resource list and gateway: every remote of a primary asks the same question about it.
 */
export function istiodExposure(resources: readonly Resource[], deployment: GatewayDeployment, controlPlaneNamespace: string): IstiodExposure {
  let byDeployment = exposures.get(resources);
  if (!byDeployment) exposures.set(resources, (byDeployment = new Map()));
  let byNamespace = byDeployment.get(deployment);
  if (!byNamespace) byDeployment.set(deployment, (byNamespace = new Map()));
  let exposure = byNamespace.get(controlPlaneNamespace);
  if (!exposure) byNamespace.set(controlPlaneNamespace, (exposure = assessIstiodExposure(resources, deployment, controlPlaneNamespace)));
  return exposure;
}

function assessIstiodExposure(resources: readonly Resource[], deployment: GatewayDeployment, controlPlaneNamespace: string): IstiodExposure {
  const candidates = gatewaysSelecting(resources, deployment).filter((g) => ISTIOD_ROUTES.some(({ port }) => passthroughServer(g, port, 'PASSTHROUGH')));
  if (candidates.length === 0) return { missing: ['a Gateway with TLS PASSTHROUGH on 15012 and 15017'], unrouted: [] };
  const virtualServices = resourcesOfKind(resources, 'VirtualService');
  const assessed = candidates.map((gateway) => {
    const missing: string[] = [];
    const unrouted: IstiodExposure['unrouted'] = [];
    for (const { port, targetPort } of ISTIOD_ROUTES) {
      if (!passthroughServer(gateway, port, 'PASSTHROUGH')) missing.push(`TLS PASSTHROUGH on port ${port}`);
      else {
        const routers = istiodRouters(virtualServices, port, targetPort, controlPlaneNamespace);
        if (routesThrough(routers, gateway)) continue;
        missing.push(`a VirtualService routing port ${port} to istiod.${controlPlaneNamespace}.svc.cluster.local:${targetPort}`);
        unrouted.push({ port, routers });
      }
    }
    return { gateway, missing, unrouted };
  });
  return assessed.find((a) => a.missing.length === 0) ?? assessed[0];
}

/** Cluster names listed in a `topology.istio.io/controlPlaneClusters` annotation (`*` means any). */
export function controlPlaneClustersOf(cluster: Cluster): Located<string> | undefined {
  return cluster.istioSystemNamespace?.locatedString(['metadata', 'annotations', CONTROL_PLANE_CLUSTERS_ANNOTATION]);
}

export function splitClusterList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export type PrimarySource = 'annotation' | 'remote-secret' | 'only-primary';

export interface RemotePrimaries {
  primaries: Cluster[];
  source?: PrimarySource;
}

/** Facts every remote's question about its primaries reads, gathered once per model. */
interface PrimaryFacts {
  primaries: Cluster[];
  /** Clusters holding a remote secret, by the cluster the secret targets. */
  holdersByTarget: Map<string | undefined, Set<string>>;
  answers: Map<Cluster, Map<boolean, RemotePrimaries>>;
}

const primaryFacts = new WeakMap<MeshModel, PrimaryFacts>();

function primaryFactsOf(mesh: MeshModel): PrimaryFacts {
  let facts = primaryFacts.get(mesh);
  if (!facts) {
    const holdersByTarget = new Map<string | undefined, Set<string>>();
    for (const secret of mesh.remoteSecrets) {
      const target = remoteSecretTarget(secret);
      let holders = holdersByTarget.get(target);
      if (!holders) holdersByTarget.set(target, (holders = new Set()));
      for (const holder of secret.holders) holders.add(holder);
    }
    facts = { primaries: [...mesh.clusters.values()].filter((c) => c.role === 'primary'), holdersByTarget, answers: new Map() };
    primaryFacts.set(mesh, facts);
  }
  return facts;
}

function primariesOfMesh(mesh: MeshModel): Cluster[] {
  return primaryFactsOf(mesh).primaries;
}

/**
 * The primary (or primaries) whose control plane a remote uses: the remote's controlPlaneClusters
 * annotation, else the primaries holding its remote secret, else the mesh's only primary.
 * `useAnnotation: false` answers from the other facts only (to check the annotation itself).
 */
export function primariesOfRemote(mesh: MeshModel, remote: Cluster, useAnnotation = true): RemotePrimaries {
  // Asked by several rules for every remote: answered once per model (a model is never mutated).
  const { answers } = primaryFactsOf(mesh);
  let byAnnotation = answers.get(remote);
  if (!byAnnotation) answers.set(remote, (byAnnotation = new Map()));
  let answer = byAnnotation.get(useAnnotation);
  if (!answer) byAnnotation.set(useAnnotation, (answer = answerPrimariesOfRemote(mesh, remote, useAnnotation)));
  return answer;
}

function answerPrimariesOfRemote(mesh: MeshModel, remote: Cluster, useAnnotation: boolean): RemotePrimaries {
  const primaries = primariesOfMesh(mesh);
  const annotation = useAnnotation ? controlPlaneClustersOf(remote) : undefined;
  if (annotation && !annotation.isPlaceholder) {
    const names = splitClusterList(annotation.value);
    const named = primaries.filter((p) => names.includes('*') || names.includes(p.name));
    if (named.length) return { primaries: named, source: 'annotation' };
  }
  const holders = primaryFactsOf(mesh).holdersByTarget.get(remote.name) ?? new Set<string>();
  const holding = primaries.filter((p) => holders.has(p.name));
  if (holding.length) return { primaries: holding, source: 'remote-secret' };
  if (primaries.length === 1) return { primaries, source: 'only-primary' };
  return { primaries: [] };
}

/** The remotes that `primary` serves. */
export function remotesServedBy(mesh: MeshModel, primary: Cluster): Cluster[] {
  return [...mesh.clusters.values()].filter((c) => c.role === 'remote' && primariesOfRemote(mesh, c).primaries.includes(primary));
}

/** Clusters sorted by name, so findings come out in a stable order. */
export function sortedClusters(mesh: MeshModel): Cluster[] {
  return [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
}
