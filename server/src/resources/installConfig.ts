import type { ValuePath } from '../parse/yamlFile';
import { istioMinorOf, type TargetVersion } from './istioVersions';
import type { ValuesReader } from './mergedValues';
import { childPath, isRecord, type Located, type Resource, scalarString } from './resource';

/** The label that names a gateway's (and a namespace's) network. */
export const NETWORK_LABEL = 'topology.istio.io/network';
export const CONTROL_PLANE_CLUSTERS_ANNOTATION = 'topology.istio.io/controlPlaneClusters';
/** Ports of the east-west gateway, as `gen-eastwest-gateway.sh` lays them out. */
export const EAST_WEST_PORTS = { status: 15021, crossNetwork: 15443, istiod: 15012, webhook: 15017 } as const;

/** `/inject/cluster/<cluster>/net/<network>`, or the older `/inject/:ENV:cluster=<cluster>:ENV:net=<network>` */
export function parseInjectionPath(path: string): { cluster?: string; network?: string } {
  const match = /\/inject\/cluster\/([^/]+)(?:\/net\/([^/?]+))?/.exec(path);
  if (match) return { cluster: match[1], network: match[2] };
  const env = (name: string) => new RegExp(`:ENV:${name}=([^:/?]+)`).exec(path)?.[1];
  return path.includes('/inject/') ? { cluster: env('cluster'), network: env('net') } : {};
}

export interface GatewayPort {
  name?: string;
  port: number;
  targetPort?: number;
}

/** A gateway deployment an install config creates (IstioOperator `components.ingressGateways[]`, or a gateway chart release). */
export interface GatewayDeployment {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Where the gateway is declared (its list entry). */
  declaration: Located<string>;
  networkLabel?: Located<string>;
  requestedNetworkView?: Located<string>;
  ports: GatewayPort[];
  install: InstallConfig;
  /**
   * The gateway chart names and labels the deployment after its Helm release, and no file says the release
   * name: `name` and the `app`/`istio` labels are placeholders, so no selector can be said to miss it.
   */
  releaseNameUnknown?: boolean;
}

/**
 * One way of installing (part of) Istio in a cluster, reduced to the identity and topology facts the mesh
 * model needs. Every fact keeps where it was written. IstioOperator is the first source; Helm values, Sail
 * `Istio` resources and GitOps wrappers produce the same shape.
 */
export interface InstallConfig {
  source: string;
  resource: Resource;
  /** Where Istio's Helm values live in the resource (`spec.values` for IstioOperator). */
  valuesPath: ValuePath;
  profile?: Located<string>;
  meshID?: Located<string>;
  clusterName?: Located<string>;
  network?: Located<string>;
  remotePilotAddress?: Located<string>;
  externalIstiod?: Located<boolean>;
  injectionPath?: Located<string>;
  injectionURL?: Located<string>;
  /** Control plane env (`components.pilot.k8s.env`, `values.pilot.env`). */
  pilotEnv: Map<string, Located<string>>;
  /** The control plane revision (`spec.revision`, Helm `revision`): a canary istiod beside the cluster's own. */
  revision?: Located<string>;
  /** True when this config installs a control plane (istiod or the remote profile), not only gateways. */
  installsControlPlane: boolean;
  gateways: GatewayDeployment[];
  /** The Helm chart the source installs (`istiod`, `base`, `gateway`, `cni`, `ztunnel`, `istiod-remote`), for Helm-shaped sources. */
  chart?: Located<string>;
  /** The chart version or Istio version the source pins (`--version`, Flux `version`, Argo `targetRevision`, Sail `spec.version`). */
  version?: Located<string>;
  /** The Istio minor the install targets: its pinned version, else its image tag (`spec.tag`, `global.tag`). */
  istioVersion?: TargetVersion;
  /** `global.configCluster`: the remote is also the cluster istiod reads config from (external control plane). */
  configCluster?: Located<boolean>;
  /** The merged Helm values, where they are read from more than one place (GitOps wrappers); else undefined. */
  values?: ValuesReader;
  /** ztunnel's own view of the cluster (ztunnel chart, Sail `ZTunnel`): ambient multicluster needs it to match istiod. */
  ztunnel?: { clusterName?: Located<string>; network?: Located<string> };
  /** `global.caAddress`: where workloads get certificates when istiod's own CA is not used (istio-csr, an external CA). */
  caAddress?: Located<string>;
  /** `meshConfig.trustDomain` (`cluster.local` when unset). */
  trustDomain?: Located<string>;
  /** `meshConfig.trustDomainAliases`: other trust domains this control plane accepts as its own. */
  trustDomainAliases?: Located<string>[];
  /** `meshConfig.defaultConfig.proxyMetadata`: the environment every proxy of the mesh starts with. */
  proxyMetadata?: Map<string, Located<string>>;
}

