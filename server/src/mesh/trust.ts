import { type CaCerts, describeCertificate, readCertificates, rootFingerprints } from '../resources/cacerts';
import { CACERTS_SECRET_NAME } from '../resources/cacerts';
import {
  bundleFacts,
  CERTIFICATE_KIND,
  certificateIssuerRef,
  certificateSecretName,
  CLUSTER_ISSUER_KIND,
  isBundle,
  ISSUER_KIND,
  issuerBackend,
  type IssuerRef,
  ISTIO_CSR_CHART,
  ISTIO_CSR_DEFAULT_RELEASE_NAMESPACE,
  istioCsrFacts,
  type MountedFileSource,
  readTrustChart,
  SPIRE_CHART,
  spireFacts,
  TRUST_CHART_KINDS,
  TRUST_MANAGER_DEFAULT_NAMESPACE,
  type TrustChartValues,
} from '../resources/certManager';
import { secretValues } from '../resources/remoteSecret';
import { isPlaceholder, type Located, type Resource } from '../resources/resource';
import type { Cluster } from './model';
import { resourcesOfKind } from './selection';

/**
 * Who gives a cluster its root of trust, whoever provides it: a committed `cacerts` Secret, a cert-manager
 * `Certificate` that writes it, istio-csr (istiod hands signing to cert-manager), or SPIRE. Each provider
 * is followed to its root as far as the workspace tells: a certificate fingerprint when the root PEM is
 * here, a Vault PKI mount, a root cert-manager or SPIRE generates itself, or unknown.
 */

export type TrustProviderKind = 'cacerts' | 'cert-manager' | 'istio-csr' | 'spire';

/**
 * The roots a provider hands its workloads to trust when that is a bundle of its own rather than the root it
 * signs under: istio-csr's `app.tls.rootCAFile`, filled from a Secret, a ConfigMap or a trust-manager Bundle.
 * Two clusters with different roots still trust each other when each one's bundle holds the other's root.
 */
export interface TrustBundle {
  /** The roots of the bundle that the workspace holds. */
  fingerprints: string[];
  description: string;
  /** False when a part of the bundle is not in the workspace: what it lacks cannot be judged. */
  complete: boolean;
  at: Located<unknown>;
  /** The trust-manager Bundle that fills it, when one does. */
  bundle?: Resource;
}

/** What every known root may carry: the bundle its cluster's workloads trust, when it is not just this root. */
interface Trusting {
  trusts?: TrustBundle;
}

export type RootOfTrust =
  /** Root certificates whose PEM is in the workspace (root-cert.pem, a CA issuer's `ca.crt`). */
  | ({ kind: 'certificates'; fingerprints: string[]; description: string; at: Located<unknown> } & Trusting)
  /** A Vault PKI mount: the same mount on the same server is the same root. */
  | ({ kind: 'vault'; key: string; description: string; at: Located<unknown> } & Trusting)
  /** A root made inside the cluster (cert-manager `selfSigned`, SPIRE's own CA): one per root Certificate / server. */
  | ({ kind: 'generated'; key: string; description: string; at: Located<unknown> } & Trusting)
  /** SPIRE federation: trust bundles are exchanged between trust domains rather than rooted in one CA. */
  | ({ kind: 'federated'; description: string; at: Located<unknown> } & Trusting)
  | { kind: 'unknown'; description: string; trusts?: undefined };

/** One step from the provider towards its root, for related information. */
export interface ChainLink {
  description: string;
  at: Located<unknown>;
}

export interface TrustProvider {
  kind: TrustProviderKind;
  /** The object that makes the provider (the Secret, the Certificate, the chart's values resource). */
  resource: Resource;
  /** Where findings about the provider as a whole go. */
  anchor: Located<unknown>;
  /** `cert-manager Certificate istio-system/cacerts`: the provider in words. */
  description: string;
  chain: ChainLink[];
  root: RootOfTrust;
  /** The chart values of istio-csr and SPIRE providers. */
  chart?: TrustChartValues;
}

/** The order a cluster's providers take effect in: SPIRE and istio-csr issue workload certificates themselves. */
const PRECEDENCE: TrustProviderKind[] = ['spire', 'istio-csr', 'cert-manager', 'cacerts'];
/** How deep a chain of CA issuers is followed (root → intermediate → ...); more is a loop. */
const MAX_CHAIN = 6;

