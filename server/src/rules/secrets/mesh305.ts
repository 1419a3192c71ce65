import { kubeconfigProblems } from '../../resources/remoteSecret';
import type { MeshRule } from '../rule';
import { describeSecret } from './identities';

/** Messages name the structural problem only: never a token, key, certificate or server address. */
export const remoteSecretInvalidKubeconfig: MeshRule = {
  scope: 'mesh',
  code: 'MESH305',
  title: "A remote secret's kubeconfig is invalid",
  severity: 'error',
  check(mesh) {
    return mesh.remoteSecrets.flatMap((secret) =>
      secret.entries
        .filter((entry) => !entry.placeholder)
        .flatMap((entry) => {
          const problems = kubeconfigProblems(entry.kubeconfig);
          if (!problems.length) return [];
          return [
            {
              code: remoteSecretInvalidKubeconfig.code,
              severity: remoteSecretInvalidKubeconfig.severity,
              location: entry.key.location('key'),
              cluster: secret.holders.length === 1 ? secret.holders[0] : undefined,
              message: `The kubeconfig for \`${entry.key.value}\` in ${describeSecret(secret)} is unusable: ${problems.join('; ')}. istiod cannot connect to that cluster; recreate the secret with \`istioctl create-remote-secret\`.`,
            },
          ];
        }),
    );
  },
};
