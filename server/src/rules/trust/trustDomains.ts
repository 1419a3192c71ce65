import type { Cluster } from '../../mesh/model';
import { istioCsrFacts, SPIRE_DEFAULT_TRUST_DOMAIN, spireFacts } from '../../resources/certManager';
import { DEFAULT_TRUST_DOMAIN } from '../../resources/installConfig';
import type { ValuesReader } from '../../resources/mergedValues';
import type { Located } from '../../resources/resource';
import type { Finding, Fix } from '../finding';
import { insertValueFix, replaceValueFix } from '../fixes';
import type { MeshRule } from '../rule';
import { clusterAnchor } from '../secrets/places';
import { mintsCertificates } from './common';

const TRUST_DOMAIN_DOCS = 'https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig';

interface ClusterTrustDomain {
  cluster: Cluster;
  /** The trust domain in effect (`cluster.local` when unset). */
  domain: string;
  written?: Located<string>;
  aliases: Set<string>;
}

/** The trust domain of a cluster's istiod, from the first control plane that sets it; undefined when filled in at deploy time. */
function trustDomainOf(cluster: Cluster): ClusterTrustDomain | undefined {
  const written = cluster.controlPlanes.map((i) => i.trustDomain).find((d) => d !== undefined);
  if (written?.isPlaceholder) return undefined;
  const aliases = cluster.controlPlanes
    .flatMap((i) => i.trustDomainAliases ?? [])
    .filter((a) => !a.isPlaceholder)
    .map((a) => a.value);
  return { cluster, domain: written?.value ?? DEFAULT_TRUST_DOMAIN, written, aliases: new Set(aliases) };
}

function where(trust: ClusterTrustDomain) {
  return trust.written?.location() ?? clusterAnchor(trust.cluster);
}

export const trustDomainsDiffer: MeshRule = {
  scope: 'mesh',
  code: 'MESH610',
  title: 'Trust domains differ between clusters without trustDomainAliases',
  severity: 'warning',
  check(mesh) {
    const domains = [...mesh.clusters.values()]
      .filter((c) => mintsCertificates(c) && c.controlPlanes.length > 0)
      .flatMap((c) => trustDomainOf(c) ?? [])
      .sort((a, b) => a.cluster.name.localeCompare(b.cluster.name));
    return domains.flatMap((own): Finding[] => {
      const uncovered = domains.filter((other) => other.domain !== own.domain && !own.aliases.has(other.domain));
      // Located only when reported: a location builds its document's CST, and a mesh has hundreds of clusters.
      const location = uncovered.length ? where(own) : undefined;
      if (!location) return [];
      const foreign = [...new Set(uncovered.map((o) => o.domain))];
      // When every other cluster agrees, using their domain is the obvious repair; adding aliases is the other.
      const fixes: Fix[] =
        own.written && foreign.length === 1 && uncovered.length === domains.length - 1
          ? [replaceValueFix(`Use trust domain ${foreign[0]} like the other clusters`, own.written, foreign[0], false)]
          : [];
      return [
        {
          code: trustDomainsDiffer.code,
          severity: trustDomainsDiffer.severity,
          location,
          cluster: own.cluster.name,
          related: uncovered.flatMap((other) => {
            const at = where(other);
            return at ? [{ location: at, message: `trust domain of ${other.cluster.name}: ${other.domain}` }] : [];
          }),
          message:
            `${own.cluster.name} uses trust domain "${own.domain}"${own.written ? '' : ' (the default)'} while ${uncovered.map((o) => `${o.cluster.name} uses "${o.domain}"`).join(', ')}, ` +
            `and its meshConfig.trustDomainAliases does not list ${foreign.map((d) => `"${d}"`).join(', ')}: ` +
            `identities from the other cluster (spiffe://${foreign[0]}/...) match no authorization policy here and fail peer checks (istio#39204). ` +
            `Use one trust domain, or list the others in trustDomainAliases on every cluster (${TRUST_DOMAIN_DOCS}).`,
          ...(fixes.length ? { fixes } : {}),
        },
      ];
    });
  },
};

