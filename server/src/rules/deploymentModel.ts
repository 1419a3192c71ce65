import { exposeIstiod, exposeServicesGateway, generatorFix, meshFilesOf } from '../generators/eastWest';
import { type Cluster, type MeshModel, presentResources } from '../mesh/model';
import { routingIndexOf } from '../mesh/routingIndex';
import {
  controlPlaneClustersOf,
  eastWestGateways,
  hasServiceExposureFor,
  type IstiodExposure,
  istiodExposure,
  presentEastWestGateways,
  primariesOfRemote,
  remotesServedBy,
  sortedClusters,
  splitClusterList,
} from '../mesh/topology';
import type { SourceLocation } from '../parse/text';
import { qualifiedName } from '../resources/fields';
import {
  CONTROL_PLANE_CLUSTERS_ANNOTATION,
  declaredClusterName,
  type GatewayDeployment,
  type InstallConfig,
  isExternalIstiod,
  isRemoteProfile,
} from '../resources/installConfig';
import { isHboneEastWestGateway } from '../resources/installSources';
import { eastWestGatewayFix } from './eastWestGatewayFix';
import { passthroughPortUnrouted, severalNetworks } from './facts';
import type { Finding, RelatedInformation } from './finding';
import { insertValueFix, optionalFix, replaceValueFix } from './fixes';
import { missingGatewayFact, unresolvedGatewayReferences } from './gateways/gatewayNotFound';
import { missingValueLocation, relatedAt } from './meshIdentity';
import type { MeshRule } from './rule';

/** The labels a Gateway resource selects this gateway deployment by: `istio: <name>` as the docs do. */
function gatewaySelector(gateway: GatewayDeployment): Record<string, string> {
  return gateway.labels.istio ? { istio: gateway.labels.istio } : { app: gateway.name };
}

/** Where a cluster's role is decided: its (first) control-plane install config. */
function controlPlaneOf(cluster: Cluster): InstallConfig | undefined {
  return cluster.controlPlanes[0];
}

/** What names a cluster in its control plane install: its clusterName (or injection path), else its profile, else its kind. */
export function clusterNameLocation(install: InstallConfig): SourceLocation {
  const named = declaredClusterName(install) ?? install.profile;
  return named ? named.location() : install.resource.location(['kind']);
}

function relatedToInstall(install: InstallConfig | undefined, message: string): RelatedInformation[] {
  return install ? [{ location: clusterNameLocation(install), message }] : [];
}

/** A remote must be told where istiod is: remotePilotAddress, or an injection path/URL served by the primary. */
export const remoteWithoutControlPlaneAddress: MeshRule = {
  scope: 'mesh',
  code: 'MESH201',
  title: 'A remote has no remotePilotAddress and no injectionPath/injectionURL',
  severity: 'error',
  check(mesh) {
    return mesh.installs
      .filter((install) => isRemoteProfile(install) && !install.remotePilotAddress && !install.injectionPath && !install.injectionURL)
      .map((install) => {
        const clusters = mesh.assignments.get(install.resource)?.clusters ?? [];
        return {
          code: 'MESH201',
          severity: 'error' as const,
          message:
            'This remote (profile "remote") sets neither values.global.remotePilotAddress nor istiodRemote.injectionPath/injectionURL: its proxies and injection webhook cannot reach the primary\'s istiod. Set remotePilotAddress to the address of the primary\'s east-west gateway.',
          location: install.profile!.location(),
          cluster: clusters.length === 1 ? clusters[0] : undefined,
        };
      });
  },
};

/** True when the remote is told an address outside its own cluster (an IP, a load balancer name, `${VAR}`). */
function reachesPrimaryFromOutside(remote: Cluster): InstallConfig | undefined {
  return remote.controlPlanes.find((cp) => cp.remotePilotAddress && !/\.svc(\.cluster\.local)?$/.test(cp.remotePilotAddress.value));
}

/**
 * What an incomplete istiod exposure explains and follows from: the istiod ports its Gateway passes through
 * unrouted (MESH406 says so of each), and the Gateways missing that VirtualServices routing those ports to
 * istiod are bound to instead (MESH401).
 */
