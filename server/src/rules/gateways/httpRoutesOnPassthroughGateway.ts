import { resolveGateway } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { type GatewayServer, isPassthrough, TLS_PROTOCOLS, upper } from '../../resources/gateway';
import { gatewayOffersHost, MESH_GATEWAY } from '../../resources/hosts';
import { childPath } from '../../resources/resource';
import { scopedRule, subjectsOfKind } from '../scoped';

/**
 * A server that hands TLS on undecrypted. Istio ignores the TLS mode of a plain HTTP server (MESH404 reports the
 * mode there), so its http routes do apply: only a TLS or HTTPS server passes through.
 */
function passesTlsThrough(server: GatewayServer): boolean {
  return isPassthrough(server) && (TLS_PROTOCOLS as readonly string[]).includes(upper(server.protocol) ?? '');
}

/**
 * MESH409: `http` routes bound only to Gateways whose servers for the VirtualService's hosts pass TLS through
 * (PASSTHROUGH, AUTO_PASSTHROUGH). The gateway never decrypts those connections, so it never sees an HTTP request:
 * the routes apply at no gateway. A gateway that does not exist is MESH401's, a host it does not offer MESH407's;
 * routes whose matches name their own gateways are left alone (they may bind elsewhere).
 */
export const httpRoutesOnPassthroughGateway = scopedRule(
  { code: 'MESH409', title: 'HTTP routes bound only to passthrough Gateway servers', severity: 'warning' },
  (scope, index) =>
    subjectsOfKind(scope, 'VirtualService').flatMap((resource) => {
      const http = resource.list(['spec', 'http']);
      if (!http.length || http.some(({ path }) => resource.list(childPath(path, 'match')).some((m) => m.item.gateways !== undefined))) return [];
      const vs = index.virtualService(resource);
      if (!vs.hosts.length || vs.hosts.some((h) => h.isPlaceholder)) return [];
      const gatewayRefs = vs.gateways.filter((ref) => ref.value !== MESH_GATEWAY);
      if (!gatewayRefs.length || gatewayRefs.some((ref) => ref.isPlaceholder)) return [];
      const serving = gatewayRefs.map((ref) => {
        const gateways = resolveGateway(scope, ref.value, vs.namespace);
        const servers = gateways.flatMap((g) =>
          g.servers.filter((s) =>
            s.hosts.some((h) => h.written.isPlaceholder || vs.hosts.some((host) => gatewayOffersHost(h.parsed, host.value, vs.namespace))),
          ),
        );
        return { ref, servers };
      });
      // Every gateway named must exist and offer a host; all the servers that do must pass TLS through.
      if (serving.some(({ servers }) => !servers.length || servers.some((s) => !passesTlsThrough(s)))) return [];
      const alsoMesh = vs.gateways.some((ref) => ref.value === MESH_GATEWAY);
      const names = gatewayRefs.map((ref) => ref.value).join(', ');
      return [
        {
          location: resource.location(['spec', 'http'], 'key'),
          message:
            `VirtualService ${qualifiedName(resource)} has http routes, but its Gateway ${names} only passes TLS through for its hosts ` +
            `(tls.mode ${[...new Set(serving.flatMap(({ servers }) => servers.map((s) => s.tlsMode!.value)))].join(', ')}): the gateway never decrypts those connections, so the http routes never apply there` +
            (alsoMesh ? '; they still apply to sidecars (the mesh gateway in its list)' : '') +
            '. Route the connections with tls routes (match sniHosts), or terminate TLS on the server (tls.mode SIMPLE or ISTIO_MUTUAL)',
          related: serving.flatMap(({ servers }) => servers.map((s) => ({ location: s.tlsMode!.location(), message: `tls.mode ${s.tlsMode!.value}` }))),
        },
      ];
    }),
);
