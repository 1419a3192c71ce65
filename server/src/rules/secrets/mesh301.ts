import { remoteSecretClusters } from '../../resources/remoteSecret';
import { remoteSecretRegistersAnother } from '../facts';
import type { RelatedInformation } from '../finding';
import type { MeshRule } from '../rule';
import { clusterAnchor, createRemoteSecretCommand, requiredRemoteSecrets } from './places';

export const remoteSecretMissing: MeshRule = {
  scope: 'mesh',
  code: 'MESH301',
  title: 'A primary lacks the remote secret of a cluster it must discover',
  severity: 'warning',
  check(mesh) {
    // With no remote secret at all, MESH300 explains how to create them instead.
    if (!mesh.remoteSecrets.length) return [];
    // Indexed once: a multi-primary mesh of N clusters needs N·(N−1) secrets, and scanning them all for each
    // needed pair would cost N⁴.
    const heldByAnyone = new Set<string>();
    const heldBy = new Set<string>();
    for (const secret of mesh.remoteSecrets) {
      for (const target of remoteSecretClusters(secret)) {
        if (secret.holders.length === 0) heldByAnyone.add(target);
        for (const holder of secret.holders) heldBy.add(`${holder}\0${target}`);
      }
    }
    const held = (holder: string, target: string) => heldByAnyone.has(target) || heldBy.has(`${holder}\0${target}`);
    return requiredRemoteSecrets(mesh).flatMap(({ holder, target }) => {
      // Held first: an anchor is a location, which builds the document's CST, and is needed only for a finding.
      if (held(holder.name, target.name)) return [];
      const location = clusterAnchor(holder);
      if (!location) return [];
      const targetAnchor = clusterAnchor(target);
      const related: RelatedInformation[] = targetAnchor ? [{ location: targetAnchor, message: `cluster ${target.name}` }] : [];
      return [
        {
          code: remoteSecretMissing.code,
          severity: remoteSecretMissing.severity,
          location,
          cluster: holder.name,
          related,
          message:
            `${holder.name} holds no remote secret for ${target.name} (${target.role}), so its istiod does not discover ${target.name}'s endpoints. ` +
            `Create it: \`${createRemoteSecretCommand(target.name, holder.name)}\`.`,
          explainedBy: [remoteSecretRegistersAnother(holder.name, target.name)],
          consequence: `${holder.name}'s istiod does not discover ${target.name}'s endpoints`,
        },
      ];
    });
  },
};
