import type { RelatedInformation } from '../finding';
import type { MeshRule } from '../rule';
import { remoteSecretClusters } from '../../resources/remoteSecret';
import { clusterAnchor, createRemoteSecretCommand, requiredRemoteSecrets } from './places';

export const remoteSecretMissing: MeshRule = {
  scope: 'mesh',
  code: 'MESH301',
  title: 'A primary lacks the remote secret of a cluster it must discover',
  severity: 'warning',
  check(mesh) {
    // With no remote secret at all, MESH300 explains how to create them instead.
    if (!mesh.remoteSecrets.length) return [];
    const held = (holder: string, target: string) =>
      mesh.remoteSecrets.some((s) => remoteSecretClusters(s).includes(target) && (s.holders.length === 0 || s.holders.includes(holder)));
    return requiredRemoteSecrets(mesh).flatMap(({ holder, target }) => {
      const location = clusterAnchor(holder);
      if (!location || held(holder.name, target.name)) return [];
      const targetAnchor = clusterAnchor(target);
      const related: RelatedInformation[] = targetAnchor ? [{ location: targetAnchor, message: `cluster ${target.name}` }] : [];
      return [{
        code: remoteSecretMissing.code,
        severity: remoteSecretMissing.severity,
        location,
        cluster: holder.name,
        related,
        message:
          `${holder.name} holds no remote secret for ${target.name} (${target.role}), so its istiod does not discover ${target.name}'s endpoints. ` +
          `Create it: \`${createRemoteSecretCommand(target.name, holder.name)}\`.`,
      }];
    });
  },
};