/** The first of `candidates` (a written value and where it was read) that pins an Istio minor. */
export function targetVersionOf(candidates: readonly [Located<string> | undefined, string][]): TargetVersion | undefined {
  for (const [written, from] of candidates) {
    const minor = written && !written.isPlaceholder ? istioMinorOf(written.value) : undefined;
    if (minor) return { minor, written: written!, from };
  }
  return undefined;
}

/** The trust domain a control plane uses when `meshConfig.trustDomain` is unset. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** True when the install runs the ambient data plane (profile `ambient`). */
export function isAmbient(install: InstallConfig): boolean {
  return install.profile?.value === 'ambient';
}

export function locatedString(resource: ValuesReader, path: ValuePath): Located<string> | undefined {
  const value = scalarString(resource.get(path));
  return value === undefined ? undefined : resource.located(path, value);
}

export function locatedBoolean(resource: ValuesReader, path: ValuePath): Located<boolean> | undefined {
  const raw = resource.get(path);
  if (raw === true || raw === false) return resource.located(path, raw);
  if (raw === 'true' || raw === 'false') return resource.located(path, raw === 'true');
  return undefined;
}

/** The string entries of a list, each with where it was written; anything else is skipped. */
export function locatedStrings(resource: ValuesReader, path: ValuePath): Located<string>[] | undefined {
  const raw = resource.get(path);
  if (!Array.isArray(raw)) return undefined;
  return raw.flatMap((entry, index) => {
    const text = scalarString(entry);
    return text === undefined ? [] : [resource.located(childPath(path, index), text)];
  });
}

/** `meshConfig.trustDomain` and its aliases under `meshConfigPath`. */
export function readTrustDomain(resource: ValuesReader, meshConfigPath: ValuePath): Pick<InstallConfig, 'trustDomain' | 'trustDomainAliases'> {
  return {
    trustDomain: locatedString(resource, childPath(meshConfigPath, 'trustDomain')),
    trustDomainAliases: locatedStrings(resource, childPath(meshConfigPath, 'trustDomainAliases')),
  };
}

export function envEntries(resource: ValuesReader, path: ValuePath): Map<string, Located<string>> {
  const env = new Map<string, Located<string>>();
  const raw = resource.get(path);
  if (Array.isArray(raw)) {
    raw.forEach((entry, index) => {
      if (!isRecord(entry)) return;
      const name = scalarString(entry.name);
      const value = scalarString(entry.value);
      if (name && value !== undefined) env.set(name, resource.located(childPath(path, index, 'value'), value));
    });
  } else if (isRecord(raw)) {
    for (const [name, value] of Object.entries(raw)) {
      const text = scalarString(value);
      if (text !== undefined) env.set(name, resource.located(childPath(path, name), text));
    }
  }
  return env;
}

export function gatewayPorts(raw: unknown): GatewayPort[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry) => {
    if (!isRecord(entry) || typeof entry.port !== 'number') return [];
    return [{ name: scalarString(entry.name), port: entry.port, targetPort: typeof entry.targetPort === 'number' ? entry.targetPort : undefined }];
  });
}

function operatorGateways(resource: Resource, install: InstallConfig): GatewayDeployment[] {
  return resource.list(['spec', 'components', 'ingressGateways']).flatMap(({ item, path }) => {
    if (item.enabled === false) return [];
    const name = scalarString(item.name) ?? 'istio-ingressgateway';
    const labels = resource.labels(childPath(path, 'label'));
    const env = envEntries(resource, childPath(path, 'k8s', 'env'));
    return [
      {
        name,
        namespace: scalarString(item.namespace) ?? resource.string(['spec', 'namespace']) ?? 'istio-system',
        labels: { app: name, istio: name.replace(/^istio-/, ''), ...labels },
        declaration: resource.located(childPath(path, 'name'), name),
        networkLabel: labels[NETWORK_LABEL] !== undefined ? resource.located(childPath(path, 'label', NETWORK_LABEL), labels[NETWORK_LABEL]) : undefined,
        requestedNetworkView: env.get('ISTIO_META_REQUESTED_NETWORK_VIEW'),
        ports: gatewayPorts(resource.get(childPath(path, 'k8s', 'service', 'ports'))),
        install,
      },
    ];
  });
}

/** Reads the Helm-values-shaped identity facts under `valuesPath`; shared by every install source. */
export function readValuesIdentity(
  resource: ValuesReader,
  valuesPath: ValuePath,
): Pick<
  InstallConfig,
  | 'meshID'
  | 'clusterName'
  | 'network'
  | 'remotePilotAddress'
  | 'externalIstiod'
  | 'injectionPath'
  | 'injectionURL'
  | 'configCluster'
  | 'caAddress'
  | 'trustDomain'
  | 'trustDomainAliases'
  | 'proxyMetadata'
  | 'revision'