function istiodExposureFacts(mesh: MeshModel, primary: Cluster, exposure: IstiodExposure): Pick<Finding, 'explains' | 'explainedBy'> {
  if (!exposure.gateway || exposure.unrouted.length === 0) return {};
  const index = routingIndexOf(mesh);
  const scope = index.scopes.find((s) => s.cluster === primary.name);
  const gatewayName = qualifiedName(exposure.gateway);
  const explainedBy = scope
    ? exposure.unrouted.flatMap(({ routers }) =>
        routers.flatMap((router) => {
          const vs = index.virtualService(router);
          return unresolvedGatewayReferences(scope, vs, vs.gateways).map((ref) => missingGatewayFact(scope, vs, ref));
        }),
      )
    : [];
  return {
    explains: exposure.unrouted.map(({ port }) => passthroughPortUnrouted(primary.name, gatewayName, port)),
    ...(explainedBy.length ? { explainedBy: [...new Set(explainedBy)] } : {}),
  };
}

/** A remote that reaches istiod through the primary's east-west gateway needs the primary to expose istiod there. */
export const istiodNotExposed: MeshRule = {
  scope: 'mesh',
  code: 'MESH202',
  title: 'A remote reaches its primary through an east-west gateway that does not expose istiod',
  severity: 'error',
  check(mesh) {
    const findings: Finding[] = [];
    const reported = new Set<GatewayDeployment>();
    for (const remote of sortedClusters(mesh)) {
      if (remote.role !== 'remote') continue;
      const install = reachesPrimaryFromOutside(remote);
      if (!install) continue;
      for (const primary of primariesOfRemote(mesh, remote).primaries) {
        const gateways = eastWestGateways(primary);
        if (gateways.length === 0) continue;
        const exposures = gateways.map((gateway) => ({
          gateway,
          exposure: istiodExposure(presentResources(mesh, primary), gateway, mesh.controlPlaneNamespace),
        }));
        if (exposures.some((e) => e.exposure.missing.length === 0)) continue;
        const { gateway, exposure } = exposures.find((e) => e.exposure.gateway) ?? exposures[0];
        if (reported.has(gateway)) continue;
        reported.add(gateway);
        findings.push({
          code: 'MESH202',
          severity: 'error',
          message: `Remote cluster ${remote.name} reaches istiod of ${primary.name} through the east-west gateway ${gateway.name}, but ${primary.name} does not expose istiod there: missing ${exposure.missing.join('; ')} (see samples/multicluster/expose-istiod.yaml).`,
          location: exposure.gateway ? exposure.gateway.location(['metadata', 'name']) : gateway.declaration.location(),
          cluster: primary.name,
          related: [relatedAt(install.remotePilotAddress!, `remotePilotAddress of remote cluster ${remote.name}`)],
          ...istiodExposureFacts(mesh, primary, exposure),
          consequence: `remote cluster ${remote.name}'s proxies cannot reach istiod of ${primary.name}`,
          fixes: exposure.gateway
            ? undefined
            : [
                generatorFix(
                  gateway.declaration.doc.file.file,
                  primary.name,
                  'expose-istiod',
                  exposeIstiod(primary.name, mesh.controlPlaneNamespace, gatewaySelector(gateway)),
                  meshFilesOf(mesh),
                ),
              ],
        });
      }
    }
    return findings;
  },
};

/**
 * The member clusters whose role is known: only they are expected to run gateways of their own. A cluster that only
 * hosts other clusters' istiods (external-control-plane) carries no workloads of the mesh.
 */
function clustersWithControlPlane(mesh: MeshModel): Cluster[] {
  return sortedClusters(mesh).filter((c) => (c.role === 'primary' || c.role === 'remote') && c.controlPlanes.length > 0);
}

/**
 * Multi-network traffic crosses networks only through east-west gateways. A gateway serves its whole
 * network, so a cluster that shares its network with a cluster that has one needs none of its own.
 */
