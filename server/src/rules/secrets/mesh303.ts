import { MULTICLUSTER_LABEL, remoteSecretClusters } from '../../resources/remoteSecret';
import { insertValueFix, optionalFix, replaceValueFix } from '../fixes';
import type { MeshRule } from '../rule';
import { describeSecret } from './identities';

export const remoteSecretUnlabelled: MeshRule = {
  scope: 'mesh',
  code: 'MESH303',
  title: 'A remote secret lacks the label istio/multiCluster: "true"',
  severity: 'error',
  check(mesh) {
    return mesh.remoteSecrets
      .filter((s) => !s.hasMultiClusterLabel)
      .map((secret) => {
        const label = secret.resource.locatedString(['metadata', 'labels', MULTICLUSTER_LABEL]);
        const target = remoteSecretClusters(secret).join(', ') || 'its cluster';
        const said = label ? `is labelled \`${MULTICLUSTER_LABEL}: "${label.value}"\`` : `lacks the label \`${MULTICLUSTER_LABEL}: "true"\``;
        return {
          code: remoteSecretUnlabelled.code,
          severity: remoteSecretUnlabelled.severity,
          location: label?.location() ?? secret.resource.location(['metadata', 'name']),
          cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
          message: `${describeSecret(secret)} ${said}: istiod watches only secrets labelled "true", so it ignores this one and never discovers ${target}.`,
          fixes: label
            ? [replaceValueFix(`Change ${MULTICLUSTER_LABEL} to "true"`, label, 'true')]
            : optionalFix(insertValueFix(`Label with ${MULTICLUSTER_LABEL}: "true"`, secret.resource.doc, ['metadata', 'labels', MULTICLUSTER_LABEL], 'true')),
        };
      });
  },
};
