import { compositionUnitOf } from '../compose/composedDocument';
import { embeddedDocument } from '../parse/embedded';
import type { ValuePath } from '../parse/yamlFile';
import chartKeys from './helmChartKeys.json';
import {
  EAST_WEST_PORTS,
  envEntries,
  type GatewayDeployment,
  type GatewayPort,
  gatewayPorts,
  type InstallConfig,
  locatedString,
  NETWORK_LABEL,
  readIstioOperator,
  readValuesIdentity,
  targetVersionOf,
} from './installConfig';
import { helmSetValue, MergedValues, splitHelmName, type ValuesLayer, type ValuesReader } from './mergedValues';
import { childPath, isPlaceholder, isRecord, Located, type Resource, scalarString } from './resource';

/**
 * Every way of installing Istio that Istio Mesh reads, reduced to `InstallConfig`s: IstioOperator, plain Helm
 * values files, Flux `HelmRelease`, Argo CD `Application`, the Sail Operator's `Istio`/`IstioCNI`/`ZTunnel`,
 * and the ambient east-west gateway written as a Gateway API `Gateway`. The same identity facts come out of
 * each, so every mesh rule works on all of them.
 */

/** The pseudo-kind of a Helm values file (it has no apiVersion/kind of its own). */
export const HELM_VALUES_KIND = 'HelmValues';
/** The kind label of a Gateway API `Gateway` (the plain kind `Gateway` stays Istio's networking.istio.io one). */
export const KUBERNETES_GATEWAY_KIND = 'KubernetesGateway';
/** The Gateway API class of the ambient east-west gateway. */
export const EAST_WEST_GATEWAY_CLASS = 'istio-east-west';
/** Port of the ambient east-west gateway's HBONE listener. */
export const HBONE_PORT = 15008;

/** The Istio charts, as named in the istio-release repository. `istiod-remote` was removed in 1.24. */
export const ISTIO_CHARTS = ['base', 'istiod', 'gateway', 'cni', 'ztunnel', 'istiod-remote'] as const;
export type IstioChart = (typeof ISTIO_CHARTS)[number];

/** `istio/istiod`, `oci://.../istiod`, `istiod` → `istiod`; undefined for a chart that is not Istio's. */
export function istioChartName(name: string | undefined): IstioChart | undefined {
  if (!name) return undefined;
  const last = name.split('/').pop()!.replace(/:.*$/, '');
  return (ISTIO_CHARTS as readonly string[]).includes(last) ? (last as IstioChart) : undefined;
}

/** The top-level values of Istio's cni chart. */
const CNI_CHART_KEYS: readonly string[] = (chartKeys as { charts: Record<string, { keys: string[] }> }).charts.cni.keys;

/**
 * Whether most top-level keys are the cni chart's: other CNIs' charts have a `cni:` value too (Cilium's
 * `cni.exclusive`, beside `hubble`, `ipam`, `kubeProxyReplacement`...), and Istio's has only a handful of keys.
 */
function mostlyCniChartKeys(values: Record<string, unknown>): boolean {
  const keys = Object.keys(values);
  return keys.filter((k) => CNI_CHART_KEYS.includes(k)).length * 2 >= keys.length;
}

/**
 * Which chart a values file is for, from its content alone (no directive, no setting): the keys only that
 * chart has. Undefined for YAML that does not look like Istio chart values at all.
 */
export function guessChartFromValues(values: unknown): IstioChart | undefined {
  if (!isRecord(values)) return undefined;
  const global = isRecord(values.global) ? values.global : {};
  if ('networkGateway' in values || ('service' in values && 'name' in values)) return 'gateway';
  if ('cni' in values && !('pilot' in values) && mostlyCniChartKeys(values)) return 'cni';
  if (isRecord(values.multiCluster) && !('meshID' in global) && !('pilot' in values)) return 'ztunnel';
  const istiodKeys = ['pilot', 'istiodRemote', 'meshConfig', 'sidecarInjectorWebhook'];
  if (istiodKeys.some((k) => k in values) || 'meshID' in global || 'multiCluster' in global || 'remotePilotAddress' in global) return 'istiod';
  if (values.profile === 'remote' || values.profile === 'ambient') return 'istiod';
  return undefined;
}