export const missingEastWestGateway: MeshRule = {
  scope: 'mesh',
  code: 'MESH203',
  title: 'A cluster of a multi-network mesh has no east-west gateway',
  severity: 'warning',
  check(mesh) {
    if (!mesh.multiNetwork) return [];
    const networksWithGateway = new Set(
      sortedClusters(mesh)
        .filter((c) => c.network && eastWestGateways(c).length > 0)
        .map((c) => c.network),
    );
    return clustersWithControlPlane(mesh)
      .filter((cluster) => presentEastWestGateways(mesh, cluster).length === 0 && !(cluster.network && networksWithGateway.has(cluster.network)))
      .map((cluster) => {
        const install = controlPlaneOf(cluster)!;
        return {
          code: 'MESH203',
          severity: 'warning' as const,
          message: `Cluster ${cluster.name}${cluster.network ? ` (network ${cluster.network})` : ''} has no east-west gateway in this mesh's files: in a multi-network mesh, traffic from other networks reaches its workloads only through one (samples/multicluster/gen-eastwest-gateway.sh --network ${cluster.network ?? 'NETWORK'}).`,
          // The network is why the cluster needs a gateway of its own; a served cluster's network is in the istiod that serves it.
          location: install.network?.location() ?? clusterNameLocation(install),
          cluster: cluster.name,
          fixes: optionalFix(eastWestGatewayFix(mesh, cluster)),
          explainedBy: [severalNetworks()],
          consequence: `cluster ${cluster.name} needs an east-west gateway`,
        };
      });
  },
};

/**
 * Services cross networks only when an AUTO_PASSTHROUGH Gateway on 15443 selects the east-west gateway.
 * That Gateway is configuration read by a control plane: a primary's serves its own gateway and, since
 * selectors match labels in every cluster it controls, its remotes' gateways too.
 */
export const servicesNotExposed: MeshRule = {
  scope: 'mesh',
  code: 'MESH204',
  title: 'A cluster of a multi-network mesh exposes no services through its east-west gateway',
  severity: 'warning',
  check(mesh) {
    if (!mesh.multiNetwork) return [];
    return clustersWithControlPlane(mesh).flatMap((cluster) => {
      // An ambient (HBONE) east-west gateway carries every service without an expose-services Gateway.
      const gateways = eastWestGateways(cluster).filter((gateway) => !isHboneEastWestGateway(gateway));
      if (gateways.length === 0) return [];
      const controllers = cluster.role === 'remote' ? [cluster, ...primariesOfRemote(mesh, cluster).primaries] : [cluster];
      // Only Gateways can expose services; asking per controller's resource list (cached) keeps this linear in the mesh.
      // A Gateway in a file no cluster claims counts for every cluster (a `common/` folder applied to each).
      if (gateways.some((gateway) => controllers.some((c) => hasServiceExposureFor(presentResources(mesh, c), gateway)))) return [];
      const gateway = gateways[0];
      const where =
        cluster.role === 'remote' && controllers.length > 1
          ? ` (apply it in ${controllers
              .slice(1)
              .map((c) => c.name)
              .join(', ')}, whose istiod configures this remote)`
          : '';
      return [
        {
          code: 'MESH204',
          severity: 'warning' as const,
          message: `No Gateway with AUTO_PASSTHROUGH on port 15443 for "*.local" selects the east-west gateway ${gateway.name} of cluster ${cluster.name}: services in network ${cluster.network ?? '(unknown)'} are not reachable from other networks. Apply samples/multicluster/expose-services.yaml${where}.`,
          location: gateway.declaration.location(),
          cluster: cluster.name,
          fixes: [
            generatorFix(
              gateway.declaration.doc.file.file,
              (controllers[1] ?? cluster).name,
              'expose-services',
              exposeServicesGateway((controllers[1] ?? cluster).name, mesh.controlPlaneNamespace, gatewaySelector(gateway)),
              meshFilesOf(mesh),
            ),
          ],
          explainedBy: [severalNetworks()],
          consequence: `cluster ${cluster.name} exposes no services to other networks`,
        },
      ];
    });
  },
};

