import type { Cluster } from '../../mesh/model';
import { type RootOfTrust, sameRoot, type TrustProvider, trustsRootOf } from '../../mesh/trust';
import { samePath } from '../../parse/pathAt';
import type { Located } from '../../resources/resource';
import type { RelatedInformation } from '../finding';
import type { MeshRule } from '../rule';
import { mintsCertificates } from './common';

type KnownRoot = Exclude<RootOfTrust, { kind: 'unknown' }>;

export interface ClusterTrust {
  cluster: Cluster;
  provider: TrustProvider;
  root: KnownRoot;
}

/** The clusters whose istiod signs workload certificates, each with the root its provider ends at (when known). */
export function clusterRoots(clusters: Iterable<Cluster>): ClusterTrust[] {
  return [...clusters]
    .filter(mintsCertificates)
    .flatMap((cluster) => {
      const provider = cluster.trustProviders[0];
      return provider && provider.root.kind !== 'unknown' ? [{ cluster, provider, root: provider.root }] : [];
    })
    .sort((a, b) => a.cluster.name.localeCompare(b.cluster.name));
}

/** Each step of the other cluster's chain, then its root: the path a reader follows to see why they differ. */
export function chainInformation(other: ClusterTrust): RelatedInformation[] {
  const isRoot = (at: Located<unknown>) => at.doc === other.root.at.doc && samePath(at.path, other.root.at.path);
  const steps = other.provider.chain
    .filter((link) => !isRoot(link.at))
    .map((link) => ({ location: link.at.location(), message: `trust chain of ${other.cluster.name}: ${link.description}` }));
  return [...steps, { location: rootLocation(other), message: `root of ${other.cluster.name}: ${other.root.description}` }];
}

/** `cluster2 does` / `cluster2, cluster3 do`, with the verb's singular and plural forms. */
export function clustersWithVerb(strangers: readonly ClusterTrust[], singular = 'does', plural = 'do'): string {
  return `${strangers.map((s) => s.cluster.name).join(', ')} ${strangers.length === 1 ? singular : plural}`;
}

/** Where a root is reported: the key of a PEM entry, the value that names a Vault mount or root Certificate. */
function rootLocation(trust: ClusterTrust) {
  return trust.root.kind === 'certificates' ? trust.root.at.location('key') : trust.root.at.location();
}

/**
 * Where a cluster distributes a trust bundle (istio-csr's rootCAFile, a trust-manager Bundle), which root each
 * bundle lacks: federation needs every cluster's bundle to hold every other cluster's root. Empty without bundles.
 */
function bundleGaps(own: ClusterTrust, strangers: readonly ClusterTrust[]): string {
  // The bundle is named in words only where the message has not already described it as the cluster's root.
  const lacks = (truster: ClusterTrust, signer: ClusterTrust) => {
    const bundle = truster.root.trusts;
    if (!bundle || trustsRootOf(truster.root, signer.root) !== false) return [];
    return [
      `${truster.cluster.name}'s trust bundle${bundle.description === truster.root.description ? '' : ` (${bundle.description})`} does not hold ${signer.cluster.name}'s root`,
    ];
  };
  const gaps = strangers.flatMap((other) => [...lacks(own, other), ...lacks(other, own)]);
  return gaps.length
    ? `${gaps.join('; ')}: add each missing root to the trust bundle that lacks it, or issue every cluster's intermediate CA from one root.`
    : '';
}

/** How to repair differing roots: complete the trust bundles when there are any, else one root (or SPIRE federation). */
function federationAdvice(own: ClusterTrust, strangers: readonly ClusterTrust[]): string {
  const gaps = bundleGaps(own, strangers);
  if (gaps) return gaps;
  return own.provider.kind === 'spire'
    ? 'Give the SPIRE servers one upstream authority, or federate them.'
    : "Issue every cluster's intermediate CA from one root.";
}

export const rootCertificatesDiffer: MeshRule = {
  scope: 'mesh',
  code: 'MESH601',
  title: 'The trust chains of the clusters end at different roots',
  severity: 'error',
  check(mesh) {
    const trusts = clusterRoots(mesh.clusters.values());
    return trusts.flatMap((own) => {
      const strangers = trusts.filter((other) => other !== own && sameRoot(own.root, other.root) === false);
      if (!strangers.length) return [];
      // The plug-in CA's own words ("trusts X in root-cert.pem, which cluster2 does not"); other providers say where their chain ends.
      const differs =
        own.provider.kind === 'cacerts'
          ? `trusts ${own.root.description}, which ${clustersWithVerb(strangers)} not`
          : `gets its root of trust from ${own.provider.description}, whose chain ends at ${own.root.description}; ${strangers.map((s) => `${s.cluster.name}'s ends at ${s.root.description}`).join('; ')}`;
      return [
        {
          code: rootCertificatesDiffer.code,
          severity: rootCertificatesDiffer.severity,
          location: rootLocation(own),
          cluster: own.cluster.name,
          related: strangers.flatMap(chainInformation),
          message:
            `${own.cluster.name} ${differs}: ` +
            `workloads reject the other cluster's certificates ("x509: certificate signed by unknown authority"). ${federationAdvice(own, strangers)}`,
        },
      ];
    });
  },
};
