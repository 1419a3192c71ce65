import { dirname, join } from 'node:path';
import { EAST_WEST_PORTS, NETWORK_LABEL } from '../resources/installConfig';
import type { Fix, FileCreation } from '../rules/finding';
import type { InstallConfig } from '../resources/installConfig';
import { yamlScalar } from '../rules/fixes';

/**
 * Generators of the resources a multicluster mesh needs around its east-west gateway, written as the docs lay
 * them out (the east-west gateway IstioOperator of `gen-eastwest-gateway.sh`, expose-istiod and
 * expose-services). Each file starts with a cluster comment so Istio Mesh assigns it to its cluster.
 */

const EAST_WEST_SELECTOR = { istio: 'eastwestgateway' };

function header(cluster: string, what: string, apply: string): string {
  return `# istio-mesh: cluster=${cluster}\n# ${what}\n# ${apply}\n`;
}

function selectorLines(selector: Record<string, string>, indent: string): string {
  return Object.entries(selector).map(([key, value]) => `${indent}${key}: ${yamlScalar(value)}\n`).join('');
}

export function eastWestGatewayOperator(cluster: string, network: string): string {
  const net = yamlScalar(network);
  return `${header(cluster, `East-west gateway of ${cluster} (network ${network}).`, `Install with: istioctl install -y -f <this file> --context <${cluster}'s context>`)}apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: eastwest
spec:
  revision: ""
  profile: empty
  components:
    ingressGateways:
      - name: istio-eastwestgateway
        label:
          istio: eastwestgateway
          app: istio-eastwestgateway
          ${NETWORK_LABEL}: ${net}
        enabled: true
        k8s:
          env:
            # keeps traffic that arrives through this gateway inside its network
            - name: ISTIO_META_REQUESTED_NETWORK_VIEW
              value: ${net}
          service:
            ports:
              - name: status-port
                port: ${EAST_WEST_PORTS.status}
                targetPort: ${EAST_WEST_PORTS.status}
              - name: tls
                port: ${EAST_WEST_PORTS.crossNetwork}
                targetPort: ${EAST_WEST_PORTS.crossNetwork}
              - name: tls-istiod
                port: ${EAST_WEST_PORTS.istiod}
                targetPort: ${EAST_WEST_PORTS.istiod}
              - name: tls-webhook
                port: ${EAST_WEST_PORTS.webhook}
                targetPort: ${EAST_WEST_PORTS.webhook}
  values:
    gateways:
      istio-ingressgateway:
        injectionTemplate: gateway
    global:
      network: ${net}
`;
}

export function exposeServicesGateway(cluster: string, namespace: string, selector: Record<string, string> = EAST_WEST_SELECTOR): string {
  return `${header(cluster, 'Exposes the services of this network to other networks through the east-west gateway.', `Apply with: kubectl apply -n ${namespace} -f <this file> --context <${cluster}'s context>`)}apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: cross-network-gateway
  namespace: ${namespace}
spec:
  selector:
${selectorLines(selector, '    ')}  servers:
    - port:
        number: ${EAST_WEST_PORTS.crossNetwork}
        name: tls
        protocol: TLS
      tls:
        mode: AUTO_PASSTHROUGH
      hosts:
        - "*.local"
`;
}

export function exposeIstiod(cluster: string, namespace: string, selector: Record<string, string> = EAST_WEST_SELECTOR): string {
  const istiod = `istiod.${namespace}.svc.cluster.local`;
  return `${header(cluster, "Exposes istiod to remote clusters through the east-west gateway.", `Apply with: kubectl apply -n ${namespace} -f <this file> --context <${cluster}'s context>`)}apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istiod-gateway
  namespace: ${namespace}
spec:
  selector:
${selectorLines(selector, '    ')}  servers:
    - port:
        name: tls-istiod
        number: ${EAST_WEST_PORTS.istiod}
        protocol: TLS
      tls:
        mode: PASSTHROUGH
      hosts:
        - "*"
    - port:
        name: tls-istiodwebhook
        number: ${EAST_WEST_PORTS.webhook}
        protocol: TLS
      tls:
        mode: PASSTHROUGH
      hosts:
        - "*"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: istiod-vs
  namespace: ${namespace}
spec:
  hosts:
    - "*"
  gateways:
    - istiod-gateway
  tls:
    - match:
        - port: ${EAST_WEST_PORTS.istiod}
          sniHosts:
            - "*"
      route:
        - destination:
            host: ${istiod}
            port:
              number: ${EAST_WEST_PORTS.istiod}
    - match:
        - port: ${EAST_WEST_PORTS.webhook}
          sniHosts:
            - "*"
      route:
        - destination:
            host: ${istiod}
            port:
              number: 443
`;
}

/** A new file beside `nextTo`, named after the cluster: `cluster2-eastwest-gateway.yaml`. */
export function generatedFile(nextTo: string, cluster: string, suffix: string, content: string): FileCreation {
  return { createFile: join(dirname(nextTo), `${cluster}-${suffix}.yaml`), content };
}

/** The east-west gateway as values of the `istio/gateway` chart, for a cluster installed with Helm. */
export function eastWestGatewayHelmValues(cluster: string, network: string): string {
  return `# istio-mesh: cluster=${cluster} chart=gateway
# East-west gateway of ${cluster} (network ${network}), as values of the istio/gateway chart.
# Install with: helm upgrade --install istio-eastwestgateway istio/gateway -n istio-system -f <this file> --kube-context <${cluster}'s context>
name: istio-eastwestgateway
networkGateway: ${yamlScalar(network)}
`;
}

/**
 * The missing east-west gateway, written the way the cluster is already installed: an IstioOperator beside an
 * IstioOperator, chart values beside Helm values. Other sources (GitOps wrappers, Sail) get no generator yet.
 */
export function eastWestGatewayGenerator(install: InstallConfig, cluster: string, network: string): Fix | undefined {
  if (install.source === 'IstioOperator') {
    return { title: `Generate ${cluster}-eastwest-gateway.yaml`, edits: [generatedFile(install.resource.file, cluster, 'eastwest-gateway', eastWestGatewayOperator(cluster, network))] };
  }
  if (install.source === 'Helm values') {
    return { title: `Generate ${cluster}-eastwest-gateway-values.yaml`, edits: [generatedFile(install.resource.file, cluster, 'eastwest-gateway-values', eastWestGatewayHelmValues(cluster, network))] };
  }
  return undefined;
}
