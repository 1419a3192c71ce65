import { compositionUnitOf } from '../compose/composedDocument';
import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { locatedString } from './installConfig';
import { applicationChartSource, applicationValues, HELM_VALUES_KIND, helmReleaseChart, helmReleaseValues } from './installSources';
import type { ValuesReader } from './mergedValues';
import { childPath, isRecord, Located, type Resource } from './resource';

/**
 * The objects teams provide Istio's trust with instead of a committed `cacerts` Secret: cert-manager
 * `Certificate`/`Issuer`/`ClusterIssuer`, trust-manager `Bundle`, and the values of the istio-csr and SPIRE
 * charts. Only public facts are read: names, references, addresses — never key material.
 */

export const CERTIFICATE_KIND = 'Certificate';
export const ISSUER_KIND = 'Issuer';
export const CLUSTER_ISSUER_KIND = 'ClusterIssuer';
export const BUNDLE_KIND = 'Bundle';
const CERT_MANAGER_GROUP = 'cert-manager.io';

/** cert-manager and trust-manager kinds, keyed by API group and kind like the install sources; no schema of their own here. */
export const TRUST_KINDS: Record<string, string> = {
  [`${CERT_MANAGER_GROUP}/${CERTIFICATE_KIND}`]: CERTIFICATE_KIND,
  [`${CERT_MANAGER_GROUP}/${ISSUER_KIND}`]: ISSUER_KIND,
  [`${CERT_MANAGER_GROUP}/${CLUSTER_ISSUER_KIND}`]: CLUSTER_ISSUER_KIND,
  [`trust.cert-manager.io/${BUNDLE_KIND}`]: BUNDLE_KIND,
};

export function isIssuer(resource: Resource): boolean {
  return resource.kind === ISSUER_KIND || resource.kind === CLUSTER_ISSUER_KIND;
}

/** A cert-manager `issuerRef` (a Certificate's, or istio-csr's `app.certmanager.issuer`). */
export interface IssuerRef {
  /** The name as written; undefined when the chart default applies. */
  name?: Located<string>;
  /** The name used to resolve it (the written one, else the default). */
  resolvedName: string;
  kind: typeof ISSUER_KIND | typeof CLUSTER_ISSUER_KIND;
  /** Where the kind is written, when it is. */
  kindAt?: Located<string>;
  /** The namespace an `Issuer` is looked up in. */
  namespace?: string;
  /** True for cert-manager's own issuers; external issuers (another `group`) are not resolved. */
  builtIn: boolean;
  /** Where the reference is, for a finding when its name is not written. */
  anchor: Located<unknown>;
}

function readIssuerRef(values: ValuesReader, path: (string | number)[], namespace: string | undefined, defaultName?: string): IssuerRef | undefined {
  const name = locatedString(values, childPath(path, 'name'));
  const resolvedName = name?.value ?? defaultName;
  if (!resolvedName) return undefined;
  const kindAt = locatedString(values, childPath(path, 'kind'));
  const group = locatedString(values, childPath(path, 'group'))?.value;
  return {
    name,
    resolvedName,
    kind: kindAt?.value === CLUSTER_ISSUER_KIND ? CLUSTER_ISSUER_KIND : ISSUER_KIND,
    kindAt,
    namespace,
    builtIn: group === undefined || group === CERT_MANAGER_GROUP,
    anchor: values.located(path, undefined),
  };
}

/** A Certificate's `spec.issuerRef` (kind `Issuer` in the Certificate's namespace unless it says otherwise). */
export function certificateIssuerRef(certificate: Resource): IssuerRef | undefined {
  return readIssuerRef(certificate, ['spec', 'issuerRef'], certificate.namespace);
}

export function certificateSecretName(certificate: Resource): Located<string> | undefined {
  return certificate.locatedString(['spec', 'secretName']);
}

/** What an issuer signs with. */
export type IssuerBackend =
  | { type: 'ca'; secretName: Located<string> }
  | { type: 'vault'; server: Located<string>; path: Located<string>; mount: string }
  | { type: 'selfSigned'; at: Located<unknown> }
  | { type: 'other' };

/** The PKI mount of a Vault signing path: `pki_int/sign/istio-ca` → `pki_int`, `pki/root/sign-intermediate` → `pki`. */
export function vaultMount(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/^v1\//, '');
  const match = /^(.*?)\/(sign|issue|root|intermediate|sign-verbatim)(\/|$)/.exec(trimmed);
  return match ? match[1] : trimmed;
}