/** A primary that serves remotes must be installed as an external control plane for them. */
export const primaryNotExternalIstiod: MeshRule = {
  scope: 'mesh',
  code: 'MESH205',
  title: 'A primary serving remotes is not installed with externalIstiod',
  severity: 'error',
  check(mesh) {
    return sortedClusters(mesh).flatMap((primary) => {
      if (primary.role !== 'primary' || primary.controlPlanes.some(isExternalIstiod)) return [];
      const remotes = remotesServedBy(mesh, primary);
      if (remotes.length === 0) return [];
      const install = controlPlaneOf(primary)!;
      const located = install.externalIstiod;
      return [
        {
          code: 'MESH205',
          severity: 'error' as const,
          message: `Cluster ${primary.name} is the control plane of remote cluster${remotes.length > 1 ? 's' : ''} ${remotes.map((r) => r.name).join(', ')}${remotes.some((r) => r.network && primary.network && r.network !== primary.network) ? ' in another network' : ''}, but is not installed with values.global.externalIstiod: true (or EXTERNAL_ISTIOD=true): it does not serve injection and discovery to remotes.`,
          location: located ? located.location() : missingValueLocation(install, 'global', 'externalIstiod'),
          cluster: primary.name,
          related: remotes.flatMap((r) => relatedToInstall(controlPlaneOf(r), `remote cluster ${r.name}`)),
          fixes: located
            ? [replaceValueFix('Set externalIstiod to true', located, true)]
            : optionalFix(
                insertValueFix('Set values.global.externalIstiod: true', install.resource.doc, [...install.valuesPath, 'global', 'externalIstiod'], true),
              ),
        },
      ];
    });
  },
};

/** The remote's istio-system annotation tells the primary's istiod it is the control plane for that cluster. */
export const remoteControlPlaneAnnotation: MeshRule = {
  scope: 'mesh',
  code: 'MESH206',
  title: "A remote's istio-system does not name its primary in topology.istio.io/controlPlaneClusters",
  severity: 'warning',
  check(mesh) {
    return sortedClusters(mesh).flatMap((remote) => {
      const namespace = remote.istioSystemNamespace;
      if (remote.role !== 'remote' || !namespace) return [];
      const annotation = controlPlaneClustersOf(remote);
      if (annotation?.isPlaceholder) return [];
      const primaries = annotation ? [] : primariesOfRemote(mesh, remote, false).primaries;
      if (!annotation) {
        if (primaries.length === 0) return [];
        return [
          {
            code: 'MESH206',
            severity: 'warning' as const,
            message: `The istio-system namespace of remote cluster ${remote.name} has no ${CONTROL_PLANE_CLUSTERS_ANNOTATION} annotation; annotate it with "${primaries.map((p) => p.name).join(',')}", the cluster whose istiod controls it.`,
            location: namespace.location(['metadata', 'annotations'], 'key'),
            cluster: remote.name,
            related: primaries.flatMap((p) => relatedToInstall(controlPlaneOf(p), `primary cluster ${p.name}`)),
            fixes: optionalFix(
              insertValueFix(
                `Annotate with ${CONTROL_PLANE_CLUSTERS_ANNOTATION}=${primaries.map((p) => p.name).join(',')}`,
                namespace.doc,
                ['metadata', 'annotations', CONTROL_PLANE_CLUSTERS_ANNOTATION],
                primaries.map((p) => p.name).join(','),
              ),
            ),
          },
        ];
      }
      const names = splitClusterList(annotation.value);
      if (names.includes('*')) return [];
      const knownPrimaries = [...mesh.clusters.values()].filter((c) => c.role === 'primary');
      const wrong = names.filter((name) => !knownPrimaries.some((p) => p.name === name));
      if (wrong.length === 0 || knownPrimaries.length === 0) return [];
      return [
        {
          code: 'MESH206',
          severity: 'warning' as const,
          message: `${CONTROL_PLANE_CLUSTERS_ANNOTATION} of remote cluster ${remote.name} names ${wrong.map((w) => `"${w}"`).join(', ')}, which ${wrong.length > 1 ? 'are not primaries' : 'is not a primary'} of this mesh (primaries: ${knownPrimaries.map((p) => p.name).join(', ')}).`,
          location: annotation.location(),
          cluster: remote.name,
          related: knownPrimaries.flatMap((p) => relatedToInstall(controlPlaneOf(p), `primary cluster ${p.name}`)),
        },
      ];
    });
  },
};

export const DEPLOYMENT_MODEL_RULES: readonly MeshRule[] = [
  remoteWithoutControlPlaneAddress,
  istiodNotExposed,
  missingEastWestGateway,
  servicesNotExposed,
  primaryNotExternalIstiod,
  remoteControlPlaneAnnotation,
];