interface HelmSource {
  source: string;
  resource: Resource;
  chart: Located<string>;
  version?: Located<string>;
  values: ValuesReader;
  /** Where the values live in the resource, for pointing at a value that is missing. */
  valuesPath: ValuePath;
  releaseName?: string;
  namespace?: string;
}

const CHART_GATEWAY_PORTS: GatewayPort[] = [
  { name: 'status-port', port: EAST_WEST_PORTS.status },
  { name: 'tls', port: EAST_WEST_PORTS.crossNetwork },
  { name: 'tls-istiod', port: EAST_WEST_PORTS.istiod },
  { name: 'tls-webhook', port: EAST_WEST_PORTS.webhook },
];

/** The gateway chart's deployment: named by `name` (else the release), labelled as the chart labels it. */
function chartGateway(helm: HelmSource, install: InstallConfig): GatewayDeployment {
  const { values } = helm;
  const named = locatedString(values, ['name']);
  const name = named?.value ?? helm.releaseName ?? 'istio-gateway';
  const networkGateway = locatedString(values, ['networkGateway']);
  const labels: Record<string, string> = { app: name, istio: name.replace(/^istio-/, '') };
  const extra = values.get(['labels']);
  if (isRecord(extra)) for (const [key, value] of Object.entries(extra)) if (scalarString(value) !== undefined) labels[key] = scalarString(value)!;
  if (networkGateway) labels[NETWORK_LABEL] = networkGateway.value;
  const explicitPorts = gatewayPorts(values.get(['service', 'ports']));
  return {
    name,
    namespace: helm.namespace ?? 'istio-system',
    labels,
    declaration: named ?? helm.chart,
    networkLabel: networkGateway,
    requestedNetworkView: envEntries(values, ['env']).get('ISTIO_META_REQUESTED_NETWORK_VIEW'),
    // With networkGateway set the chart opens the east-west ports itself.
    ports: explicitPorts.length ? explicitPorts : networkGateway ? CHART_GATEWAY_PORTS : [],
    install,
    ...(named || helm.releaseName ? {} : { releaseNameUnknown: true }),
  };
}

/** Where each Helm-shaped source pins its chart version (an Istio chart's version is the Istio version). */
const HELM_VERSION_FIELDS: Record<string, string> = {
  HelmRelease: 'chart.spec.version',
  Application: 'targetRevision',
  'Helm values': 'the helmCharts version',
};

/** An install config from Helm values of one of Istio's charts, wherever the values were written. */
export function readHelmInstall(helm: HelmSource): InstallConfig {
  const chart = istioChartName(helm.chart.value);
  const { values } = helm;
  const identity = readValuesIdentity(values, []);
  // The profile that decides the cluster's role is the control plane's (and, for ambient, the data plane's);
  // `profile: remote` on the base chart only selects CRDs, and is checked against istiod's by MESH801.
  const declaredProfile = chart === 'base' || chart === 'gateway' ? undefined : locatedString(values, ['profile']);
  // The removed istiod-remote chart is the remote profile by another name.
  const profile = declaredProfile ?? (chart === 'istiod-remote' ? new Located('remote', helm.chart.doc, helm.chart.path) : undefined);
  const pilotEnv = envEntries(values, ['pilot', 'env']);
  for (const [name, value] of envEntries(values, ['env'])) if (!pilotEnv.has(name)) pilotEnv.set(name, value);
  const install: InstallConfig = {
    source: helm.source,
    resource: helm.resource,
    valuesPath: helm.valuesPath,
    profile,
    ...identity,
    pilotEnv: chart === 'istiod' || chart === 'istiod-remote' ? pilotEnv : new Map(),
    installsControlPlane: chart === 'istiod' || chart === 'istiod-remote',
    gateways: [],
    chart: helm.chart,
    version: helm.version,
    istioVersion: targetVersionOf([
      [helm.version, HELM_VERSION_FIELDS[helm.source] ?? 'the chart version'],
      [locatedString(values, ['global', 'tag']), 'global.tag'],
    ]),
    values: helm.values,
  };
  if (chart === 'gateway') {
    install.gateways = [chartGateway(helm, install)];
    install.network = locatedString(values, ['networkGateway']) ?? identity.network;
  }
  if (chart === 'ztunnel') {
    install.ztunnel = { clusterName: locatedString(values, ['multiCluster', 'clusterName']), network: locatedString(values, ['network']) ?? identity.network };
    install.network = undefined;
  }
  if (chart === 'cni') install.network = undefined;
  return install;
}

