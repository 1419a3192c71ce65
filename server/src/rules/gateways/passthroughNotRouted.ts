import { resolveGateway, type RoutingScope } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { type GatewayServer, type GatewayView, upper } from '../../resources/gateway';
import { gatewayOffersHost, MESH_GATEWAY } from '../../resources/hosts';
import type { Located } from '../../resources/resource';
import { type TlsRouteMatch, type VirtualServiceView } from '../../resources/virtualService';
import { passthroughPortUnrouted } from '../facts';
import { scopedRule, subjectsOfKind } from '../scoped';
import { missingGatewayFact, unresolvedGatewayReferences } from './gatewayNotFound';

/** The gateway references through which a VirtualService's TLS routes would route `server` (host and port match). */
function referencesRouting(vs: VirtualServiceView, server: GatewayServer): Located<string>[] {
  if (!offersAHost(vs, server)) return [];
  return vs.tlsRoutes.flatMap((route) => {
    // A route without match entries applies to every connection on the VirtualService's gateways.
    const matches: Pick<TlsRouteMatch, 'port' | 'gateways'>[] = route.matches.length ? route.matches : [{ gateways: [] }];
    return matches
      .filter((match) => !match.port || !server.port || match.port.value === server.port.value)
      .flatMap((match) => (match.gateways.length ? match.gateways : vs.gateways));
  });
}

function offersAHost(vs: VirtualServiceView, server: GatewayServer): boolean {
  return vs.hosts.some(
    (host) => host.isPlaceholder || server.hosts.some((h) => h.written.isPlaceholder || gatewayOffersHost(h.parsed, host.value, vs.namespace)),
  );
}

/** A TLS route routes the server when it is bound to the gateway and matches its port (or any port). */
function routesServer(scope: RoutingScope, vs: VirtualServiceView, gateway: GatewayView, server: GatewayServer): boolean {
  return referencesRouting(vs, server).some((ref) => ref.value !== MESH_GATEWAY && resolveGateway(scope, ref.value, vs.namespace).includes(gateway));
}

/**
 * What an unrouted server follows from: nothing routing its port (as MESH202 says of istiod's), or a
 * VirtualService that would route it but is bound to a Gateway that does not exist (MESH401).
 */
function causesOfUnrouted(scope: RoutingScope, gateway: GatewayView, server: GatewayServer): string[] {
  const missingGateways = scope.virtualServices.flatMap((vs) =>
    unresolvedGatewayReferences(scope, vs, referencesRouting(vs, server)).map((ref) => missingGatewayFact(scope, vs, ref)),
  );
  const unrouted = server.port ? [passthroughPortUnrouted(scope.cluster, qualifiedName(gateway.resource), server.port.value)] : [];
  return [...new Set([...unrouted, ...missingGateways])];
}

/**
 * MESH406: a PASSTHROUGH server forwards only what a VirtualService `tls` route sends somewhere; without
 * one, connections to that port are reset. (AUTO_PASSTHROUGH needs no route: the SNI names the destination.)
 */
export const passthroughNotRouted = scopedRule(
  { code: 'MESH406', title: 'PASSTHROUGH server that no VirtualService TLS route routes', severity: 'warning' },
  (scope, index) =>
    subjectsOfKind(scope, 'Gateway').flatMap((resource) => {
      const gateway = index.gateway(resource);
      return gateway.servers
        .filter((server) => upper(server.tlsMode) === 'PASSTHROUGH')
        .filter((server) => !scope.virtualServices.some((vs) => routesServer(scope, vs, gateway, server)))
        .map((server) => {
          const described = `PASSTHROUGH server${server.port ? ` on port ${server.port.value}` : ''} of Gateway ${qualifiedName(resource)}`;
          return {
            location: server.tlsMode!.location(),
            message: `${described} has no VirtualService tls route bound to it: its connections go nowhere`,
            explainedBy: causesOfUnrouted(scope, gateway, server),
            consequence: `the ${described} routes nowhere`,
          };
        });
    }),
);
