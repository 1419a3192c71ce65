import type { RemoteSecret } from '../../resources/remoteSecret';
import type { Located } from '../../resources/resource';
import { remoteSecretRegistersAnother } from '../facts';

/** One place a remote secret says which cluster it is for. */
export interface SecretIdentity {
  source: 'data key' | 'annotation';
  cluster: string;
  where: Located<string>;
}

/**
 * The clusters a remote secret names, each with where: data keys (what istiod uses) and the annotation. The
 * secret's name is not one: `istio-remote-secret-<cluster>` is only what istioctl calls it, and names written by
 * Terraform or by hand are just as valid.
 */
export function secretIdentities(secret: RemoteSecret): SecretIdentity[] {
  const identities: SecretIdentity[] = secret.entries.map((e) => ({ source: 'data key', cluster: e.key.value, where: e.key }));
  if (secret.clusterAnnotation) identities.push({ source: 'annotation', cluster: secret.clusterAnnotation.value, where: secret.clusterAnnotation });
  return identities.filter((i) => !i.where.isPlaceholder && i.cluster !== '');
}

/** The identities istiod registers: the data keys, else the annotation. */
export function registeredIdentities(secret: RemoteSecret): SecretIdentity[] {
  const identities = secretIdentities(secret);
  const keys = identities.filter((i) => i.source === 'data key');
  return keys.length ? keys : identities.slice(0, 1);
}

/**
 * The facts a secret that registers `registered` states when its other identities name clusters of the mesh:
 * each holder's secret for those clusters registers another cluster, so the holder does not discover them.
 */
export function misregisteredTargets(secret: RemoteSecret, registered: string, inMesh: (cluster: string) => boolean): string[] {
  const targets = new Set(
    secretIdentities(secret)
      .map((i) => i.cluster)
      .filter((cluster) => cluster !== registered && inMesh(cluster)),
  );
  return [...targets].flatMap((target) => secret.holders.map((holder) => remoteSecretRegistersAnother(holder, target)));
}

export function describeSecret(secret: RemoteSecret): string {
  return `remote secret ${secret.resource.name ?? '(unnamed)'}`;
}
