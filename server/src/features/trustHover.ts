import type { MeshModel } from '../mesh/model';
import { sameRoot, sameSigningRoot, type TrustProvider } from '../mesh/trust';
import { CERTIFICATE_KIND, isBundle, isIssuer } from '../resources/certManager';
import type { Resource } from '../resources/resource';

/** True for the objects whose hover tells which clusters share their root (Certificate, Issuer, ClusterIssuer, trust-manager Bundle). */
export function hasTrustHover(resource: Resource): boolean {
  return resource.kind === CERTIFICATE_KIND || isIssuer(resource) || isBundle(resource);
}

/** Whether the provider's chain starts at, or passes through, the resource. */
function passesThrough(provider: TrustProvider, resource: Resource): boolean {
  return provider.resource === resource || provider.chain.some((link) => link.at.doc === resource.doc);
}

/**
 * Which clusters' trust runs through a Certificate or issuer, the root it ends at, and which clusters share
 * that root or not. Names, fingerprints and Vault addresses only: never key material.
 */
export function trustHover(mesh: MeshModel, resource: Resource): string | undefined {
  if (!hasTrustHover(resource)) return undefined;
  const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
  const through = clusters.flatMap((cluster) => {
    const provider = cluster.trustProviders.find((p) => passesThrough(p, resource));
    return provider ? [{ cluster, provider }] : [];
  });
  if (!through.length) return undefined;
  const { root } = through[0].provider;
  const lines = [`**Root of trust**: ${root.description}`, '', `Used by: ${through.map((t) => t.cluster.name).join(', ')}`];
  // A trust bundle is what the workloads accept: name the trust-manager Bundle that fills it.
  const bundles = [...new Set(through.flatMap((t) => (t.provider.root.trusts ? [t.provider.root.trusts] : [])))];
  for (const bundle of bundles) {
    const named = bundle.bundle ? `trust-manager Bundle ${bundle.bundle.name}` : 'app.tls.rootCAFile';
    lines.push('', bundle.description === root.description ? `**Trust bundle**: ${named}` : `**Trust bundle** (${named}): ${bundle.description}`);
  }
  const others = clusters.filter((c) => !through.some((t) => t.cluster === c) && c.trustProviders[0]);
  const shared = others.filter((c) => sameSigningRoot(root, c.trustProviders[0].root) === true).map((c) => c.name);
  // Another root, but each cluster's trust bundle holds the other's: federated rather than shared.
  const federated = others.filter((c) => !shared.includes(c.name) && sameRoot(root, c.trustProviders[0].root) === true).map((c) => c.name);
  const differs = others.filter((c) => sameRoot(root, c.trustProviders[0].root) === false).map((c) => c.name);
  if (shared.length) lines.push('', `Shares this root with: ${shared.join(', ')}`);
  if (federated.length) lines.push('', `Federated (each trusts the other's root) with: ${federated.join(', ')}`);
  if (differs.length) lines.push('', `Different root in: ${differs.join(', ')}`);
  return lines.join('\n');
}