function byNamespace(namespace: string | undefined) {
  // A resource written without a namespace is applied with `-n`, and one filled in at install time (a chart
  // template's `{{ .Values.namespace }}`) is not known either: it may be in any.
  const anyOf = (ns: string | undefined) => !ns || isPlaceholder(ns);
  return (resource: Resource) => anyOf(namespace) || anyOf(resource.namespace) || resource.namespace === namespace;
}

/** The Issuer/ClusterIssuer a reference names among the cluster's resources. */
export function resolveIssuer(ref: IssuerRef, resources: readonly Resource[]): Resource | undefined {
  return resources.find((r) => r.kind === ref.kind && r.name === ref.resolvedName && (ref.kind === CLUSTER_ISSUER_KIND || byNamespace(ref.namespace)(r)));
}

/** The root a CA issuer's Secret holds: `ca.crt`, else the last certificate of `tls.crt` when it signs itself. */
function rootOfCaSecret(secret: Resource): { fingerprints: string[]; description: string } | undefined {
  const values = secretValues(secret);
  const bundle = values.get('ca.crt')?.text;
  const fromBundle = bundle ? readCertificates(bundle) : [];
  const chain = values.get('tls.crt')?.text;
  const last = chain ? readCertificates(chain).at(-1) : undefined;
  const roots = fromBundle.length ? fromBundle : last && last.subject === last.issuer ? [last] : [];
  return roots.length ? { fingerprints: roots.map((c) => c.fingerprint), description: roots.map(describeCertificate).join(', ') } : undefined;
}

/** Follows an issuer to the root it signs under, adding each step to `chain`. */
function rootOfIssuer(issuer: Resource, resources: readonly Resource[], chain: ChainLink[], signed: Resource, depth = 0): RootOfTrust {
  const backend = issuerBackend(issuer);
  switch (backend.type) {
    case 'vault': {
      if (backend.server.isPlaceholder || backend.path.isPlaceholder)
        return { kind: 'unknown', description: `the Vault PKI of ${issuer.displayName} (filled in at deploy time)` };
      chain.push({ description: `Vault PKI mount \`${backend.mount}\` at ${backend.server.value}`, at: backend.path });
      return {
        kind: 'vault',
        key: `${backend.server.value.replace(/\/+$/, '')}|${backend.mount}`,
        description: `the Vault PKI mount \`${backend.mount}\` at ${backend.server.value}`,
        at: backend.path,
      };
    }
    case 'selfSigned':
      // The certificate the self-signed issuer signs is the root: one per root Certificate written.
      return {
        kind: 'generated',
        key: `${signed.file}#${signed.doc.index}`,
        description: `the self-signed root that cert-manager makes for ${signed.displayName}`,
        at: signed.located(['metadata', 'name'], signed.name),
      };
    case 'ca': {
      const namespace = issuer.kind === ISSUER_KIND ? issuer.namespace : undefined;
      const secretName = backend.secretName.value;
      const secret = namedObject(resources, 'Secret', secretName, namespace);
      const fromSecret = secret && rootOfCaSecret(secret);
      if (fromSecret) {
        const at = secretValues(secret).get('ca.crt')?.key ?? secret.located(['metadata', 'name'], secretName);
        chain.push({ description: `CA Secret ${secret.displayName}`, at });
        return { kind: 'certificates', fingerprints: fromSecret.fingerprints, description: `${fromSecret.description} in ${secret.displayName}`, at };
      }
      // The CA's Secret is written by another Certificate (a root Certificate from a selfSigned issuer, say).
      const maker = resources.find((r) => r.kind === CERTIFICATE_KIND && certificateSecretName(r)?.value === secretName && byNamespace(namespace)(r));
      if (maker && depth < MAX_CHAIN) {
        chain.push({ description: `${maker.displayName}, which writes the CA Secret ${secretName}`, at: maker.located(['metadata', 'name'], maker.name) });
        return rootOfCertificate(maker, resources, chain, depth + 1);
      }
      return { kind: 'unknown', description: `the CA in Secret ${secretName}, which is not in the workspace` };
    }
    default:
      return { kind: 'unknown', description: `${issuer.displayName}, whose root is not read here` };
  }
}