export function issuerBackend(issuer: Resource): IssuerBackend {
  const secretName = issuer.locatedString(['spec', 'ca', 'secretName']);
  if (secretName) return { type: 'ca', secretName };
  const server = issuer.locatedString(['spec', 'vault', 'server']);
  const path = issuer.locatedString(['spec', 'vault', 'path']);
  if (server && path) return { type: 'vault', server, path, mount: vaultMount(path.value) };
  if (issuer.get(['spec', 'selfSigned']) !== undefined) return { type: 'selfSigned', at: issuer.located(['spec', 'selfSigned'], undefined) };
  return { type: 'other' };
}

/** The Secrets an issuer reads credentials from (Vault token or AppRole secret), each with where it is named. */
export function issuerCredentialRefs(issuer: Resource): { name: Located<string>; key?: string; what: string }[] {
  const refs: { name: Located<string>; key?: string; what: string }[] = [];
  const add = (path: string[], what: string) => {
    const name = issuer.locatedString(childPath(path, 'name'));
    if (name) refs.push({ name, key: issuer.string(childPath(path, 'key')), what });
  };
  add(['spec', 'vault', 'auth', 'tokenSecretRef'], 'a Vault token');
  add(['spec', 'vault', 'auth', 'appRole', 'secretRef'], 'a Vault AppRole secret ID');
  return refs;
}

// --- istio-csr and SPIRE chart values -------------------------------------------------------------------

export const ISTIO_CSR_CHART = 'cert-manager-istio-csr';
export const SPIRE_CHART = 'spire';
export type TrustChart = typeof ISTIO_CSR_CHART | typeof SPIRE_CHART;

/** `jetstack/cert-manager-istio-csr`, `oci://.../spire:0.24` → the chart; undefined for other charts. */
export function trustChartName(name: string | undefined): TrustChart | undefined {
  const last = name?.split('/').pop()?.replace(/:.*$/, '');
  return last === ISTIO_CSR_CHART || last === SPIRE_CHART ? last : undefined;
}

/** Which trust chart a values file is for, from keys only that chart has. */
export function guessTrustChart(values: unknown): TrustChart | undefined {
  if (!isRecord(values)) return undefined;
  const app = isRecord(values.app) ? values.app : undefined;
  if (app && (isRecord(app.certmanager) || (isRecord(app.server) && 'clusterID' in app.server))) return ISTIO_CSR_CHART;
  const global = isRecord(values.global) ? values.global : undefined;
  if ((global && isRecord(global.spire)) || isRecord(values['spire-server'])) return SPIRE_CHART;
  return undefined;
}

/** Values of a trust chart, wherever they are written (a values file, a Flux HelmRelease, an Argo CD Application). */
export interface TrustChartValues {
  chart: TrustChart;
  resource: Resource;
  values: ValuesReader;
  /** Where the chart is named (or the values document), for findings about a value that is not written. */
  anchor: Located<unknown>;
  /** True when the values are the resource's own document (a values file): missing keys can be inserted there. */
  plainValuesFile: boolean;
  /** The namespace the release goes to, when known. */
  namespace?: string;
}

function chartDirectiveOf(doc: YamlDocument): string | undefined {
  return doc.directives.get('chart') ?? doc.file.headerDirectives.get('chart');
}

/** The kinds `readTrustChart` reads a chart from. */
export const TRUST_CHART_KINDS = [HELM_VALUES_KIND, 'HelmRelease', 'Application'] as const;

export function readTrustChart(resource: Resource, lookup: readonly Resource[]): TrustChartValues | undefined {
  if (resource.kind === HELM_VALUES_KIND) {
    // An umbrella chart's dependency names its chart; values composed from several files are no plain file.
    const unit = compositionUnitOf(resource);
    const directive = chartDirectiveOf(resource.doc) ?? unit?.chart?.value;
    const chart = directive ? trustChartName(directive) : guessTrustChart(resource.object);
    return chart ? { chart, resource, values: resource, anchor: resource.located([], undefined), plainValuesFile: !unit } : undefined;
  }
  if (resource.kind === 'HelmRelease') {
    const named = helmReleaseChart(resource);
    const chart = trustChartName(named?.value);
    if (!chart || !named) return undefined;
    const namespace = resource.string(['spec', 'targetNamespace']) ?? resource.namespace;
    return { chart, resource, values: helmReleaseValues(resource, lookup), anchor: named, plainValuesFile: false, namespace };
  }
  if (resource.kind === 'Application') {
    const sourcePath = applicationChartSource(resource, (chart) => trustChartName(chart) !== undefined);
    const named = sourcePath && resource.locatedString(childPath(sourcePath, 'chart'));
    const chart = trustChartName(named?.value);
    if (!sourcePath || !named || !chart) return undefined;
    return {
      chart,
      resource,
      values: applicationValues(resource, sourcePath),
      anchor: named,
      plainValuesFile: false,
      namespace: resource.string(['spec', 'destination', 'namespace']),
    };
  }
  return undefined;
}

