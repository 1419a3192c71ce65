import { qualifiedName } from '../../resources/fields';
import { formatSelector, selectorMatches } from '../../resources/gateway';
import { isPlaceholder } from '../../resources/resource';
import { scopedRule, subjectsOfKind } from '../scoped';

/**
 * MESH403 (istioctl IST0101 for a Gateway selector). Only reported where the cluster's own files define
 * gateway deployments whose labels they say: without any, the deployments are simply not in the workspace
 * and the answer is unknown. A warning, not an error: a gateway installed by a Helm release outside these files is invisible.
 */
export const selectorMatchesNoGateway = scopedRule(
  { code: 'MESH403', title: 'Gateway selector matches no gateway deployment of its cluster', severity: 'warning' },
  (scope, index) => {
    // A gateway release whose name no file says could carry any `app`/`istio` label: never guess it.
    if (!scope.definesGatewayDeployments || scope.gatewayDeployments.some((d) => d.releaseNameUnknown)) return [];
    return subjectsOfKind(scope, 'Gateway').flatMap((resource) => {
      const gateway = index.gateway(resource);
      const selector = gateway.selector;
      if (Object.values(selector).some(isPlaceholder)) return [];
      if (scope.gatewayDeployments.some((d) => selectorMatches(selector, d.labels))) return [];
      const known = scope.gatewayDeployments.map((d) => `${d.name} (${formatSelector(d.labels)})`).join('; ');
      return [
        {
          location: resource.location(['spec', 'selector'], 'key'),
          message: `Gateway ${qualifiedName(resource)} selects ${formatSelector(selector)}, which matches no gateway deployment defined for this cluster (${known}): no gateway serves its servers`,
          related: scope.gatewayDeployments.flatMap((d) =>
            d.declaration ? [{ location: d.declaration.location(), message: `gateway deployment ${d.name}` }] : [],
          ),
        },
      ];
    });
  },
);