function rootOfCertificate(certificate: Resource, resources: readonly Resource[], chain: ChainLink[], depth = 0): RootOfTrust {
  const ref = certificateIssuerRef(certificate);
  return ref ? rootOfReference(ref, resources, chain, certificate, depth) : { kind: 'unknown', description: `${certificate.displayName} names no issuer` };
}

function rootOfReference(ref: IssuerRef, resources: readonly Resource[], chain: ChainLink[], signed: Resource, depth = 0): RootOfTrust {
  if (!ref.builtIn) return { kind: 'unknown', description: `the external issuer ${ref.resolvedName}` };
  const issuer = resolveIssuer(ref, resources);
  if (!issuer) return { kind: 'unknown', description: `${ref.kind} ${ref.resolvedName}, which is not in the workspace` };
  chain.push({ description: issuer.displayName, at: issuer.located(['metadata', 'name'], issuer.name) });
  return rootOfIssuer(issuer, resources, chain, signed, depth);
}

function cacertsProvider(cacerts: CaCerts): TrustProvider {
  const fingerprints = rootFingerprints(cacerts);
  const rootCert = cacerts.rootCert;
  const root: RootOfTrust =
    rootCert && fingerprints.length
      ? { kind: 'certificates', fingerprints, description: `${rootCert.certificates.map(describeCertificate).join(', ')} in root-cert.pem`, at: rootCert.key }
      : { kind: 'unknown', description: 'a cacerts Secret whose root-cert.pem is not readable here' };
  return {
    kind: 'cacerts',
    resource: cacerts.resource,
    anchor: cacerts.resource.located(['metadata', 'name'], cacerts.resource.name),
    description: `the cacerts Secret`,
    chain: rootCert ? [{ description: 'root-cert.pem', at: rootCert.key }] : [],
    root,
  };
}

/** A cert-manager Certificate that writes istiod's `cacerts` Secret in the control plane namespace. */
export function isCacertsCertificate(resource: Resource, controlPlaneNamespace: string): boolean {
  return (
    resource.kind === CERTIFICATE_KIND &&
    certificateSecretName(resource)?.value === CACERTS_SECRET_NAME &&
    (resource.namespace ?? controlPlaneNamespace) === controlPlaneNamespace
  );
}

function certificateProvider(certificate: Resource, resources: readonly Resource[]): TrustProvider {
  const chain: ChainLink[] = [];
  const root = rootOfCertificate(certificate, resources, chain);
  return {
    kind: 'cert-manager',
    resource: certificate,
    anchor: certificate.located(['metadata', 'name'], certificate.name),
    description: `cert-manager ${certificate.displayName}`,
    chain,
    root,
  };
}

/** The certificates of PEM texts, each once; `complete` false when a part is missing or filled in at deploy time. */
interface ReadRoots {
  fingerprints: string[];
  descriptions: string[];
  missing: string[];
}

function addPem(roots: ReadRoots, text: string | undefined, where: string): void {
  const certificates = text ? readCertificates(text) : [];
  if (!certificates.length) {
    roots.missing.push(`${where} (${text === undefined ? 'not readable here' : 'holds no readable certificate'})`);
    return;
  }
  for (const certificate of certificates) {
    if (roots.fingerprints.includes(certificate.fingerprint)) continue;
    roots.fingerprints.push(certificate.fingerprint);
    roots.descriptions.push(describeCertificate(certificate));
  }
}

/** The text of one key of a Secret (decoded) or ConfigMap, with where the key is; text undefined when a placeholder. */
function objectValue(object: Resource, key: string): { text?: string; at: Located<unknown> } | undefined {
  if (object.kind === 'Secret') {
    const value = secretValues(object).get(key);
    return value && { text: value.placeholder ? undefined : value.text, at: value.key };
  }
  const text = object.string(['data', key]);
  return text === undefined ? undefined : { text: isPlaceholder(text) ? undefined : text, at: object.located(['data', key], key) };
}

/** The first object of `kind` and `name` that may be in `namespace` (see `byNamespace`). */
export function namedObject(resources: readonly Resource[], kind: 'Secret' | 'ConfigMap', name: string, namespace: string | undefined): Resource | undefined {
  return resourcesOfKind(resources, kind).find((r) => r.name === name && byNamespace(namespace)(r));
}

