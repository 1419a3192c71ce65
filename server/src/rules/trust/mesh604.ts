import type { MeshRule } from '../rule';
import { clusterAnchor, controlPlaneNamespaceOf } from '../secrets/places';
import { createCacertsCommand, describeProviders, trustProviderOf } from './common';

export const cacertsPartial: MeshRule = {
  scope: 'mesh',
  code: 'MESH604',
  title: 'Some clusters have a cacerts secret and others have none',
  severity: 'warning',
  check(mesh) {
    if (mesh.clusters.size < 2) return [];
    const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
    const withTrust = clusters.filter(trustProviderOf);
    if (!withTrust.length) return [];
    // With only cacerts secrets the plug-in CA's words; with other providers, which ones the others use.
    const onlyCacerts = withTrust.every((c) => trustProviderOf(c)!.kind === 'cacerts');
    // Only a primary runs the istiod that would mint its own root; a remote's workloads are signed by its primary.
    // An istiod with global.caAddress hands signing to an external CA (MESH609 judges where it points).
    const mintsOwnRoot = (c: (typeof clusters)[number]) => c.role === 'primary' && !trustProviderOf(c) && !c.controlPlanes.some((cp) => cp.caAddress);
    return clusters.filter(mintsOwnRoot).flatMap((cluster) => {
      const location = clusterAnchor(cluster);
      if (!location) return [];
      const others = withTrust.map((c) => c.name).join(', ');
      const theyHave = onlyCacerts
        ? `no cacerts secret while ${others} ${withTrust.length === 1 ? 'has one' : 'have one'}`
        : `no cacerts secret nor other root of trust while ${withTrust.length === 1 ? 'another cluster gets one' : 'other clusters get theirs'} from ${describeProviders(withTrust)}`;
      return [
        {
          code: cacertsPartial.code,
          severity: cacertsPartial.severity,
          location,
          cluster: cluster.name,
          related: withTrust.map((other) => {
            const provider = trustProviderOf(other)!;
            return {
              location: provider.anchor.location(),
              message: provider.kind === 'cacerts' ? `cacerts of ${other.name}` : `${provider.description} of ${other.name}`,
            };
          }),
          message:
            `${cluster.name} has ${theyHave}: ` +
            `its istiod would mint its own self-signed root, which the other clusters do not trust. ` +
            (onlyCacerts
              ? `Create it from the same root: \`${createCacertsCommand(cluster.name, controlPlaneNamespaceOf(mesh, cluster))}\`.`
              : `Give it the same provider and issuer as the others, or a cacerts secret from their root.`),
        },
      ];
    });
  },
};