/** istio-csr's cluster ID when `app.server.clusterID` is unset (the chart's default, like istiod's). */
export const ISTIO_CSR_DEFAULT_CLUSTER_ID = 'Kubernetes';
/** The chart's defaults for the issuer it asks for certificates. */
const ISTIO_CSR_DEFAULT_ISSUER = 'istio-ca';
const ISTIO_CSR_DEFAULT_NAMESPACE = 'istio-system';

/** The namespace the chart's istio-csr runs in when the release's namespace is not written (its docs install it there). */
export const ISTIO_CSR_DEFAULT_RELEASE_NAMESPACE = 'cert-manager';

/** Where istio-csr's `app.tls.rootCAFile` comes from: the Secret or ConfigMap volume mounted at its folder, and the key that becomes the file. */
export interface MountedFileSource {
  kind: 'Secret' | 'ConfigMap';
  name: Located<string>;
  key: string;
}

export interface IstioCsrFacts {
  clusterID?: Located<string>;
  issuer: IssuerRef;
  trustDomain?: Located<string>;
  /** `app.tls.rootCAFile`: the PEM roots istio-csr puts in every namespace's `istio-ca-root-cert` (else its issuer's CA). */
  rootCAFile?: Located<string>;
  /** The volume that file is read from, when the chart's `volumes`/`volumeMounts` say. */
  rootCASource?: MountedFileSource;
}

export function istioCsrFacts(chart: TrustChartValues): IstioCsrFacts {
  const { values } = chart;
  const issuerNamespace = locatedString(values, ['app', 'certmanager', 'namespace'])?.value ?? ISTIO_CSR_DEFAULT_NAMESPACE;
  const rootCAFile = locatedString(values, ['app', 'tls', 'rootCAFile']);
  return {
    clusterID: locatedString(values, ['app', 'server', 'clusterID']),
    issuer: readIssuerRef(values, ['app', 'certmanager', 'issuer'], issuerNamespace, ISTIO_CSR_DEFAULT_ISSUER)!,
    trustDomain: locatedString(values, ['app', 'tls', 'trustDomain']),
    rootCAFile,
    rootCASource: rootCAFile && !rootCAFile.isPlaceholder ? mountedFileSource(values, rootCAFile.value) : undefined,
  };
}

/** The mapping entries of a values list, each with its path; anything else is skipped. */
function valueEntries(values: ValuesReader, path: ValuePath): { entry: Record<string, unknown>; path: ValuePath }[] {
  const list = values.get(path);
  return Array.isArray(list) ? list.flatMap((entry, index) => (isRecord(entry) ? [{ entry, path: childPath(path, index) }] : [])) : [];
}

/**
 * The Secret/ConfigMap key a file of the pod comes from: the `volumeMounts` entry whose `mountPath` holds the file
 * (or whose `subPath` is the file), then the `volumes` entry of that name, its `items` remapping keys to paths.
 */
export function mountedFileSource(values: ValuesReader, file: string): MountedFileSource | undefined {
  for (const { entry: mount } of valueEntries(values, ['volumeMounts'])) {
    const mountPath = typeof mount.mountPath === 'string' ? mount.mountPath.replace(/\/+$/, '') : undefined;
    if (!mountPath || typeof mount.name !== 'string') continue;
    const subPath = typeof mount.subPath === 'string' ? mount.subPath : undefined;
    const inVolume = subPath ? (file === mountPath ? subPath : undefined) : file.startsWith(`${mountPath}/`) ? file.slice(mountPath.length + 1) : undefined;
    if (!inVolume) continue;
    const volume = valueEntries(values, ['volumes']).find(({ entry }) => entry.name === mount.name);
    if (!volume) return undefined;
    for (const [kind, field, nameKey] of [
      ['Secret', 'secret', 'secretName'],
      ['ConfigMap', 'configMap', 'name'],
    ] as const) {
      const name = locatedString(values, childPath(volume.path, field, nameKey));
      if (!name) continue;
      const items = valueEntries(values, childPath(volume.path, field, 'items'));
      const item = items.find(({ entry }) => entry.path === inVolume)?.entry;
      const key = items.length ? (typeof item?.key === 'string' ? item.key : undefined) : inVolume;
      return key ? { kind, name, key } : undefined;
    }
    return undefined;
  }
  return undefined;
}