/** The roots a trust-manager Bundle gathers from its sources, as far as the workspace holds them. */
export function readBundle(bundle: Resource, resources: readonly Resource[]): ReadRoots & { publicCAs: boolean } {
  const roots: ReadRoots = { fingerprints: [], descriptions: [], missing: [] };
  let publicCAs = false;
  for (const source of bundleFacts(bundle).sources) {
    if (source.type === 'useDefaultCAs') {
      // Public CAs never sign a mesh's workload certificates: they neither help nor hurt the comparison.
      publicCAs = true;
    } else if (source.type === 'inLine') {
      addPem(roots, source.text.isPlaceholder ? undefined : source.text.value, 'an inLine source');
    } else {
      const object = namedObject(resources, source.type, source.name.value, TRUST_MANAGER_DEFAULT_NAMESPACE);
      const where = `${source.type} ${source.name.value}${source.key ? ` key ${source.key}` : ''}`;
      if (!object) roots.missing.push(`${where} (not in the workspace)`);
      else if (!source.key) roots.missing.push(`${where} (no key named)`);
      else addPem(roots, objectValue(object, source.key)?.text, where);
    }
  }
  return { ...roots, publicCAs };
}

/** Whether a Bundle's target reaches the namespace: false only when the Namespace object says its labels do not match. */
function bundleReaches(selector: Record<string, string> | undefined, namespace: string, resources: readonly Resource[]): boolean {
  const object = selector && resources.find((r) => r.kind === 'Namespace' && r.name === namespace);
  return !object || Object.entries(selector!).every(([key, value]) => object.labels()[key] === value);
}

/** The trust-manager Bundle that writes a mounted Secret/ConfigMap key into the namespace, when one does. */
export function bundleWriting(source: MountedFileSource, namespace: string, resources: readonly Resource[]): Resource | undefined {
  return resources.find((r) => {
    if (!isBundle(r) || r.name !== source.name.value) return false;
    const facts = bundleFacts(r);
    return facts.targets.some((t) => t.kind === source.kind && t.key.value === source.key) && bundleReaches(facts.namespaceLabels, namespace, resources);
  });
}

