import { basename, dirname, join, relative, sep } from 'node:path';

import * as jsYaml from 'js-yaml';

import { fileNameMentions } from '../mesh/assignment';
import type { MeshModel } from '../mesh/model';
import type { InstallConfig } from '../resources/installConfig';
import { EAST_WEST_PORTS, isAmbient, NETWORK_LABEL } from '../resources/installConfig';
import { applicationChartSource } from '../resources/installSources';
import { isRecord, type Resource } from '../resources/resource';
import type { FileCreation, Fix } from '../rules/finding';
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
  return Object.entries(selector)
    .map(([key, value]) => `${indent}${key}: ${yamlScalar(value)}\n`)
    .join('');
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
  return `${header(cluster, 'Exposes istiod to remote clusters through the east-west gateway.', `Apply with: kubectl apply -n ${namespace} -f <this file> --context <${cluster}'s context>`)}apiVersion: networking.istio.io/v1
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

/** What a generator writes, by the words of its file name (spelt `eastwest-gateway` unless the mesh spells them otherwise). */
const GENERATED_FILE_WORDS = {
  'eastwest-gateway': ['east', 'west', 'gateway'],
  'eastwest-gateway-values': ['east', 'west', 'gateway', 'values'],
  'expose-istiod': ['expose', 'istiod'],
  'expose-services': ['expose', 'services'],
} as const;

export type GeneratedFileKind = keyof typeof GENERATED_FILE_WORDS;

/** How the mesh's files already spell a kind's words (`east-west-gateway`, `eastwest_gateway`): the folder's first. */
function spellingOf(kind: GeneratedFileKind, folderNames: readonly string[], meshNames: readonly string[]): string {
  const words = new RegExp(GENERATED_FILE_WORDS[kind].join('[-_]?'), 'i');
  for (const name of [...folderNames, ...meshNames]) {
    const match = words.exec(name);
    if (match) return match[0];
  }
  return kind;
}

/** What generated files are named after: the mesh's folder and its files. */
export interface MeshFiles {
  root: string;
  files: readonly string[];
}

export function meshFilesOf(mesh: MeshModel): MeshFiles {
  return { root: mesh.root, files: [...new Set(mesh.resources.map((resource) => resource.file))] };
}

/**
 * A new file beside `nextTo`, named like the files around it: without the cluster's name when a folder of its path
 * inside the mesh is named after the cluster (`cluster2/expose-services.yaml`), else with it in front
 * (`cluster2-expose-services.yaml`); the words spelt as the mesh's files spell them, `.yml` where the folder's files
 * all are.
 */
function generatedFile(nextTo: string, cluster: string, kind: GeneratedFileKind, content: string, mesh: MeshFiles): FileCreation {
  const folder = dirname(nextTo);
  const folderNames = mesh.files.filter((file) => dirname(file) === folder).map((file) => basename(file));
  const extension = folderNames.length > 0 && folderNames.every((name) => /\.yml$/i.test(name)) ? '.yml' : '.yaml';
  const stem = spellingOf(
    kind,
    folderNames,
    mesh.files.map((file) => basename(file)),
  );
  const folderNamesCluster = relative(mesh.root, folder)
    .split(sep)
    .some((segment) => fileNameMentions(segment, cluster));
  const plain = join(folder, `${stem}${extension}`);
  // A file of that name that is already there belongs to something else: the cluster's name tells them apart.
  const createFile = folderNamesCluster && !mesh.files.includes(plain) ? plain : join(folder, `${cluster}-${stem}${extension}`);
  return { createFile, content };
}

/** The fix that writes one generated file, titled with its name. */
export function generatorFix(nextTo: string, cluster: string, kind: GeneratedFileKind, content: string, mesh: MeshFiles): Fix {
  const file = generatedFile(nextTo, cluster, kind, content, mesh);
  return { title: `Generate ${basename(file.createFile)}`, edits: [file] };
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

const EAST_WEST_RELEASE = 'istio-eastwestgateway';

/** The gateway chart's values that make a release the network's east-west gateway. */
function eastWestChartValues(network: string): Record<string, string> {
  return { name: EAST_WEST_RELEASE, networkGateway: network };
}

/**
 * A generated GitOps wrapper of the east-west gateway, of the same apiVersion, kind and namespace as the cluster's
 * istiod wrapper: the cluster comment, what it is, how it is applied, then the object with `spec`.
 */
function eastWestSibling(istiod: Resource, cluster: string, what: string, spec: Record<string, unknown>): string {
  const object = {
    apiVersion: istiod.apiVersion,
    kind: istiod.kind,
    metadata: { name: `${cluster}-${EAST_WEST_RELEASE}`, ...(istiod.namespace ? { namespace: istiod.namespace } : {}) },
    spec,
  };
  return header(cluster, what, 'Commit it beside the other releases; the GitOps controller applies it.') + jsYaml.dump(object, { lineWidth: -1, noRefs: true });
}

/** Copies of the fields of `from` at `keys` that are set, for a sibling object that must go where `from` goes. */
function sameAs(from: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => from[key] !== undefined && from[key] !== null).map((key) => [key, from[key]]));
}

