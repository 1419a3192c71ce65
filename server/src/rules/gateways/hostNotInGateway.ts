import { resolveGateway } from '../../mesh/routingIndex';
import { qualifiedName } from '../../resources/fields';
import { gatewayOffersHost, MESH_GATEWAY } from '../../resources/hosts';
import { scopedRule, subjectsOfKind } from '../scoped';

/**
 * MESH407 (istioctl IST0132): a VirtualService bound to a Gateway must share at least one host with it,
 * taking the Gateway hosts' namespace prefixes into account. As istioctl does, one finding per gateway
 * when none of the VirtualService's hosts is offered; a gateway that does not exist is MESH401's.
 */
export const hostNotInGateway = scopedRule({ code: 'MESH407', title: 'VirtualService host not offered by its Gateway', severity: 'warning' }, (scope, index) =>
  subjectsOfKind(scope, 'VirtualService').flatMap((resource) => {
    const vs = index.virtualService(resource);
    if (!vs.hosts.length || vs.hosts.some((h) => h.isPlaceholder)) return [];
    return vs.gateways
      .filter((ref) => ref.value !== MESH_GATEWAY && !ref.isPlaceholder)
      .flatMap((ref) => {
        const gateways = resolveGateway(scope, ref.value, vs.namespace);
        const hosts = gateways.flatMap((g) => g.servers.flatMap((s) => s.hosts));
        if (!gateways.length || hosts.some((h) => h.written.isPlaceholder)) return [];
        if (hosts.some((h) => vs.hosts.some((host) => gatewayOffersHost(h.parsed, host.value, vs.namespace)))) return [];
        return [
          {
            location: ref.location(),
            message: `None of the hosts of VirtualService ${qualifiedName(resource)} (${vs.hosts.map((h) => h.value).join(', ')}) is offered to namespace ${vs.namespace} by Gateway ${ref.value}${hosts.length ? ` (hosts ${hosts.map((h) => h.written.value).join(', ')})` : ', which has no hosts'}`,
            related: hosts.map((h) => ({ location: h.written.location(), message: `Gateway host ${h.written.value}` })),
          },
        ];
      });
  }),
);