/** The roots in istio-csr's `app.tls.rootCAFile`, read from the Secret, ConfigMap or Bundle behind it. */
function istioCsrTrustBundle(chart: TrustChartValues, resources: readonly Resource[], chain: ChainLink[]): TrustBundle | undefined {
  const { rootCAFile, rootCASource } = istioCsrFacts(chart);
  if (!rootCAFile) return undefined;
  chain.push({ description: `app.tls.rootCAFile ${rootCAFile.value}`, at: rootCAFile });
  const unreadable = (why: string): TrustBundle => ({
    fingerprints: [],
    description: `the roots in ${rootCAFile.value} (${why})`,
    complete: false,
    at: rootCAFile,
  });
  if (rootCAFile.isPlaceholder) return unreadable('filled in at deploy time');
  if (!rootCASource) return unreadable('no Secret or ConfigMap volume is mounted there in these values');
  const namespace = chart.namespace ?? ISTIO_CSR_DEFAULT_RELEASE_NAMESPACE;
  const roots: ReadRoots = { fingerprints: [], descriptions: [], missing: [] };
  const where = `${rootCASource.kind} ${rootCASource.name.value} key ${rootCASource.key}`;
  const bundle = bundleWriting(rootCASource, namespace, resources);
  const object = bundle ? undefined : namedObject(resources, rootCASource.kind, rootCASource.name.value, namespace);
  let publicCAs = false;
  let keyAt: Located<unknown> | undefined;
  if (bundle) {
    chain.push({ description: `trust-manager Bundle ${bundle.name}, which writes ${where}`, at: bundle.located(['metadata', 'name'], bundle.name) });
    const read = readBundle(bundle, resources);
    Object.assign(roots, { fingerprints: read.fingerprints, descriptions: read.descriptions, missing: read.missing });
    publicCAs = read.publicCAs;
  } else if (object) {
    chain.push({ description: where, at: object.located(['metadata', 'name'], object.name) });
    const value = objectValue(object, rootCASource.key);
    addPem(roots, value?.text, where);
    keyAt = value?.at;
  } else {
    return unreadable(`${where}, which is not in the workspace`);
  }
  const from = bundle ? `trust-manager Bundle ${bundle.name}` : where;
  const held = roots.descriptions.length ? roots.descriptions.join(', ') : 'no readable root';
  const notes = [
    ...(roots.missing.length ? [`not in the workspace or unreadable: ${roots.missing.join('; ')}`] : []),
    ...(publicCAs ? ['plus the default public CAs'] : []),
  ];
  return {
    fingerprints: roots.fingerprints,
    description: `${held} from ${from}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    complete: roots.missing.length === 0,
    at: bundle?.located(['metadata', 'name'], bundle.name) ?? keyAt ?? rootCAFile,
    bundle,
  };
}

function istioCsrProvider(chart: TrustChartValues, resources: readonly Resource[]): TrustProvider {
  const chain: ChainLink[] = [];
  const { issuer } = istioCsrFacts(chart);
  const signing = rootOfReference(issuer, resources, chain, chart.resource);
  const trusts = istioCsrTrustBundle(chart, resources, chain);
  // With app.tls.rootCAFile, the file is what workloads trust; when the issuer's own root is not readable here,
  // the file's roots are the cluster's root, compared like a cacerts root-cert.pem.
  const root: RootOfTrust = !trusts
    ? signing
    : signing.kind === 'unknown' || signing.kind === 'vault' || signing.kind === 'generated'
      ? trusts.fingerprints.length
        ? { kind: 'certificates', fingerprints: trusts.fingerprints, description: trusts.description, at: trusts.at, trusts }
        : signing.kind === 'unknown'
          ? signing
          : { ...signing, trusts }
      : { ...signing, trusts };
  return {
    kind: 'istio-csr',
    resource: chart.resource,
    anchor: issuer.name ?? chart.anchor,
    description: `istio-csr with ${issuer.kind} ${issuer.resolvedName}`,
    chain,
    root,
    chart,
  };
}

function spireProvider(chart: TrustChartValues, cluster: Cluster): TrustProvider {
  const facts = spireFacts(chart);
  const anchor = facts.trustDomain ?? chart.anchor;
  const domain = facts.trustDomain?.value ?? 'its default trust domain';
  let root: RootOfTrust;
  if (facts.vault && !facts.vault.server.isPlaceholder) {
    const mount = facts.vault.mount.value;
    root = {
      kind: 'vault',
      key: `${facts.vault.server.value.replace(/\/+$/, '')}|${mount}`,
      description: `the Vault PKI mount \`${mount}\` at ${facts.vault.server.value}`,
      at: facts.vault.mount,
    };
  } else if (facts.otherUpstream || facts.vault) {
    root = { kind: 'unknown', description: `SPIRE's upstream authority (${facts.otherUpstream ?? 'vault'})` };
  } else if (facts.federation?.value === true) {
    root = { kind: 'federated', description: `SPIRE trust domain ${domain}, federated with the others`, at: facts.federation };
  } else {
    // A SPIRE server without an upstream authority signs with a CA it makes itself: one root per cluster.
    root = {
      kind: 'generated',
      key: `spire@${cluster.name}`,
      description: `the CA the SPIRE server of ${cluster.name} makes itself (trust domain ${domain})`,
      at: anchor,
    };
  }
  return { kind: 'spire', resource: chart.resource, anchor, description: `SPIRE, trust domain ${domain}`, chain: [], root, chart };
}

/** Text of the Envoy SDS socket the SPIFFE CSI driver mounts, as the SPIRE integration's injection template writes it. */
const SPIRE_SOCKET_MARKS = ['csi.spiffe.io', 'workload-spiffe-uds'];

/**
 * Whether the cluster's istiod hands workload identity to SPIRE: its values carry a `spire` injection template
 * or mount the SPIRE socket, or point workloads at another CA (`global.caAddress`). Unknown (true) when the
 * workspace holds none of the cluster's control plane values.
 */
