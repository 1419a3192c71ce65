import type { Rule } from '../rule';
import { remoteSecretsAbsent } from './mesh300';
import { remoteSecretMissing } from './mesh301';
import { remoteSecretUnknownCluster } from './mesh302';
import { remoteSecretUnlabelled } from './mesh303';
import { remoteSecretWrongNamespace } from './mesh304';
import { remoteSecretInvalidKubeconfig } from './mesh305';
import { remoteSecretForItself } from './mesh306';
import { remoteSecretNamesDisagree } from './mesh307';

/** Remote secret checks (MESH300–MESH307). */
export const SECRET_RULES: readonly Rule[] = [
  remoteSecretsAbsent,
  remoteSecretMissing,
  remoteSecretUnknownCluster,
  remoteSecretUnlabelled,
  remoteSecretWrongNamespace,
  remoteSecretInvalidKubeconfig,
  remoteSecretForItself,
  remoteSecretNamesDisagree,
];
