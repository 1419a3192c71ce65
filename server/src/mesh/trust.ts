import type { Cluster } from './model';
import { describeCertificate, readCertificates, rootFingerprints, type CaCerts } from '../resources/cacerts';
import {
  CERTIFICATE_KIND,
  certificateIssuerRef,
  certificateSecretName,
  CLUSTER_ISSUER_KIND,
  ISSUER_KIND,
  issuerBackend,
  istioCsrFacts,
  ISTIO_CSR_CHART,
  readTrustChart,
  SPIRE_CHART,
  spireFacts,
  type IssuerRef,
  type TrustChartValues,
} from '../resources/certManager';
import { secretValues } from '../resources/remoteSecret';
import type { Located, Resource } from '../resources/resource';
import { CACERTS_SECRET_NAME } from '../resources/cacerts';

/**
 * Who gives a cluster its root of trust, whoever provides it: a committed `cacerts` Secret, a cert-manager
 * `Certificate` that writes it, istio-csr (istiod hands signing to cert-manager), or SPIRE. Each provider
 * is followed to its root as far as the workspace tells: a certificate fingerprint when the root PEM is
 * here, a Vault PKI mount, a root cert-manager or SPIRE generates itself, or unknown.
 */

export type TrustProviderKind = 'cacerts' | 'cert-manager' | 'istio-csr' | 'spire';

export type RootOfTrust =
  /** Root certificates whose PEM is in the workspace (root-cert.pem, a CA issuer's `ca.crt`). */
  | { kind: 'certificates'; fingerprints: string[]; description: string; at: Located<unknown> }
  /** A Vault PKI mount: the same mount on the same server is the same root. */
  | { kind: 'vault'; key: string; description: string; at: Located<unknown> }
  /** A root made inside the cluster (cert-manager `selfSigned`, SPIRE's own CA): one per root Certificate / server. */
  | { kind: 'generated'; key: string; description: string; at: Located<unknown> }
  /** SPIRE federation: trust bundles are exchanged between trust domains rather than rooted in one CA. */
  | { kind: 'federated'; description: string; at: Located<unknown> }
  | { kind: 'unknown'; description: string };

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
  // A resource written without a namespace is applied with `-n`: it may be in any.
  return (resource: Resource) => !namespace || !resource.namespace || resource.namespace === namespace;
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
      if (backend.server.isPlaceholder || backend.path.isPlaceholder) return { kind: 'unknown', description: `the Vault PKI of ${issuer.displayName} (filled in at deploy time)` };
      chain.push({ description: `Vault PKI mount \`${backend.mount}\` at ${backend.server.value}`, at: backend.path });
      return { kind: 'vault', key: `${backend.server.value.replace(/\/+$/, '')}|${backend.mount}`, description: `the Vault PKI mount \`${backend.mount}\` at ${backend.server.value}`, at: backend.path };
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
      const secret = resources.find((r) => r.kind === 'Secret' && r.name === secretName && byNamespace(namespace)(r));
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
  const root: RootOfTrust = rootCert && fingerprints.length
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
  return resource.kind === CERTIFICATE_KIND && certificateSecretName(resource)?.value === CACERTS_SECRET_NAME && (resource.namespace ?? controlPlaneNamespace) === controlPlaneNamespace;
}

function certificateProvider(certificate: Resource, resources: readonly Resource[]): TrustProvider {
  const chain: ChainLink[] = [];
  const root = rootOfCertificate(certificate, resources, chain);
  return { kind: 'cert-manager', resource: certificate, anchor: certificate.located(['metadata', 'name'], certificate.name), description: `cert-manager ${certificate.displayName}`, chain, root };
}

function istioCsrProvider(chart: TrustChartValues, resources: readonly Resource[]): TrustProvider {
  const chain: ChainLink[] = [];
  const { issuer } = istioCsrFacts(chart);
  const root = rootOfReference(issuer, resources, chain, chart.resource);
  return { kind: 'istio-csr', resource: chart.resource, anchor: issuer.name ?? chart.anchor, description: `istio-csr with ${issuer.kind} ${issuer.resolvedName}`, chain, root, chart };
}

function spireProvider(chart: TrustChartValues, cluster: Cluster): TrustProvider {
  const facts = spireFacts(chart);
  const anchor = facts.trustDomain ?? chart.anchor;
  const domain = facts.trustDomain?.value ?? 'its default trust domain';
  let root: RootOfTrust;
  if (facts.vault && !facts.vault.server.isPlaceholder) {
    const mount = facts.vault.mount.value;
    root = { kind: 'vault', key: `${facts.vault.server.value.replace(/\/+$/, '')}|${mount}`, description: `the Vault PKI mount \`${mount}\` at ${facts.vault.server.value}`, at: facts.vault.mount };
  } else if (facts.otherUpstream || facts.vault) {
    root = { kind: 'unknown', description: `SPIRE's upstream authority (${facts.otherUpstream ?? 'vault'})` };
  } else if (facts.federation?.value === true) {
    root = { kind: 'federated', description: `SPIRE trust domain ${domain}, federated with the others`, at: facts.federation };
  } else {
    // A SPIRE server without an upstream authority signs with a CA it makes itself: one root per cluster.
    root = { kind: 'generated', key: `spire@${cluster.name}`, description: `the CA the SPIRE server of ${cluster.name} makes itself (trust domain ${domain})`, at: anchor };
  }
  return { kind: 'spire', resource: chart.resource, anchor, description: `SPIRE, trust domain ${domain}`, chain: [], root, chart };
}

/** Every trust provider the cluster's files hold, in the order they take effect (the first is the cluster's). */
export function trustProvidersOf(cluster: Cluster, controlPlaneNamespace: string, lookup: readonly Resource[]): TrustProvider[] {
  const providers: TrustProvider[] = [];
  for (const resource of cluster.resources) {
    if (isCacertsCertificate(resource, controlPlaneNamespace)) providers.push(certificateProvider(resource, cluster.resources));
    const chart = readTrustChart(resource, lookup);
    if (chart?.chart === ISTIO_CSR_CHART) providers.push(istioCsrProvider(chart, cluster.resources));
    if (chart?.chart === SPIRE_CHART) providers.push(spireProvider(chart, cluster));
  }
  if (cluster.cacerts) providers.push(cacertsProvider(cluster.cacerts));
  return providers.sort((a, b) => PRECEDENCE.indexOf(a.kind) - PRECEDENCE.indexOf(b.kind));
}

/** Whether two roots are the same: undefined when the workspace cannot tell (different kinds, or unknown). */
export function sameRoot(a: RootOfTrust, b: RootOfTrust): boolean | undefined {
  if (a.kind !== b.kind || a.kind === 'unknown' || b.kind === 'unknown') return undefined;
  // Sharing any root is enough: a bundle of old and new roots during a rotation is fine.
  if (a.kind === 'certificates' && b.kind === 'certificates') return a.fingerprints.some((fp) => b.fingerprints.includes(fp));
  if (a.kind === 'federated') return true;
  return (a as { key: string }).key === (b as { key: string }).key;
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
