import type { Cluster } from '../../mesh/model';
import { resourcesOfKind } from '../../mesh/selection';
import { readBundle, type TrustProvider } from '../../mesh/trust';
import { shortFingerprint } from '../../resources/cacerts';
import { BUNDLE_KIND, bundleFacts, isBundle, istioCsrFacts } from '../../resources/certManager';
import type { Resource } from '../../resources/resource';
import type { Finding } from '../finding';
import type { MeshRule } from '../rule';

const TRUST_MANAGER_DOCS = 'https://cert-manager.io/docs/trust/trust-manager/';

/** Every root fingerprint a cluster's provider signs under or distributes, with the clusters it belongs to. */
function meshRootOwners(clusters: readonly Cluster[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const cluster of clusters) {
    const root = cluster.trustProviders[0]?.root;
    if (root?.kind !== 'certificates') continue;
    for (const fingerprint of root.fingerprints) owners.set(fingerprint, [...(owners.get(fingerprint) ?? []), cluster.name]);
  }
  return owners;
}

/** The istio-csr values of the cluster's provider, when istio-csr is it. */
function istioCsrOf(provider: TrustProvider | undefined) {
  return provider?.kind === 'istio-csr' && provider.chart ? istioCsrFacts(provider.chart) : undefined;
}

/** Why the cluster's trust does not come from the Bundle, in words. */
function whyNotRead(bundle: Resource, provider: TrustProvider | undefined): string {
  const istioCsr = istioCsrOf(provider);
  if (!istioCsr) {
    return provider
      ? `the cluster's root comes from ${provider.description}, which reads no trust-manager Bundle (istiod takes its roots from cacerts, not from a Bundle's ConfigMap)`
      : 'no istio-csr of the cluster mounts it as app.tls.rootCAFile';
  }
  const { rootCAFile, rootCASource } = istioCsr;
  if (!rootCAFile) return "istio-csr sets no app.tls.rootCAFile, so it distributes its issuer's CA instead";
  if (rootCASource && rootCASource.name.value === bundle.name) {
    const { targets } = bundleFacts(bundle);
    const reads = `istio-csr's app.tls.rootCAFile reads ${rootCASource.kind} ${rootCASource.name.value} key ${rootCASource.key}`;
    // The right target that still does not arrive: the selector leaves istio-csr's namespace out (bundleWriting).
    if (targets.some((t) => t.kind === rootCASource.kind && t.key.value === rootCASource.key))
      return `${reads}, but the Bundle's namespaceSelector does not select istio-csr's namespace`;
    return `${reads}, while the Bundle writes ${targets.map((t) => `${t.kind} key ${t.key.value}`).join(', ') || 'no target key'}`;
  }
  return `istio-csr's app.tls.rootCAFile (${rootCAFile.value}) reads ${rootCASource ? `${rootCASource.kind} ${rootCASource.name.value}` : 'another volume'}`;
}

export const bundleNotRead: MeshRule = {
  scope: 'mesh',
  code: 'MESH613',
  title: 'A trust-manager Bundle carries mesh roots that nothing in its cluster reads',
  severity: 'information',
  check(mesh) {
    const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
    const owners = meshRootOwners(clusters);
    const unread = new Map<Resource, Cluster[]>();
    for (const cluster of clusters) {
      const read = new Set(cluster.trustProviders.map((p) => p.root.trusts?.bundle));
      for (const bundle of resourcesOfKind(cluster.resources, BUNDLE_KIND)) {
        if (!isBundle(bundle) || read.has(bundle)) continue;
        const provider = cluster.trustProviders[0];
        const namedByIstioCsr = istioCsrOf(provider)?.rootCASource?.name.value === bundle.name;
        const carriesMeshRoot = readBundle(bundle, cluster.resources).fingerprints.some((fp) => owners.has(fp));
        if (namedByIstioCsr || carriesMeshRoot) unread.set(bundle, [...(unread.get(bundle) ?? []), cluster]);
      }
    }
    return [...unread].map(([bundle, holders]): Finding => {
      const roots = readBundle(bundle, holders[0].resources).fingerprints.filter((fp) => owners.has(fp));
      const carried = roots.map((fp) => `${shortFingerprint(fp)} (root of ${owners.get(fp)!.join(', ')})`).join(', ');
      const target = bundleFacts(bundle).targets[0];
      const provider = holders[0].trustProviders[0];
      const rootCAFile = istioCsrOf(provider)?.rootCAFile;
      return {
        code: bundleNotRead.code,
        severity: bundleNotRead.severity,
        location: target ? target.key.location() : bundle.location(['metadata', 'name']),
        cluster: holders.length === 1 ? holders[0].name : undefined,
        ...(rootCAFile ? { related: [{ location: rootCAFile.location(), message: `istio-csr's app.tls.rootCAFile in ${holders[0].name}` }] } : {}),
        message:
          `trust-manager Bundle ${bundle.name ?? '(unnamed)'}${carried ? ` carries ${carried}` : ''}, but nothing in ${holders.map((c) => c.name).join(', ')} reads it: ${whyNotRead(bundle, provider)}. ` +
          `It does not change which roots the mesh's workloads trust. To federate the clusters' roots, mount its target as istio-csr's app.tls.rootCAFile (${TRUST_MANAGER_DOCS}).`,
      };
    });
  },
};
