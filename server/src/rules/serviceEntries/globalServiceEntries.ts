import type { MeshModel } from '../../mesh/model';
import type { RoutingIndex, RoutingScope } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { allocatesServiceEntryAddresses, EAST_WEST_PORTS, type InstallConfig } from '../../resources/installConfig';
import { isGlobalHost, type ServiceEntryView } from '../../resources/serviceEntry';
import { isOtherObjectBeside, type ScopedIssue, scopedRule, subjectsOfKind } from '../scoped';

function serviceEntries(scope: RoutingScope, index: RoutingIndex): ServiceEntryView[] {
  return subjectsOfKind(scope, 'ServiceEntry').map((r) => index.serviceEntry(r));
}

function globalHosts(entry: ServiceEntryView) {
  return entry.hosts.filter((h) => !h.isPlaceholder && isGlobalHost(h.value));
}

/**
 * The control planes whose mesh config the scope's proxies run with: the cluster's own, else (a cluster
 * without one in the workspace, or the unassigned files) every control plane of the mesh.
 */
function controlPlanesOf(scope: RoutingScope, mesh: MeshModel): InstallConfig[] {
  const own = scope.cluster === undefined ? [] : (mesh.clusters.get(scope.cluster)?.controlPlanes ?? []);
  return own.length ? own : mesh.installs.filter((install) => install.installsControlPlane);
}

/**
 * MESH501: in the multi-control-plane model a `*.global` name is resolved by istiocoredns to the entry's
 * address; without one the sidecar has no VIP to capture and the call never leaves the pod as mesh traffic.
 * With DNS proxying and auto allocation the proxy gives the host an address itself: nothing is missing.
 */
export const globalHostWithoutAddress = scopedRule(
  { code: 'MESH501', title: 'A *.global ServiceEntry host without a VIP in addresses', severity: 'warning' },
  (scope, index, mesh) => {
    if (controlPlanesOf(scope, mesh).some(allocatesServiceEntryAddresses)) return [];
    return serviceEntries(scope, index).flatMap((entry): ScopedIssue[] => {
      const hosts = globalHosts(entry);
      if (!hosts.length || entry.addresses.length) return [];
      return [
        {
          location: hosts[0].location(),
          message: `ServiceEntry ${qualifiedName(entry.resource)} declares ${hosts.map((h) => h.value).join(', ')} without addresses: a *.global host needs a VIP (e.g. from 240.0.0.0/4) for sidecars to capture its traffic, unless DNS proxying allocates one (ISTIO_META_DNS_CAPTURE and ISTIO_META_DNS_AUTO_ALLOCATE in meshConfig.defaultConfig.proxyMetadata)`,
        },
      ];
    });
  },
  // A cluster without a control plane of its own reads the mesh's.
  (mesh) => mesh.installs,
);

/** MESH502: two entries with one VIP in one cluster; the sidecar's listener for it serves only one of them. */
export const duplicateServiceEntryAddress = scopedRule(
  { code: 'MESH502', title: 'A ServiceEntry VIP used by two ServiceEntries in one cluster', severity: 'error' },
  (scope, index) => {
    const peers = scope.peers.filter((r) => r.kind === 'ServiceEntry').map((r) => index.serviceEntry(r));
    return serviceEntries(scope, index).flatMap((entry) =>
      entry.addresses
        .filter((address, i) => !address.isPlaceholder && entry.addresses.findIndex((a) => a.value === address.value) === i)
        .flatMap((address): ScopedIssue[] => {
          const others = peers.flatMap((p) =>
            !isOtherObjectBeside(scope, entry.resource, p.resource) ? [] : p.addresses.filter((a) => a.value === address.value).map((a) => ({ peer: p, a })),
          );
          if (!others.length) return [];
          return [
            {
              location: address.location(),
              message: `Address ${address.value} of ServiceEntry ${qualifiedName(entry.resource)} is also used by ${[...new Set(others.map((o) => qualifiedName(o.peer.resource)))].join(', ')}: each ServiceEntry needs its own VIP`,
              related: others.map((o) => ({ location: o.a.location(), message: `address of ServiceEntry ${qualifiedName(o.peer.resource)}` })),
            },
          ];
        }),
    );
  },
);

/**
 * MESH503: the endpoints of a remote `*.global` service are the remote cluster's gateway, which accepts
 * mesh traffic for other clusters on its AUTO_PASSTHROUGH port 15443 only.
 */
export const globalEndpointNotOnGatewayPort = scopedRule(
  { code: 'MESH503', title: 'An endpoint of a remote *.global service is not on the remote gateway port 15443', severity: 'warning' },
  (scope, index) =>
    serviceEntries(scope, index).flatMap((entry) => {
      const expected = EAST_WEST_PORTS.crossNetwork;
      if (!globalHosts(entry).length || entry.resource.string(['spec', 'location']) === 'MESH_EXTERNAL') return [];
      const name = qualifiedName(entry.resource);
      return entry.endpoints.flatMap((endpoint): ScopedIssue[] => {
        const where = endpoint.address && !endpoint.address.isPlaceholder ? ` (${endpoint.address.value})` : '';
        if (endpoint.ports.length) {
          return endpoint.ports
            .filter(({ port }) => !port.isPlaceholder && port.value !== expected)
            .map(({ name: portName, port }) => ({
              location: port.location(),
              message: `Endpoint${where} of ServiceEntry ${name} receives port ${portName} on ${port.value}; the remote gateway accepts cross-cluster traffic on ${expected}`,
            }));
        }
        const entryPorts = entry.ports.filter((p) => p.value !== expected);
        if (!entryPorts.length) return [];
        return [
          {
            location: endpoint.address?.location() ?? entry.resource.location([...endpoint.path]),
            message: `Endpoint${where} of ServiceEntry ${name} has no ports mapping, so it receives ${entryPorts.map((p) => p.value).join(', ')}; map the ports to the remote gateway's ${expected}`,
          },
        ];
      });
    }),
);
