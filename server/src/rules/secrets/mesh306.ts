import { clusterNameShared } from '../facts';
import type { MeshRule } from '../rule';
import { describeSecret, registeredIdentities } from './identities';

export const remoteSecretForItself: MeshRule = {
  scope: 'mesh',
  code: 'MESH306',
  title: 'A cluster holds a remote secret for itself',
  severity: 'warning',
  check(mesh) {
    return mesh.remoteSecrets.flatMap((secret) =>
      registeredIdentities(secret)
        .filter((identity) => secret.holders.includes(identity.cluster))
        .map((identity) => ({
          code: remoteSecretForItself.code,
          severity: remoteSecretForItself.severity,
          location: identity.where.location(identity.source === 'data key' ? 'key' : 'value'),
          cluster: identity.cluster,
          message:
            `${describeSecret(secret)} is applied to ${identity.cluster} itself. istiod already watches its own cluster; ` +
            `this secret belongs in the other clusters (it was probably applied with the wrong --context).`,
          // The holder is known by its clusterName: a copied one makes another cluster's secret look like its own.
          explainedBy: [clusterNameShared(identity.cluster)],
          consequence: `${describeSecret(secret)} counts as applied to ${identity.cluster} itself`,
        })),
    );
  },
};
