import type { MeshModel } from '../../mesh/model';
import type { GatewayWorkload, MeshNetworkGateway, RoutingIndex, RoutingScope } from '../../mesh/routingIndex';
import { resourcesOfKind } from '../../mesh/selection';
import { qualifiedName } from '../../resources/fields';
import { type GatewayServer, type GatewayView, selectorMatches, upper } from '../../resources/gateway';
import { EAST_WEST_PORTS, NETWORK_LABEL } from '../../resources/installConfig';
import type { Located } from '../../resources/resource';
import type { RelatedInformation } from '../finding';
import { type ScopedIssue, scopedRule, subjectsOfKind } from '../scoped';

interface AutoPassthroughServer {
  gateway: GatewayView;
  server: GatewayServer;
  port: Located<number>;
}

function autoPassthroughServers(gateways: GatewayView[]): AutoPassthroughServer[] {
  return gateways.flatMap((gateway) =>
    gateway.servers.flatMap((server) => (upper(server.tlsMode) === 'AUTO_PASSTHROUGH' && server.port ? [{ gateway, server, port: server.port }] : [])),
  );
}

/** A service port, or the container port it forwards to: a Gateway server may name either. */
function exposes(workload: GatewayWorkload, port: number): boolean {
  return workload.ports.some((p) => p.port === port || p.targetPort === port);
}

function portList(workload: GatewayWorkload): string {
  return workload.ports.map((p) => p.port).join(', ');
}

/**
 * One issue for a port, whatever disagrees with it: a hover on the port shows one MESH405 that says every reason
 * (`prefix, but A, and B`), with the places of all of them.
 */
function portIssue(port: Located<number>, prefix: string, reasons: { clause: string; related: RelatedInformation[] }[]): ScopedIssue[] {
  if (reasons.length === 0) return [];
  return [{ location: port.location(), message: `${prefix}, but ${reasons.map((r) => r.clause).join(', and ')}`, related: reasons.flatMap((r) => r.related) }];
}

/** The AUTO_PASSTHROUGH server's port against the ports other networks are told to use and the gateway service's ports. */
function checkServer(scope: RoutingScope, networkGateways: MeshNetworkGateway[], { gateway, port }: AutoPassthroughServer): ScopedIssue[] {
  if (port.isPlaceholder) return [];
  const reasons: { clause: string; related: RelatedInformation[] }[] = [];
  const name = qualifiedName(gateway.resource);
  if (port.value !== EAST_WEST_PORTS.crossNetwork && !networkGateways.some((g) => g.port.value === port.value)) {
    reasons.push({
      clause: `other networks send cross-network traffic to ${EAST_WEST_PORTS.crossNetwork} unless values.global.meshNetworks names another gateway port`,
      related: networkGateways.map((g) => ({ location: g.port.location(), message: `meshNetworks ${g.network} gateway port ${g.port.value}` })),
    });
  }
  const selected = scope.gatewayDeployments.filter((w) => w.ports.length && selectorMatches(gateway.selector, w.labels));
  const missing = selected.filter((w) => !exposes(w, port.value));
  if (selected.length && missing.length === selected.length) {
    reasons.push({
      clause: `the service of ${missing.map((w) => `${w.name} (ports ${portList(w)})`).join(', ')} does not expose it: cross-network traffic cannot reach it`,
      related: missing.flatMap((w) => (w.declaration ? [{ location: w.declaration.location(), message: `gateway deployment ${w.name}` }] : [])),
    });
  }
  return portIssue(port, `AUTO_PASSTHROUGH server of Gateway ${name} listens on ${port.value}`, reasons);
}

/** A meshNetworks gateway port against the AUTO_PASSTHROUGH servers and the network's east-west gateway services. */
function checkMeshNetworkPort(scope: RoutingScope, servers: AutoPassthroughServer[], entry: MeshNetworkGateway): ScopedIssue[] {
  if (entry.port.isPlaceholder) return [];
  const reasons: { clause: string; related: RelatedInformation[] }[] = [];
  if (servers.length && !servers.some((s) => s.port.value === entry.port.value)) {
    reasons.push({
      clause: `the AUTO_PASSTHROUGH Gateway servers listen on ${[...new Set(servers.map((s) => s.port.value))].join(', ')}`,
      related: servers.map((s) => ({ location: s.port.location(), message: `AUTO_PASSTHROUGH server of Gateway ${qualifiedName(s.gateway.resource)}` })),
    });
  }
  const networkWorkloads = scope.gatewayDeployments.filter((w) => w.labels[NETWORK_LABEL] === entry.network && w.ports.length);
  if (networkWorkloads.length && !networkWorkloads.some((w) => exposes(w, entry.port.value))) {
    reasons.push({
      clause: `the east-west gateway service of that network does not expose it (${networkWorkloads.map((w) => `${w.name}: ${portList(w)}`).join('; ')})`,
      related: networkWorkloads.flatMap((w) => (w.declaration ? [{ location: w.declaration.location(), message: `gateway deployment ${w.name}` }] : [])),
    });
  }
  return portIssue(entry.port, `meshNetworks sends traffic for network ${entry.network} to gateway port ${entry.port.value}`, reasons);
}

function allGateways(mesh: MeshModel, index: RoutingIndex): GatewayView[] {
  return resourcesOfKind(mesh, 'Gateway').map((r) => index.gateway(r));
}

/**
 * MESH405: cross-network traffic reaches a network through its east-west gateway on 15443 unless
 * `values.global.meshNetworks` says otherwise; the AUTO_PASSTHROUGH Gateway and the gateway's Service must
 * agree with that port.
 */
export const crossNetworkPortMismatch = scopedRule(
  { code: 'MESH405', title: 'Cross-network gateway port disagrees between meshNetworks, the Gateway and the gateway service', severity: 'warning' },
  (scope, index, mesh) => {
    const subjects = new Set(scope.subjects);
    const ownServers = autoPassthroughServers(subjectsOfKind(scope, 'Gateway').map((r) => index.gateway(r)));
    const meshServers = autoPassthroughServers(allGateways(mesh, index));
    return [
      ...ownServers.flatMap((server) => checkServer(scope, index.meshNetworkGateways, server)),
      ...index.meshNetworkGateways.filter((g) => subjects.has(g.install)).flatMap((entry) => checkMeshNetworkPort(scope, meshServers, entry)),
    ];
  },
  (mesh) => resourcesOfKind(mesh, 'Gateway'),
);