/**
 * A Helm values file; its chart comes from the directive, the setting or its content (in that order). Values
 * composed for a kustomize `helmCharts` entry also carry the release's name, namespace and chart version.
 */
export function readHelmValuesFile(resource: Resource, chart: Located<string>): InstallConfig {
  const release = compositionUnitOf(resource)?.helmRelease;
  return readHelmInstall({
    source: 'Helm values',
    resource,
    chart,
    values: resource,
    valuesPath: [],
    releaseName: release?.name,
    namespace: release?.namespace,
    version: release?.version,
  });
}

/** The ConfigMap/Secret data a Flux `valuesFrom` entry names, found among the workspace's resources. */
function valuesFromLayer(release: Resource, entry: Record<string, unknown>, lookup: readonly Resource[]): ValuesLayer | undefined {
  const kind = scalarString(entry.kind);
  const name = scalarString(entry.name);
  if ((kind !== 'ConfigMap' && kind !== 'Secret') || !name) return undefined;
  const namespace = release.namespace;
  const source = lookup.find((r) => r.kind === kind && r.name === name && (!namespace || !r.namespace || r.namespace === namespace));
  if (!source) return undefined;
  const key = scalarString(entry.valuesKey) ?? 'values.yaml';
  const dataPath = ['data', key];
  const targetPath = scalarString(entry.targetPath);
  // Secret data is base64 and never read here: only ConfigMaps (and Secrets' stringData) carry readable values.
  const readablePath = kind === 'Secret' ? ['stringData', key] : dataPath;
  const raw = source.string(readablePath);
  if (raw === undefined) return undefined;
  if (targetPath) return { doc: source.doc, path: readablePath, value: helmSetValue(raw, entry.literal === true), targetPath: splitHelmName(targetPath) };
  const embedded = embeddedDocument(source.doc, readablePath);
  if (!embedded || !isRecord(embedded.value)) return undefined;
  return { doc: embedded, path: [], value: embedded.value };
}

/**
 * Flux `HelmRelease`: values from `spec.valuesFrom` (in order), then `spec.values`, then again every
 * `valuesFrom` entry with a `targetPath`, which wins over everything before it (Flux's documented order).
 */
export function readHelmRelease(resource: Resource, lookup: readonly Resource[]): InstallConfig | undefined {
  const chart = helmReleaseChart(resource);
  if (!chart || !istioChartName(chart.value)) return undefined;
  return readHelmInstall({
    source: 'HelmRelease',
    resource,
    chart,
    version: resource.locatedString(['spec', 'chart', 'spec', 'version']),
    values: helmReleaseValues(resource, lookup),
    valuesPath: ['spec', 'values'],
    releaseName: resource.string(['spec', 'releaseName']) ?? resource.name,
    namespace: resource.string(['spec', 'targetNamespace']) ?? resource.namespace,
  });
}

/** The chart a Flux `HelmRelease` installs (`spec.chart.spec.chart`, else `spec.chartRef.name`), whatever chart it is. */
export function helmReleaseChart(resource: Resource): Located<string> | undefined {
  const chartPath = resource.string(['spec', 'chart', 'spec', 'chart']) !== undefined ? ['spec', 'chart', 'spec', 'chart'] : ['spec', 'chartRef', 'name'];
  return resource.locatedString(chartPath);
}

