import { clustersOfResource, type MeshModel } from '../../mesh/model';
import { NETWORK_LABEL } from '../../resources/installConfig';
import { EAST_WEST_GATEWAY_CLASS, KUBERNETES_GATEWAY_KIND } from '../../resources/installSources';
import type { Resource } from '../../resources/resource';
import type { Finding } from '../finding';
import { insertValueFix, replaceValueFix } from '../fixes';
import type { MeshRule } from '../rule';

const HBONE_PORT = 15008;
/** Classes people pick by mistake for the east-west gateway: the waypoint's and the ingress gateway's. */
const MISTAKEN_CLASSES: Record<string, string> = {
  'istio-waypoint': 'a waypoint (it serves the traffic of its own namespace or service)',
  istio: 'an ingress gateway',
};

function listensForHbone(resource: Resource): boolean {
  return resource.list(['spec', 'listeners']).some(({ item }) => String(item.protocol).toUpperCase() === 'HBONE' || Number(item.port) === HBONE_PORT);
}

/** The network of the one cluster the Gateway belongs to, for the label fix. */
function networkOf(mesh: MeshModel, resource: Resource): string | undefined {
  const clusters = clustersOfResource(mesh, resource);
  return clusters.length === 1 ? mesh.clusters.get(clusters[0])?.network : undefined;
}

/**
 * MESH410: the ambient east-west gateway is a Gateway API `Gateway` of class `istio-east-west`, labelled with its
 * network, listening for HBONE on 15008. One that listens for HBONE and says it is the east-west gateway (its
 * network label, or its name) but is of the waypoint's or the ingress gateway's class is deployed and programmed as
 * that, not as a cross-network entry; one of the right class without the network label serves no network.
 */
export const ambientEastWestGatewayClass: MeshRule = {
  scope: 'mesh',
  code: 'MESH410',
  title: 'An ambient east-west gateway of the wrong class or without its network',
  severity: 'error',
  check(mesh) {
    const findings: Finding[] = [];
    for (const resource of mesh.resources) {
      if (resource.kind !== KUBERNETES_GATEWAY_KIND || !listensForHbone(resource)) continue;
      const gatewayClass = resource.locatedString(['spec', 'gatewayClassName']);
      if (!gatewayClass || gatewayClass.isPlaceholder) continue;
      const name = resource.name ?? '(unnamed)';
      const network = resource.labels()[NETWORK_LABEL];
      const mistaken = MISTAKEN_CLASSES[gatewayClass.value];
      if (mistaken && (network !== undefined || /east-?west/i.test(name))) {
        findings.push({
          code: ambientEastWestGatewayClass.code,
          severity: ambientEastWestGatewayClass.severity,
          message: `Gateway ${name} listens for HBONE as the east-west gateway${network !== undefined ? ` of network ${network}` : ''}, but its class is \`${gatewayClass.value}\`, which makes it ${mistaken}: istiod neither deploys nor programs it as the entry for other networks, so cross-network traffic has nowhere to go. Use gatewayClassName \`${EAST_WEST_GATEWAY_CLASS}\`.`,
          location: gatewayClass.location(),
          fixes: [replaceValueFix(`Change gatewayClassName to ${EAST_WEST_GATEWAY_CLASS}`, gatewayClass, EAST_WEST_GATEWAY_CLASS)],
        });
      } else if (gatewayClass.value === EAST_WEST_GATEWAY_CLASS && network === undefined) {
        const clusterNetwork = networkOf(mesh, resource);
        const fix = clusterNetwork
          ? insertValueFix(`Label it ${NETWORK_LABEL}: ${clusterNetwork}`, resource.doc, ['metadata', 'labels', NETWORK_LABEL], clusterNetwork)
          : undefined;
        findings.push({
          code: ambientEastWestGatewayClass.code,
          severity: ambientEastWestGatewayClass.severity,
          message: `East-west Gateway ${name} (class ${EAST_WEST_GATEWAY_CLASS}) has no \`${NETWORK_LABEL}\` label: istiod does not know which network it is the gateway of, so no other network's traffic is sent to it. Label it with its cluster's network${clusterNetwork ? ` (${clusterNetwork})` : ''}.`,
          location: resource.location(['metadata', 'name']),
          ...(fix ? { fixes: [fix] } : {}),
        });
      }
    }
    return findings;
  },
};
