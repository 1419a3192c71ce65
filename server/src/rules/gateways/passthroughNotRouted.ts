import { resolveGateway, type RoutingScope } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { upper, type GatewayServer, type GatewayView } from '../../resources/gateway';
import { gatewayOffersHost, MESH_GATEWAY } from '../../resources/hosts';
import { type TlsRouteMatch, type VirtualServiceView } from '../../resources/virtualService';
import { scopedRule, subjectsOfKind } from '../scoped';

function bindsGateway(scope: RoutingScope, vs: VirtualServiceView, references: { value: string }[], gateway: GatewayView): boolean {
  return references.some((ref) => ref.value !== MESH_GATEWAY && resolveGateway(scope, ref.value, vs.namespace).includes(gateway));
}

function offersAHost(vs: VirtualServiceView, server: GatewayServer): boolean {
  return vs.hosts.some((host) => host.isPlaceholder || server.hosts.some((h) => h.written.isPlaceholder || gatewayOffersHost(h.parsed, host.value, vs.namespace)));
}

/** A TLS route routes the server when it is bound to the gateway and matches its port (or any port). */
function routesServer(scope: RoutingScope, vs: VirtualServiceView, gateway: GatewayView, server: GatewayServer): boolean {
  if (!offersAHost(vs, server)) return false;
  return vs.tlsRoutes.some((route) => {
    // A route without match entries applies to every connection on the VirtualService's gateways.
    const matches: Pick<TlsRouteMatch, 'port' | 'gateways'>[] = route.matches.length ? route.matches : [{ gateways: [] }];
    return matches.some(
      (match) =>
        (!match.port || !server.port || match.port.value === server.port.value) &&
        bindsGateway(scope, vs, match.gateways.length ? match.gateways : vs.gateways, gateway),
    );
  });
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
        .map((server) => ({
          location: server.tlsMode!.location(),
          message: `PASSTHROUGH server${server.port ? ` on port ${server.port.value}` : ''} of Gateway ${qualifiedName(resource)} has no VirtualService tls route bound to it: its connections go nowhere`,
        }));
    }),
);