/** A Flux `HelmRelease`'s values merged in Flux's order, for any chart (the trust checks read non-Istio charts too). */
export function helmReleaseValues(resource: Resource, lookup: readonly Resource[]): MergedValues {
  const fromLayers = resource
    .list(['spec', 'valuesFrom'])
    .map(({ item }) => ({ layer: valuesFromLayer(resource, item, lookup), targeted: scalarString(item.targetPath) !== undefined }));
  const inline = resource.get(['spec', 'values']);
  const layers: ValuesLayer[] = [
    ...fromLayers.flatMap((l) => (l.layer ? [l.layer] : [])),
    ...(isRecord(inline) ? [{ doc: resource.doc, path: ['spec', 'values'], value: inline }] : []),
    ...fromLayers.flatMap((l) => (l.layer && l.targeted ? [l.layer] : [])),
  ];
  if (layers.length === 0) layers.push({ doc: resource.doc, path: ['spec', 'values'], value: {} });
  return new MergedValues(layers);
}

/**
 * The Argo CD source that installs a chart `accepts` (an Istio chart by default): `spec.sources[]` when set
 * (then `spec.source` is ignored), else `spec.source`.
 */
export function applicationChartSource(
  resource: Resource,
  accepts: (chart: string | undefined) => boolean = (chart) => istioChartName(chart) !== undefined,
): ValuePath | undefined {
  const sources = resource.list(['spec', 'sources']);
  if (Array.isArray(resource.get(['spec', 'sources']))) return sources.find(({ item }) => accepts(scalarString(item.chart)))?.path;
  return accepts(resource.string(['spec', 'source', 'chart'])) ? ['spec', 'source'] : undefined;
}

/** Argo CD `Application`: `helm.values` (a YAML string), then `helm.valuesObject`, then `helm.parameters` win. */
export function readApplication(resource: Resource): InstallConfig | undefined {
  const sourcePath = applicationChartSource(resource);
  if (!sourcePath) return undefined;
  const helm = childPath(sourcePath, 'helm');
  return readHelmInstall({
    source: 'Application',
    resource,
    chart: resource.locatedString(childPath(sourcePath, 'chart'))!,
    version: resource.locatedString(childPath(sourcePath, 'targetRevision')),
    values: applicationValues(resource, sourcePath),
    valuesPath: childPath(helm, 'valuesObject'),
    releaseName: resource.string(childPath(helm, 'releaseName')) ?? resource.name,
    namespace: resource.string(['spec', 'destination', 'namespace']),
  });
}

/** The merged Helm values of one source of an Argo CD `Application`, for any chart. */
export function applicationValues(resource: Resource, sourcePath: ValuePath): MergedValues {
  const helm = childPath(sourcePath, 'helm');
  const layers: ValuesLayer[] = [];
  const valuesString = embeddedDocument(resource.doc, childPath(helm, 'values'));
  if (valuesString && isRecord(valuesString.value)) layers.push({ doc: valuesString, path: [], value: valuesString.value });
  const valuesObject = resource.get(childPath(helm, 'valuesObject'));
  if (isRecord(valuesObject)) layers.push({ doc: resource.doc, path: childPath(helm, 'valuesObject'), value: valuesObject });
  for (const { item, path } of resource.list(childPath(helm, 'parameters'))) {
    const name = scalarString(item.name);
    const value = scalarString(item.value);
    if (!name || value === undefined) continue;
    layers.push({ doc: resource.doc, path: childPath(path, 'value'), value: helmSetValue(value, item.forceString === true), targetPath: splitHelmName(name) });
  }
  if (layers.length === 0) layers.push({ doc: resource.doc, path: helm, value: {} });
  return new MergedValues(layers);
}

/** The Sail Operator's `Istio`: Helm values under `spec.values`, the profile and version beside them. */
export function readSailIstio(resource: Resource): InstallConfig {
  const valuesPath = ['spec', 'values'];
  const profile = resource.locatedString(['spec', 'profile']);
  return {
    source: 'Istio',
    resource,
    valuesPath,
    profile,
    ...readValuesIdentity(resource, valuesPath),
    // Each Sail `Istio` of a cluster is a revision of its own, named after it (`default` is the unrevisioned one).
    revision: resource.name && resource.name !== 'default' ? resource.located(['metadata', 'name'], resource.name) : undefined,
    pilotEnv: envEntries(resource, childPath(valuesPath, 'pilot', 'env')),
    // Sail's `empty` profile still installs istiod (unlike IstioOperator's, which installs nothing).
    installsControlPlane: resource.get(childPath(valuesPath, 'pilot', 'enabled')) !== false || profile?.value === 'remote',
    gateways: [],
    version: resource.locatedString(['spec', 'version']),
    istioVersion: targetVersionOf([[resource.locatedString(['spec', 'version']), 'spec.version']]),
  };
}

