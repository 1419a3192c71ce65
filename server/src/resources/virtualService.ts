import type { ValuePath } from '../parse/yamlFile';
import { locatedNumber, locatedStrings, objectNamespace } from './fields';
import { childPath, type Located, type Resource } from './resource';

export interface TlsRouteMatch {
  path: ValuePath;
  port?: Located<number>;
  /** Gateways this match is limited to; empty means the VirtualService's own `gateways`. */
  gateways: Located<string>[];
  sniHosts: Located<string>[];
}

export interface TlsRoute {
  path: ValuePath;
  /** A route without `match` entries matches every TLS connection of its gateways. */
  matches: TlsRouteMatch[];
}

/** A VirtualService reduced to its gateway bindings, hosts and TLS routes. */
export interface VirtualServiceView {
  resource: Resource;
  namespace: string;
  hosts: Located<string>[];
  /** `spec.gateways`; empty means the reserved `mesh` gateway only. */
  gateways: Located<string>[];
  tlsRoutes: TlsRoute[];
  /** Every gateway name the VirtualService writes: `spec.gateways` and the `gateways` of http/tls/tcp matches. */
  gatewayReferences: Located<string>[];
}

const ROUTE_KINDS = ['http', 'tls', 'tcp'] as const;

export function readVirtualService(resource: Resource): VirtualServiceView {
  const tlsRoutes = resource.list(['spec', 'tls']).map(({ path }): TlsRoute => ({
    path,
    matches: resource.list(childPath(path, 'match')).map(({ path: matchPath }) => ({
      path: matchPath,
      port: locatedNumber(resource, childPath(matchPath, 'port')),
      gateways: locatedStrings(resource, childPath(matchPath, 'gateways')),
      sniHosts: locatedStrings(resource, childPath(matchPath, 'sniHosts')),
    })),
  }));
  const gateways = locatedStrings(resource, ['spec', 'gateways']);
  const matchGatewayReferences = ROUTE_KINDS.flatMap((kind) =>
    resource
      .list(['spec', kind])
      .flatMap(({ path }) => resource.list(childPath(path, 'match')).flatMap((match) => locatedStrings(resource, childPath(match.path, 'gateways')))),
  );
  return {
    resource,
    namespace: objectNamespace(resource),
    hosts: locatedStrings(resource, ['spec', 'hosts']),
    gateways,
    tlsRoutes,
    gatewayReferences: gateways.concat(matchGatewayReferences),
  };
}

/** The gateway names a TLS match applies to: its own `gateways`, else the VirtualService's. */
export function matchGateways(view: VirtualServiceView, match: TlsRouteMatch): Located<string>[] {
  return match.gateways.length ? match.gateways : view.gateways;
}