export const spireTrustDomainMismatch: MeshRule = {
  scope: 'mesh',
  code: 'MESH611',
  title: "SPIRE's trust domain is not the mesh's",
  severity: 'warning',
  check(mesh) {
    return [...mesh.clusters.values()].flatMap((cluster) => {
      const istio = trustDomainOf(cluster);
      if (!istio || !cluster.controlPlanes.length) return [];
      return cluster.trustProviders.flatMap((provider): Finding[] => {
        if (provider.kind !== 'spire' || !provider.chart) return [];
        const spire = spireFacts(provider.chart).trustDomain;
        if (spire?.isPlaceholder) return [];
        const domain = spire?.value ?? SPIRE_DEFAULT_TRUST_DOMAIN;
        if (domain === istio.domain) return [];
        const istioAt = where(istio);
        return [
          {
            code: spireTrustDomainMismatch.code,
            severity: spireTrustDomainMismatch.severity,
            location: (spire ?? provider.anchor).location(),
            cluster: cluster.name,
            related: istioAt ? [{ location: istioAt, message: `Istio's trust domain in ${cluster.name}: ${istio.domain}` }] : [],
            message:
              `SPIRE in ${cluster.name} issues identities in trust domain "${domain}"${spire ? '' : ' (the chart default)'}, but istiod's meshConfig.trustDomain is "${istio.domain}"${istio.written ? '' : ' (the default)'}: ` +
              `istiod and the proxies do not accept the SPIRE identities as the mesh's. Set both to one trust domain (https://istio.io/latest/docs/ops/integrations/spire/).`,
            ...(spire ? { fixes: [replaceValueFix(`Set SPIRE's trust domain to ${istio.domain}`, spire, istio.domain)] } : {}),
          },
        ];
      });
    });
  },
};

const ISTIO_CSR_DOCS = 'https://cert-manager.io/docs/usage/istio-csr/';

/** The key of the deepest written mapping on `path` (`app.tls`, else `app`), where a missing value belongs. */
function keyWhereMissing(values: ValuesReader, path: string[]) {
  for (let length = path.length; length > 0; length--) {
    const prefix = path.slice(0, length);
    if (values.get(prefix) !== undefined) return values.located(prefix, undefined).location('key');
  }
  return undefined;
}

export const istioCsrTrustDomainMismatch: MeshRule = {
  scope: 'mesh',
  code: 'MESH614',
  title: "istio-csr's trust domain is not istiod's",
  severity: 'error',
  check(mesh) {
    return [...mesh.clusters.values()].flatMap((cluster) => {
      const istio = trustDomainOf(cluster);
      if (!istio || !cluster.controlPlanes.length || !mintsCertificates(cluster)) return [];
      return cluster.trustProviders.flatMap((provider): Finding[] => {
        if (provider.kind !== 'istio-csr' || !provider.chart) return [];
        const { chart } = provider;
        const written = istioCsrFacts(chart).trustDomain;
        if (written?.isPlaceholder) return [];
        // The chart's default is istiod's own default, cluster.local.
        const domain = written?.value ?? DEFAULT_TRUST_DOMAIN;
        if (domain === istio.domain) return [];
        const istioAt = where(istio);
        const title = `Set app.tls.trustDomain to ${istio.domain}`;
        const fix = written
          ? replaceValueFix(title, written, istio.domain)
          : chart.plainValuesFile
            ? insertValueFix(title, chart.resource.doc, ['app', 'tls', 'trustDomain'], istio.domain)
            : undefined;
        return [
          {
            code: istioCsrTrustDomainMismatch.code,
            severity: istioCsrTrustDomainMismatch.severity,
            location: written?.location() ?? keyWhereMissing(chart.values, ['app', 'tls']) ?? chart.anchor.location(),
            cluster: cluster.name,
            related: istioAt ? [{ location: istioAt, message: `istiod's trust domain in ${cluster.name}: ${istio.domain}` }] : [],
            message:
              `istio-csr in ${cluster.name} works in trust domain "${domain}"${written ? '' : ' (the chart default)'}, but istiod's meshConfig.trustDomain is "${istio.domain}"${istio.written ? '' : ' (the default)'}: ` +
              `the workloads ask for identities (spiffe://${istio.domain}/...) that istio-csr does not sign. Set app.tls.trustDomain to istiod's trust domain (${ISTIO_CSR_DOCS}).`,
            ...(fix ? { fixes: [{ ...fix, preferred: true }] } : {}),
          },
        ];
      });
    });
  },
};