/**
 * The east-west gateway as a Flux `HelmRelease` of the gateway chart, sent where the cluster's istiod release goes:
 * the same chart source, version, kubeConfig and namespaces. Undefined when istiod's chart is not a
 * `spec.chart` template with a `sourceRef` (a `chartRef` names one chart artifact, not a repository).
 */
export function eastWestGatewayHelmRelease(istiod: Resource, cluster: string, network: string): string | undefined {
  const spec = istiod.get(['spec']);
  const chartSpec = istiod.get(['spec', 'chart', 'spec']);
  if (!isRecord(spec) || !isRecord(chartSpec) || !isRecord(chartSpec.sourceRef)) return undefined;
  return eastWestSibling(
    istiod,
    cluster,
    `East-west gateway of ${cluster} (network ${network}): the istio/gateway chart, released like ${istiod.displayName}.`,
    {
      ...sameAs(spec, ['interval']),
      releaseName: EAST_WEST_RELEASE,
      ...sameAs(spec, ['targetNamespace', 'storageNamespace', 'kubeConfig', 'serviceAccountName']),
      chart: { spec: { chart: 'gateway', ...sameAs(chartSpec, ['version', 'sourceRef']) } },
      values: eastWestChartValues(network),
    },
  );
}

/**
 * The east-west gateway as an Argo CD `Application` of the gateway chart, from the repository, revision and
 * project of the cluster's istiod Application and to its destination. Undefined without a chart repository.
 */
export function eastWestGatewayApplication(istiod: Resource, cluster: string, network: string): string | undefined {
  const sourcePath = applicationChartSource(istiod, (chart) => chart === 'istiod');
  const source = sourcePath ? istiod.get(sourcePath) : undefined;
  const spec = istiod.get(['spec']);
  if (!isRecord(spec) || !isRecord(source) || typeof source.repoURL !== 'string' || !isRecord(spec.destination)) return undefined;
  return eastWestSibling(
    istiod,
    cluster,
    `East-west gateway of ${cluster} (network ${network}): the istio/gateway chart, deployed like ${istiod.displayName}.`,
    {
      ...sameAs(spec, ['project']),
      source: {
        ...sameAs(source, ['repoURL']),
        chart: 'gateway',
        ...sameAs(source, ['targetRevision']),
        helm: { releaseName: EAST_WEST_RELEASE, valuesObject: eastWestChartValues(network) },
      },
      destination: spec.destination,
    },
  );
}

/**
 * The missing east-west gateway, written the way the cluster is already installed: an IstioOperator beside an
 * IstioOperator, chart values beside Helm values and beside a Sail Operator `Istio` (the Sail docs put the
 * gateway in with its own manifest; the gateway chart is the supported way), a HelmRelease beside a HelmRelease,
 * an Application beside an Application.
 */
export function eastWestGatewayGenerator(install: InstallConfig, cluster: string, network: string, mesh: MeshFiles): Fix | undefined {
  // An ambient cluster's east-west gateway is a Gateway API Gateway (HBONE), not one of these.
  if (isAmbient(install)) return undefined;
  const nextTo = install.resource.file;
  if (install.source === 'IstioOperator') return generatorFix(nextTo, cluster, 'eastwest-gateway', eastWestGatewayOperator(cluster, network), mesh);
  if (install.source === 'Helm values' || install.source === 'Istio')
    return generatorFix(nextTo, cluster, 'eastwest-gateway-values', eastWestGatewayHelmValues(cluster, network), mesh);
  const wrapper =
    install.source === 'HelmRelease'
      ? eastWestGatewayHelmRelease(install.resource, cluster, network)
      : install.source === 'Application'
        ? eastWestGatewayApplication(install.resource, cluster, network)
        : undefined;
  return wrapper ? generatorFix(nextTo, cluster, 'eastwest-gateway', wrapper, mesh) : undefined;
}