> {
  const at = (...path: string[]) => childPath(valuesPath, ...path);
  return {
    revision: locatedString(resource, at('revision')),
    meshID: locatedString(resource, at('global', 'meshID')),
    clusterName: locatedString(resource, at('global', 'multiCluster', 'clusterName')),
    network: locatedString(resource, at('global', 'network')),
    remotePilotAddress: locatedString(resource, at('global', 'remotePilotAddress')),
    externalIstiod: locatedBoolean(resource, at('global', 'externalIstiod')),
    injectionPath: locatedString(resource, at('istiodRemote', 'injectionPath')),
    injectionURL: locatedString(resource, at('istiodRemote', 'injectionURL')),
    configCluster: locatedBoolean(resource, at('global', 'configCluster')),
    caAddress: locatedString(resource, at('global', 'caAddress')),
    ...readTrustDomain(resource, at('meshConfig')),
    proxyMetadata: envEntries(resource, at('meshConfig', 'defaultConfig', 'proxyMetadata')),
  };
}

/**
 * True when the proxies resolve DNS themselves and give ServiceEntry hosts addresses of their own (DNS proxying
 * with auto allocation, or istiod's address allocation since 1.23): a ServiceEntry then needs no `addresses`.
 */
export function allocatesServiceEntryAddresses(install: InstallConfig): boolean {
  const enabled = (value: Located<string> | undefined) => value?.value === 'true';
  const metadata = install.proxyMetadata;
  return (
    enabled(metadata?.get('ISTIO_META_DNS_CAPTURE')) &&
    (enabled(metadata?.get('ISTIO_META_DNS_AUTO_ALLOCATE')) || enabled(install.pilotEnv.get('PILOT_ENABLE_IP_AUTOALLOCATE')))
  );
}

export function readIstioOperator(resource: Resource): InstallConfig {
  const valuesPath = ['spec', 'values'];
  const profile = locatedString(resource, ['spec', 'profile']);
  const pilotEnv = envEntries(resource, ['spec', 'components', 'pilot', 'k8s', 'env']);
  for (const [name, value] of envEntries(resource, childPath(valuesPath, 'pilot', 'env'))) if (!pilotEnv.has(name)) pilotEnv.set(name, value);
  const pilotEnabled = resource.get(['spec', 'components', 'pilot', 'enabled']);
  const profileName = profile?.value ?? 'default';
  const identity = readValuesIdentity(resource, valuesPath);
  // IstioOperator writes mesh config at `spec.meshConfig`, which wins over `values.meshConfig` field by field.
  const meshConfig = readTrustDomain(resource, ['spec', 'meshConfig']);
  const install: InstallConfig = {
    source: 'IstioOperator',
    resource,
    valuesPath,
    profile,
    ...identity,
    revision: locatedString(resource, ['spec', 'revision']) ?? identity.revision,
    trustDomain: meshConfig.trustDomain ?? identity.trustDomain,
    trustDomainAliases: meshConfig.trustDomainAliases ?? identity.trustDomainAliases,
    proxyMetadata: new Map([...(identity.proxyMetadata ?? []), ...envEntries(resource, ['spec', 'meshConfig', 'defaultConfig', 'proxyMetadata'])]),
    pilotEnv,
    installsControlPlane: profileName === 'empty' ? pilotEnabled === true : pilotEnabled !== false || REMOTE_PROFILES.has(profileName),
    gateways: [],
    istioVersion: targetVersionOf([
      [locatedString(resource, ['spec', 'tag']), 'spec.tag'],
      [locatedString(resource, ['spec', 'components', 'pilot', 'tag']), 'components.pilot.tag'],
      [locatedString(resource, childPath(valuesPath, 'global', 'tag')), 'values.global.tag'],
    ]),
  };
  install.gateways = operatorGateways(resource, install);
  return install;
}

/**
 * The cluster an install config names: its clusterName, else istiod's CLUSTER_ID env (istio.io's external
 * istiod sets only that), else the cluster of its injection path or URL.
 */
export function declaredClusterName(install: InstallConfig): Located<string> | undefined {
  const literal = [install.clusterName, install.pilotEnv.get('CLUSTER_ID')].find((value) => value && !value.isPlaceholder);
  if (literal) return literal;
  for (const injection of [install.injectionPath, install.injectionURL]) {
    const cluster = injection && parseInjectionPath(injection.value).cluster;
    if (cluster && !cluster.includes('$')) return injection;
  }
  return undefined;
}

export function clusterNameOf(install: InstallConfig): string | undefined {
  const declared = declaredClusterName(install);
  if (!declared) return undefined;
  return declared === install.injectionPath || declared === install.injectionURL ? parseInjectionPath(declared.value).cluster : declared.value;
}

/**
 * The profiles of a remote cluster: `remote`, and `external`, its name for the remote of an external control
 * plane until Istio 1.22.
 */
const REMOTE_PROFILES = new Set(['remote', 'external']);

export function isRemoteProfile(install: InstallConfig): boolean {
  return REMOTE_PROFILES.has(install.profile?.value ?? '');
}

export function isExternalIstiod(install: InstallConfig): boolean {
  return install.externalIstiod?.value === true || install.pilotEnv.get('EXTERNAL_ISTIOD')?.value === 'true';
}