function usesSpire(cluster: Cluster): boolean {
  if (!cluster.controlPlanes.length) return true;
  return cluster.controlPlanes.some((install) => {
    // Merged values (GitOps wrappers) are read from their root; a resource's values sit at its values path.
    const [values, root] = install.values ? [install.values, []] : [install.resource, install.valuesPath];
    if (install.caAddress || values.get([...root, 'sidecarInjectorWebhook', 'templates', 'spire']) !== undefined) return true;
    const text = JSON.stringify(values.get(root) ?? null) + JSON.stringify(install.resource.object);
    return SPIRE_SOCKET_MARKS.some((mark) => text.includes(mark));
  });
}

/**
 * Every trust provider the cluster's files hold, in the order they take effect (the first is the cluster's),
 * and those installed in the cluster that its istiod does not use (SPIRE beside an istiod that signs itself).
 */
export function trustProvidersOf(
  cluster: Cluster,
  controlPlaneNamespace: string,
  lookup: readonly Resource[],
): { providers: TrustProvider[]; unused: TrustProvider[] } {
  const providers: TrustProvider[] = [];
  const unused: TrustProvider[] = [];
  // Only these kinds can be a provider; their selection is carried over when an edit rebuilds the cluster.
  for (const resource of resourcesOfKind(cluster.resources, CERTIFICATE_KIND, ...TRUST_CHART_KINDS)) {
    if (isCacertsCertificate(resource, controlPlaneNamespace)) providers.push(certificateProvider(resource, cluster.resources));
    const chart = readTrustChart(resource, lookup);
    if (chart?.chart === ISTIO_CSR_CHART) providers.push(istioCsrProvider(chart, cluster.resources));
    if (chart?.chart === SPIRE_CHART) (usesSpire(cluster) ? providers : unused).push(spireProvider(chart, cluster));
  }
  if (cluster.cacerts) providers.push(cacertsProvider(cluster.cacerts));
  return { providers: providers.sort((a, b) => PRECEDENCE.indexOf(a.kind) - PRECEDENCE.indexOf(b.kind)), unused };
}

/** Whether two roots are the very same root (not merely trusted by each other); undefined when the workspace cannot tell. */
export function sameSigningRoot(a: RootOfTrust, b: RootOfTrust): boolean | undefined {
  if (a.kind !== b.kind || a.kind === 'unknown' || b.kind === 'unknown') return undefined;
  // Sharing any root is enough: a bundle of old and new roots during a rotation is fine.
  if (a.kind === 'certificates' && b.kind === 'certificates') return a.fingerprints.some((fp) => b.fingerprints.includes(fp));
  if (a.kind === 'federated') return true;
  return (a as { key: string }).key === (b as { key: string }).key;
}

/** Whether the workloads under `truster` accept certificates signed under `signer`'s root; undefined when not known. */
export function trustsRootOf(truster: RootOfTrust, signer: RootOfTrust): boolean | undefined {
  if (signer.kind !== 'certificates') return undefined;
  const bundle = truster.trusts;
  if (!bundle) return truster.kind === 'certificates' ? truster.fingerprints.some((fp) => signer.fingerprints.includes(fp)) : undefined;
  if (bundle.fingerprints.some((fp) => signer.fingerprints.includes(fp))) return true;
  return bundle.complete ? false : undefined;
}

/**
 * Whether two clusters' roots make one trust: the same root, or (when a cluster distributes a trust bundle of
 * its own) each trusting the other's root: federation. Undefined when the workspace cannot tell.
 */
export function sameRoot(a: RootOfTrust, b: RootOfTrust): boolean | undefined {
  const signing = sameSigningRoot(a, b);
  if (signing === true || (!a.trusts && !b.trusts)) return signing;
  const both = [trustsRootOf(a, b), trustsRootOf(b, a)];
  if (both.includes(false)) return false;
  return both.every((t) => t === true) ? true : undefined;
}

/**
 * Whether two providers' roots can never be one: a root made inside one cluster (or SPIRE federation) against
 * a root of another kind. A committed PEM against a Vault mount may well be the same root: not judged.
 */
export function cannotShareRoot(a: RootOfTrust, b: RootOfTrust): boolean {
  if (a.kind === b.kind || a.kind === 'unknown' || b.kind === 'unknown') return false;
  const madeInCluster = (root: RootOfTrust) => root.kind === 'generated' || root.kind === 'federated';
  return madeInCluster(a) || madeInCluster(b);
}
