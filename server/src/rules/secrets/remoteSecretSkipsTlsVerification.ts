import type { MeshRule } from '../rule';
import { describeSecret } from './identities';

/**
 * A kubeconfig cluster with `insecure-skip-tls-verify: true` makes istiod accept whatever answers at the server
 * address as that cluster's API server: endpoints and secrets read from it are then only as safe as the network path.
 * The message names the kubeconfig's cluster entry, never its server or credentials.
 */
export const remoteSecretSkipsTlsVerification: MeshRule = {
  scope: 'mesh',
  code: 'MESH308',
  title: 'A remote secret skips TLS verification of the API server',
  severity: 'warning',
  check(mesh) {
    return mesh.remoteSecrets.flatMap((secret) =>
      secret.entries
        .filter((entry) => !entry.placeholder && entry.kubeconfig.clustersSkippingTlsVerify.length)
        .map((entry) => {
          const clusters = entry.kubeconfig.clustersSkippingTlsVerify.map((name) => `\`${name}\``).join(', ');
          return {
            code: remoteSecretSkipsTlsVerification.code,
            severity: remoteSecretSkipsTlsVerification.severity,
            location: entry.key.location('key'),
            cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
            message: `The kubeconfig for \`${entry.key.value}\` in ${describeSecret(secret)} sets \`insecure-skip-tls-verify: true\` on cluster ${clusters}: istiod accepts any server answering at that address as the API server of ${entry.key.value}, and trusts the endpoints and secrets it serves. Give the cluster its \`certificate-authority-data\` instead (\`istioctl create-remote-secret\` writes it).`,
          };
        }),
    );
  },
};
