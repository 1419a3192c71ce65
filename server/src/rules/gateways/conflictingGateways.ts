import { qualifiedName } from '../../resources/fields';
import { formatSelector, selectorsOverlap, type GatewayServer } from '../../resources/gateway';
import { hostsOverlap } from '../../resources/hosts';
import { scopedRule, subjectsOfKind, type ScopedIssue } from '../scoped';

function sharesAHost(a: GatewayServer, b: GatewayServer): boolean {
  return a.hosts.some((x) => b.hosts.some((y) => hostsOverlap(x.parsed.host, y.parsed.host)));
}

/**
 * MESH408 (istioctl IST0145): two Gateways on the same workload (selectors of which one contains the
 * other), with servers on the same port and overlapping hosts. Envoy gets two listeners' worth of
 * configuration for one port and keeps only one, so which routes win is arbitrary.
 */
export const conflictingGateways = scopedRule(
  { code: 'MESH408', title: 'Gateways conflict: same workload, same port, overlapping hosts', severity: 'error' },
  (scope, index) => {
    const peers = scope.peers.filter((r) => r.kind === 'Gateway').map((r) => index.gateway(r));
    return subjectsOfKind(scope, 'Gateway').flatMap((resource) => {
      const gateway = index.gateway(resource);
      const others = peers.filter((p) => p.resource !== resource && selectorsOverlap(p.selector, gateway.selector));
      return gateway.servers.flatMap((server): ScopedIssue[] => {
        const port = server.port;
        if (!port || port.isPlaceholder) return [];
        const clashes = others.flatMap((other) =>
          other.servers.filter((s) => s.port?.value === port.value && sharesAHost(server, s)).map((s) => ({ other, port: s.port! })),
        );
        if (!clashes.length) return [];
        const names = [...new Set(clashes.map((c) => qualifiedName(c.other.resource)))].sort();
        return [{
          location: port.location(),
          message: `Gateway ${qualifiedName(resource)} conflicts with ${names.join(', ')}: same workload (${formatSelector(gateway.selector)}), port ${port.value}, overlapping hosts (${server.hosts.map((h) => h.written.value).join(', ')})`,
          related: clashes.map((c) => ({ location: c.port.location(), message: `port ${c.port.value} of Gateway ${qualifiedName(c.other.resource)}` })),
        }];
      });
    });
  },
);
