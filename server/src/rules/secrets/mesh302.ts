import { remoteSecretDisagrees } from '../facts';
import type { MeshRule } from '../rule';
import { describeSecret, misregisteredTargets, registeredIdentities } from './identities';

export const remoteSecretUnknownCluster: MeshRule = {
  scope: 'mesh',
  code: 'MESH302',
  title: 'A remote secret names a cluster that is not in the mesh',
  severity: 'warning',
  check(mesh) {
    // In a one-cluster workspace the other clusters' files are simply elsewhere.
    if (mesh.clusters.size < 2) return [];
    const known = [...mesh.clusters.keys()].sort();
    return mesh.remoteSecrets.flatMap((secret) =>
      registeredIdentities(secret)
        .filter((identity) => !mesh.clusters.has(identity.cluster))
        .map((identity) => ({
          code: remoteSecretUnknownCluster.code,
          severity: remoteSecretUnknownCluster.severity,
          location: identity.where.location(identity.source === 'data key' ? 'key' : 'value'),
          cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
          message:
            `${describeSecret(secret)} registers cluster \`${identity.cluster}\` (its ${identity.source}), which is not a cluster of this mesh (${known.join(', ')}). ` +
            `istiod takes this name as the cluster's ID, so it must equal that cluster's clusterName.`,
          explains: misregisteredTargets(secret, identity.cluster, (cluster) => mesh.clusters.has(cluster)),
          explainedBy: [remoteSecretDisagrees(secret)],
          consequence: `istiod registers cluster \`${identity.cluster}\`, which is not a cluster of this mesh`,
        })),
    );
  },
};
