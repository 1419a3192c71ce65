import { cannotShareRoot } from '../../mesh/trust';
import type { MeshRule } from '../rule';
import { chainInformation, clusterRoots, clustersWithVerb } from './mesh601';

export const providersCannotShareRoot: MeshRule = {
  scope: 'mesh',
  code: 'MESH605',
  title: 'The clusters use trust providers that cannot share one root',
  severity: 'warning',
  check(mesh) {
    const trusts = clusterRoots(mesh.clusters.values());
    return trusts.flatMap((own) => {
      const strangers = trusts.filter((other) => other !== own && cannotShareRoot(own.root, other.root));
      if (!strangers.length) return [];
      return [
        {
          code: providersCannotShareRoot.code,
          severity: providersCannotShareRoot.severity,
          location: own.root.at.location(),
          cluster: own.cluster.name,
          related: strangers.flatMap(chainInformation),
          message:
            `${own.cluster.name}'s root of trust is ${own.root.description} (from ${own.provider.description}), ` +
            `which cannot be the root ${clustersWithVerb(strangers, 'uses', 'use')} (${strangers.map((s) => s.root.description).join('; ')}): ` +
            `a root made inside one cluster is never another provider's. Give every cluster one root, e.g. one cert-manager CA or Vault issuer for all of them.`,
        },
      ];
    });
  },
};
