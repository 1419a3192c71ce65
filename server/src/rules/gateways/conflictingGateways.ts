import { qualifiedName } from '../../resources/fields';
import { formatSelector, type GatewayServer, selectorsOverlap } from '../../resources/gateway';
import { isOtherObjectBeside, type ScopedIssue, scopedRule, subjectsOfKind } from '../scoped';

/**
 * The hosts two servers both list, as written, when they bind the same address. Istio merges the servers of
 * one port and drops a server whose host another already has (the same string: `*.example.com` and
 * `b.example.com` are two filter chains, the more specific wins); istioctl compares them the same way.
 */
function sharedHosts(a: GatewayServer, b: GatewayServer): string[] {
  if ((a.bind?.value ?? '') !== (b.bind?.value ?? '')) return [];
  const theirs = new Set(b.hosts.map((h) => h.written.value));
  return a.hosts.map((h) => h.written.value).filter((host) => theirs.has(host));
}

/**
 * MESH408 (istioctl IST0145): two Gateways on the same workload (selectors of which one contains the
 * other), with servers on the same port and a host in common. Envoy gets two listeners' worth of
 * configuration for one port and keeps only one, so which routes win is arbitrary. Two definitions of one
 * object (same kind, namespace and name) are not two Gateways: the one applied last replaces the other. Files
 * no cluster claims are compared only with their own folder's.
 */
export const conflictingGateways = scopedRule(
  { code: 'MESH408', title: 'Gateways conflict: same workload, same port, same host', severity: 'error' },
  (scope, index) => {
    const peers = scope.peers.filter((r) => r.kind === 'Gateway').map((r) => index.gateway(r));
    return subjectsOfKind(scope, 'Gateway').flatMap((resource) => {
      const gateway = index.gateway(resource);
      const others = peers.filter((p) => isOtherObjectBeside(scope, resource, p.resource) && selectorsOverlap(p.selector, gateway.selector));
      return gateway.servers.flatMap((server): ScopedIssue[] => {
        const port = server.port;
        if (!port || port.isPlaceholder) return [];
        const clashes = others.flatMap((other) =>
          other.servers.filter((s) => s.port?.value === port.value && sharedHosts(server, s).length).map((s) => ({ other, server: s, port: s.port! })),
        );
        if (!clashes.length) return [];
        const names = [...new Set(clashes.map((c) => qualifiedName(c.other.resource)))].sort();
        const hosts = [...new Set(clashes.flatMap((c) => sharedHosts(server, c.server)))];
        return [
          {
            location: port.location(),
            message: `Gateway ${qualifiedName(resource)} conflicts with ${names.join(', ')}: same workload (${formatSelector(gateway.selector)}), port ${port.value}, same hosts (${hosts.join(', ')})`,
            related: clashes.map((c) => ({ location: c.port.location(), message: `port ${c.port.value} of Gateway ${qualifiedName(c.other.resource)}` })),
          },
        ];
      });
    });
  },
);
