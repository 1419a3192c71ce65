import { REMOTE_SECRET_PREFIX, type RemoteSecret } from '../../resources/remoteSecret';
import { remoteSecretDisagrees } from '../facts';
import type { Fix, TextReplacement } from '../finding';
import { yamlScalar } from '../fixes';
import type { MeshRule } from '../rule';
import { describeSecret, misregisteredTargets, secretIdentities, type SecretIdentity } from './identities';

function describeIdentity(identity: SecretIdentity): string {
  return `its ${identity.source} says \`${identity.cluster}\``;
}

/**
 * For each cluster of the mesh the secret names, the renames that make its data key, annotation and (when it is
 * `istio-remote-secret-<cluster>`) its name say that cluster. Only names are rewritten: the kubeconfig under the
 * data key is never part of an edit. Preferred when only one of the names is a cluster of the mesh.
 */
function agreeFixes(secret: RemoteSecret, identities: SecretIdentity[], inMesh: (cluster: string) => boolean): Fix[] | undefined {
  const candidates = [...new Set(identities.map((i) => i.cluster))].filter(inMesh);
  if (candidates.length === 0) return undefined;
  return candidates.map((cluster) => {
    const edits: TextReplacement[] = identities
      .filter((i) => i.cluster !== cluster)
      .map((i) => ({ location: i.where.location(i.source === 'data key' ? 'key' : 'value'), newText: yamlScalar(cluster) }));
    const name = secret.resource.locatedString(['metadata', 'name']);
    if (name && secret.nameCluster !== undefined && secret.nameCluster !== cluster)
      edits.push({ location: name.location(), newText: yamlScalar(`${REMOTE_SECRET_PREFIX}${cluster}`) });
    return { title: `Make the remote secret's names say cluster ${cluster}`, preferred: candidates.length === 1, edits };
  });
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
      return [
        {
          code: remoteSecretNamesDisagree.code,
          severity: remoteSecretNamesDisagree.severity,
          location: registered.where.location(registered.source === 'data key' ? 'key' : 'value'),
          cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
          related: others.map((other) => ({ location: other.where.location(), message: `the ${other.source} says ${other.cluster}` })),
          message:
            `${describeSecret(secret)} disagrees about its cluster: ${identities.map(describeIdentity).join(', ')}. ` +
            `istiod registers the ${registered.source === 'data key' ? 'data key' : registered.source}; make all of them the cluster's clusterName.`,
          explains: [remoteSecretDisagrees(secret), ...misregisteredTargets(secret, registered.cluster, (cluster) => mesh.clusters.has(cluster))],
          fixes: agreeFixes(secret, identities, (cluster) => mesh.clusters.has(cluster)),
        },
      ];
    });
  },
};