/** Sail `ZTunnel` and `IstioCNI`: part of an ambient install, never a control plane. */
export function readSailDataPlane(resource: Resource): InstallConfig {
  const isZtunnel = resource.kind === 'ZTunnel';
  const valuesPath = ['spec', 'values'];
  return {
    source: resource.kind,
    resource,
    valuesPath,
    // A ZTunnel is only ever part of an ambient install; an IstioCNI says so with its profile.
    profile: resource.locatedString(['spec', 'profile']) ?? (isZtunnel ? new Located('ambient', resource.doc, ['kind']) : undefined),
    pilotEnv: new Map(),
    installsControlPlane: false,
    gateways: [],
    version: resource.locatedString(['spec', 'version']),
    ztunnel: isZtunnel
      ? {
          clusterName: locatedString(resource, childPath(valuesPath, 'ztunnel', 'multiCluster', 'clusterName')),
          network: locatedString(resource, childPath(valuesPath, 'ztunnel', 'network')) ?? locatedString(resource, childPath(valuesPath, 'global', 'network')),
        }
      : undefined,
  };
}

/** An ambient east-west gateway: it listens for HBONE and not on the sidecar mode's cross-network port. */
export function isHboneEastWestGateway(gateway: GatewayDeployment): boolean {
  return gateway.ports.some((p) => p.port === HBONE_PORT) && !gateway.ports.some((p) => p.port === EAST_WEST_PORTS.crossNetwork);
}

/** True for a Gateway API `Gateway` that is an ambient east-west gateway (its class, or a network label). */
export function isEastWestKubernetesGateway(resource: Resource): boolean {
  return (
    resource.kind === KUBERNETES_GATEWAY_KIND &&
    (resource.string(['spec', 'gatewayClassName']) === EAST_WEST_GATEWAY_CLASS || resource.labels()[NETWORK_LABEL] !== undefined)
  );
}

/** The ambient east-west gateway as a gateway deployment, so the multi-network rules see it like any other. */
export function readKubernetesGateway(resource: Resource): InstallConfig | undefined {
  if (!isEastWestKubernetesGateway(resource)) return undefined;
  const name = resource.name ?? 'istio-eastwestgateway';
  const network = resource.locatedString(['metadata', 'labels', NETWORK_LABEL]);
  const install: InstallConfig = {
    source: 'Gateway API',
    resource,
    valuesPath: ['spec'],
    network,
    pilotEnv: new Map(),
    installsControlPlane: false,
    gateways: [],
  };
  const ports = resource
    .list(['spec', 'listeners'])
    .flatMap(({ item }) => (typeof item.port === 'number' ? [{ name: scalarString(item.name), port: item.port }] : []));
  install.gateways = [
    {
      name,
      namespace: resource.namespace ?? 'istio-system',
      labels: { ...resource.labels(), 'gateway.networking.k8s.io/gateway-name': name },
      declaration: resource.located(['metadata', 'name'], name),
      networkLabel: network,
      ports,
      install,
    },
  ];
  return install;
}

/**
 * An east-west gateway applied as plain manifests (the Sail Operator docs apply a Deployment and Service):
 * a Service with the network label that opens the cross-network port. Its selector is the pods' labels.
 */
export function readGatewayService(resource: Resource): InstallConfig | undefined {
  const network = resource.locatedString(['metadata', 'labels', NETWORK_LABEL]);
  const ports = gatewayPorts(resource.get(['spec', 'ports']));
  if (!network || !ports.some((p) => p.port === EAST_WEST_PORTS.crossNetwork)) return undefined;
  const name = resource.name ?? 'istio-eastwestgateway';
  const install: InstallConfig = { source: 'Service', resource, valuesPath: ['spec'], network, pilotEnv: new Map(), installsControlPlane: false, gateways: [] };
  install.gateways = [
    {
      name,
      namespace: resource.namespace ?? 'istio-system',
      labels: resource.labels(['spec', 'selector']),
      declaration: resource.located(['metadata', 'name'], name),
      networkLabel: network,
      ports,
      install,
    },
  ];
  return install;
}