// --- trust-manager Bundle --------------------------------------------------------------------------------

/** The namespace trust-manager reads a Bundle's Secret and ConfigMap sources from unless installed otherwise. */
export const TRUST_MANAGER_DEFAULT_NAMESPACE = 'cert-manager';

/** One entry of a Bundle's `spec.sources`. */
export type BundleSource =
  | { type: 'inLine'; text: Located<string> }
  | { type: 'Secret' | 'ConfigMap'; name: Located<string>; key?: string }
  | { type: 'useDefaultCAs'; at: Located<unknown> };

export interface BundleFacts {
  sources: BundleSource[];
  /** `spec.target.configMap.key` / `spec.target.secret.key`: the object is named after the Bundle. */
  targets: { kind: 'Secret' | 'ConfigMap'; key: Located<string> }[];
  /** `spec.target.namespaceSelector.matchLabels`; undefined when the target goes to every namespace. */
  namespaceLabels?: Record<string, string>;
}

export function isBundle(resource: Resource): boolean {
  return resource.kind === BUNDLE_KIND && resource.apiVersion.startsWith('trust.cert-manager.io/');
}

export function bundleFacts(bundle: Resource): BundleFacts {
  const sources = bundle.list(['spec', 'sources']).flatMap(({ item, path }): BundleSource[] => {
    const inLine = bundle.locatedString(childPath(path, 'inLine'));
    if (inLine) return [{ type: 'inLine', text: inLine }];
    if (item.useDefaultCAs === true) return [{ type: 'useDefaultCAs', at: bundle.located(childPath(path, 'useDefaultCAs'), true) }];
    for (const [type, field] of [
      ['Secret', 'secret'],
      ['ConfigMap', 'configMap'],
    ] as const) {
      const name = bundle.locatedString(childPath(path, field, 'name'));
      if (name) return [{ type, name, key: bundle.string(childPath(path, field, 'key')) }];
    }
    return [];
  });
  const targets = (['ConfigMap', 'Secret'] as const).flatMap((kind) => {
    const key = bundle.locatedString(['spec', 'target', kind === 'ConfigMap' ? 'configMap' : 'secret', 'key']);
    return key ? [{ kind, key }] : [];
  });
  const selector = bundle.get(['spec', 'target', 'namespaceSelector', 'matchLabels']);
  return { sources, targets, namespaceLabels: isRecord(selector) ? bundle.labels(['spec', 'target', 'namespaceSelector', 'matchLabels']) : undefined };
}

/** SPIRE's trust domain when the chart's `global.spire.trustDomain` is unset. */
export const SPIRE_DEFAULT_TRUST_DOMAIN = 'example.org';

export interface SpireFacts {
  trustDomain?: Located<string>;
  /** Federation with other trust domains (`spire-server.federation.enabled`): bundles are exchanged. */
  federation?: Located<boolean>;
  /** A Vault PKI upstream authority: the root is Vault's. */
  vault?: { server: Located<string>; mount: Located<string> };
  /** Another upstream authority (disk, cert-manager, a parent SPIRE): the root is outside what is read here. */
  otherUpstream?: string;
}

const SPIRE_SERVER = 'spire-server';

export function spireFacts(chart: TrustChartValues): SpireFacts {
  const { values } = chart;
  const upstream = values.get([SPIRE_SERVER, 'upstreamAuthority']);
  const enabled = (name: string) => isRecord(upstream) && isRecord(upstream[name]) && upstream[name].enabled === true;
  const server = locatedString(values, [SPIRE_SERVER, 'upstreamAuthority', 'vault', 'vaultAddr']);
  const mount = locatedString(values, [SPIRE_SERVER, 'upstreamAuthority', 'vault', 'pkiMountPoint']);
  const federation = values.get([SPIRE_SERVER, 'federation', 'enabled']);
  return {
    trustDomain: locatedString(values, ['global', 'spire', 'trustDomain']) ?? locatedString(values, [SPIRE_SERVER, 'trustDomain']),
    federation: typeof federation === 'boolean' ? values.located([SPIRE_SERVER, 'federation', 'enabled'], federation) : undefined,
    vault: enabled('vault') && server ? { server, mount: mount ?? new Located('pki', server.doc, server.path) } : undefined,
    otherUpstream: isRecord(upstream) ? Object.keys(upstream).find((name) => name !== 'vault' && enabled(name)) : undefined,
  };
}
