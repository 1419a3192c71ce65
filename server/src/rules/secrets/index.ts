import type { MeshRule, Rule } from '../rule';
import { remoteSecretsAbsent } from './mesh300';
import { remoteSecretMissing } from './mesh301';
import { remoteSecretUnknownCluster } from './mesh302';
import { remoteSecretUnlabelled } from './mesh303';
import { remoteSecretWrongNamespace } from './mesh304';
import { remoteSecretInvalidKubeconfig } from './mesh305';
import { remoteSecretForItself } from './mesh306';
import { remoteSecretNamesDisagree } from './mesh307';
import { remoteSecretInputs } from './places';
import { remoteSecretSkipsTlsVerification } from './remoteSecretSkipsTlsVerification';

/**
 * Remote secret checks (MESH300–MESH308). They all read the same inputs (`remoteSecretInputs`): a multi-primary
 * mesh of 200 clusters holds 39,800 remote secrets, and an edit that changes none of them reuses their findings.
 */
const REMOTE_SECRET_RULES: readonly MeshRule[] = [
  remoteSecretsAbsent,
  remoteSecretMissing,
  remoteSecretUnknownCluster,
  remoteSecretUnlabelled,
  remoteSecretWrongNamespace,
  remoteSecretInvalidKubeconfig,
  remoteSecretForItself,
  remoteSecretNamesDisagree,
  remoteSecretSkipsTlsVerification,
];

/** Typed, not cast: a resource rule in the list above would not compile, rather than gain a mesh rule's `reads`. */
export const SECRET_RULES: readonly Rule[] = REMOTE_SECRET_RULES.map((rule): MeshRule => ({ ...rule, reads: remoteSecretInputs }));
