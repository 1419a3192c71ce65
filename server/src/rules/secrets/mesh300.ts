import type { MeshRule } from '../rule';
import { createRemoteSecretCommand, listCommands, meshAnchor, requiredRemoteSecrets } from './places';

/** Remote secrets carry cluster credentials, so most repositories hold none: say once how to create them. */
export const remoteSecretsAbsent: MeshRule = {
  scope: 'mesh',
  code: 'MESH300',
  title: 'No remote secrets in the workspace',
  severity: 'information',
  check(mesh) {
    if (mesh.remoteSecrets.length) return [];
    const required = requiredRemoteSecrets(mesh);
    const location = meshAnchor(mesh);
    if (!required.length || !location) return [];
    const commands = required.map(({ holder, target }) => createRemoteSecretCommand(target.name, holder.name));
    return [
      {
        code: remoteSecretsAbsent.code,
        severity: remoteSecretsAbsent.severity,
        location,
        message:
          `This workspace holds no remote secrets (they carry cluster credentials and are usually created, not committed). ` +
          `Each primary needs one for every other cluster it discovers endpoints in: ${listCommands(commands)}.`,
      },
    ];
  },
};
