import { resolveGateway } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { MESH_GATEWAY } from '../../resources/hosts';
import { matchGateways } from '../../resources/virtualService';
import { type ScopedIssue, scopedRule, subjectsOfKind } from '../scoped';

/** MESH402: a TLS route that matches a port its Gateway does not listen on never matches anything. */
export const tlsMatchPortNotOnGateway = scopedRule(
  { code: 'MESH402', title: 'VirtualService TLS match port is not a port of its Gateway', severity: 'error' },
  (scope, index) =>
    subjectsOfKind(scope, 'VirtualService').flatMap((resource) => {
      const vs = index.virtualService(resource);
      return vs.tlsRoutes.flatMap((route) =>
        route.matches.flatMap((match): ScopedIssue[] => {
          const port = match.port;
          if (!port) return [];
          return matchGateways(vs, match)
            .filter((ref) => ref.value !== MESH_GATEWAY && !ref.isPlaceholder)
            .flatMap((ref) => {
              const gateways = resolveGateway(scope, ref.value, vs.namespace);
              const servers = gateways.flatMap((g) => g.servers);
              const ports = servers.flatMap((s) => (s.port ? [s.port] : []));
              // An unknown gateway is MESH401's; servers without port numbers are a schema problem.
              if (!gateways.length || (servers.length && !ports.length)) return [];
              if (ports.some((p) => p.value === port.value)) return [];
              const listening = [...new Set(ports.map((p) => p.value))].sort((a, b) => a - b);
              return [
                {
                  location: port.location(),
                  message: `TLS match port ${port.value} of VirtualService ${qualifiedName(resource)} is not a port of Gateway ${ref.value} (${listening.length ? `it listens on ${listening.join(', ')}` : 'it has no servers'}): this route never matches`,
                  related: ports.map((p) => ({ location: p.location(), message: `Gateway port ${p.value}` })),
                },
              ];
            });
        }),
      );
    }),
);
