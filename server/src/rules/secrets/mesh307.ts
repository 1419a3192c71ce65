import type { MeshRule } from '../rule';
import { remoteSecretDisagrees } from '../facts';
import { describeSecret, misregisteredTargets, secretIdentities, type SecretIdentity } from './identities';

function describeIdentity(identity: SecretIdentity): string {
  return `its ${identity.source} says \`${identity.cluster}\``;
}

export const remoteSecretNamesDisagree: MeshRule = {
  scope: 'mesh',
  code: 'MESH307',
  title: "A remote secret's data key and annotation disagree about the cluster",
  severity: 'warning',
  check(mesh) {
    return mesh.remoteSecrets.flatMap((secret) => {
      const identities = secretIdentities(secret);
      // A secret with several kubeconfigs registers several clusters; one name cannot agree with all of them.
      if (identities.filter((i) => i.source === 'data key').length > 1) return [];
      if (new Set(identities.map((i) => i.cluster)).size < 2) return [];
      const [registered, ...others] = identities;
      return [{
        code: remoteSecretNamesDisagree.code,
        severity: remoteSecretNamesDisagree.severity,
        location: registered.where.location(registered.source === 'data key' ? 'key' : 'value'),
        cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
        related: others.map((other) => ({ location: other.where.location(), message: `the ${other.source} says ${other.cluster}` })),
        message:
          `${describeSecret(secret)} disagrees about its cluster: ${identities.map(describeIdentity).join(', ')}. ` +
          `istiod registers the ${registered.source === 'data key' ? 'data key' : registered.source}; make all of them the cluster's clusterName.`,
        explains: [remoteSecretDisagrees(secret), ...misregisteredTargets(secret, registered.cluster, (cluster) => mesh.clusters.has(cluster))],
      }];
    });
  },
};
