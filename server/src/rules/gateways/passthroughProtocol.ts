import { qualifiedName } from '../../resources/fields';
import { isPassthrough, TLS_PROTOCOLS, upper } from '../../resources/gateway';
import { type ScopedIssue, scopedRule, subjectsOfKind } from '../scoped';

/**
 * MESH404: a passthrough server forwards by the TLS SNI, which only a TLS (or HTTPS) port reads; on an
 * HTTP or TCP port the mode is rejected or the traffic is handled as plain text.
 */
export const passthroughOnNonTlsPort = scopedRule(
  { code: 'MESH404', title: 'PASSTHROUGH or AUTO_PASSTHROUGH on a port whose protocol is not TLS', severity: 'error' },
  (scope, index) =>
    subjectsOfKind(scope, 'Gateway').flatMap((resource) =>
      index.gateway(resource).servers.flatMap((server): ScopedIssue[] => {
        const protocol = server.protocol;
        if (!isPassthrough(server) || !protocol || protocol.isPlaceholder) return [];
        if ((TLS_PROTOCOLS as readonly string[]).includes(upper(protocol)!)) return [];
        return [
          {
            location: protocol.location(),
            message: `Gateway ${qualifiedName(resource)} uses tls.mode ${server.tlsMode!.value} on a ${protocol.value} port${server.port ? ` (${server.port.value})` : ''}: passthrough needs protocol TLS`,
            related: [{ location: server.tlsMode!.location(), message: `tls.mode ${server.tlsMode!.value}` }],
          },
        ];
      }),
    ),
);