/** Argo CD `managedNamespaceMetadata` labels the release namespace: a network source like the namespace label. */
export function managedNamespaceNetwork(install: InstallConfig): Located<string> | undefined {
  if (install.source !== 'Application') return undefined;
  return install.resource.locatedString(['spec', 'syncPolicy', 'managedNamespaceMetadata', 'labels', NETWORK_LABEL]);
}

/** Where a GitOps wrapper sends its release: Argo CD `spec.destination` name/server, Flux `spec.kubeConfig`. */
/** A Flux `Kustomization` (kustomize.toolkit.fluxcd.io), which applies the folder at `spec.path`; kustomize's own kind is another. */
export const FLUX_KUSTOMIZATION_KIND = 'Kustomization';

/**
 * The folders (relative to the repository) a GitOps wrapper applies to its target: an Argo CD Application's
 * `source.path` and each `sources[].path`, a Flux Kustomization's `path` when it names a `kubeConfig`
 * (without one it applies to the cluster Flux runs in, which its own file's place decides).
 */
export function gitopsSourcePaths(resource: Resource): string[] {
  const paths =
    resource.kind === 'Application'
      ? [resource.string(['spec', 'source', 'path']), ...resource.list(['spec', 'sources']).map(({ item }) => scalarString(item.path))]
      : resource.kind === FLUX_KUSTOMIZATION_KIND && resource.get(['spec', 'kubeConfig']) !== undefined
        ? [resource.string(['spec', 'path'])]
        : [];
  return paths.filter((p): p is string => !!p && !isPlaceholder(p) && !p.startsWith('/') && !p.split('/').includes('..'));
}

/** Whether a resource applies folders of the repository to a cluster (see gitopsSourcePaths). */
export function isGitopsDeployer(resource: Resource): boolean {
  return resource.kind === 'Application' || resource.kind === FLUX_KUSTOMIZATION_KIND;
}

export function gitopsTarget(resource: Resource): Located<string> | undefined {
  if (resource.kind === 'Application')
    return resource.locatedString(['spec', 'destination', 'name']) ?? resource.locatedString(['spec', 'destination', 'server']);
  if (resource.kind === 'HelmRelease' || resource.kind === FLUX_KUSTOMIZATION_KIND)
    return resource.locatedString(['spec', 'kubeConfig', 'secretRef', 'name']) ?? resource.locatedString(['spec', 'kubeConfig', 'configMapRef', 'name']);
  return undefined;
}

type InstallReader = (resource: Resource, lookup: readonly Resource[], helmChart?: Located<string>) => InstallConfig | undefined;

/** How an install config is read, by the kind of resource it is read from. */
const INSTALL_READERS = new Map<string, InstallReader>([
  ['IstioOperator', readIstioOperator],
  [HELM_VALUES_KIND, (resource, _lookup, helmChart) => (helmChart ? readHelmValuesFile(resource, helmChart) : undefined)],
  ['HelmRelease', readHelmRelease],
  ['Application', readApplication],
  ['Istio', readSailIstio],
  ['ZTunnel', readSailDataPlane],
  ['IstioCNI', readSailDataPlane],
  [KUBERNETES_GATEWAY_KIND, readKubernetesGateway],
  ['Service', readGatewayService],
]);

/** Whether an install config may be read from a resource of this kind. */
export function mayHoldInstall(kind: string): boolean {
  return INSTALL_READERS.has(kind);
}

/** The install config a resource is, for every source kind; `lookup` holds the resources Flux `valuesFrom` may name. */
export function readInstallSource(resource: Resource, lookup: readonly Resource[], helmChart?: Located<string>): InstallConfig | undefined {
  return INSTALL_READERS.get(resource.kind)?.(resource, lookup, helmChart);
}
