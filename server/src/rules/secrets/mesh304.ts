import type { MeshRule } from '../rule';
import { describeSecret } from './identities';
import { controlPlaneNamespaceOf } from './places';

export const remoteSecretWrongNamespace: MeshRule = {
  scope: 'mesh',
  code: 'MESH304',
  title: "A remote secret is not in the control plane's namespace",
  severity: 'error',
  check(mesh) {
    return mesh.remoteSecrets.flatMap((secret) => {
      const namespace = secret.resource.locatedString(['metadata', 'namespace']);
      // Without a namespace, `kubectl apply -n` decides; a placeholder is filled in later.
      if (!namespace || namespace.isPlaceholder) return [];
      const holder = secret.holders.length === 1 ? mesh.clusters.get(secret.holders[0]) : undefined;
      const expected = controlPlaneNamespaceOf(mesh, holder);
      if (namespace.value === expected) return [];
      return [
        {
          code: remoteSecretWrongNamespace.code,
          severity: remoteSecretWrongNamespace.severity,
          location: namespace.location(),
          cluster: holder?.name,
          message: `${describeSecret(secret)} is in namespace \`${namespace.value}\`, but istiod reads remote secrets only from its own namespace \`${expected}\`: it is ignored there.`,
        },
      ];
    });
  },
};
