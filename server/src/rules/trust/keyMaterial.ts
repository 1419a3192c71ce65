import { resourcesOfKind } from '../../mesh/selection';
import { namedObject } from '../../mesh/trust';
import { isPrivateKey } from '../../resources/cacerts';
import { CLUSTER_ISSUER_KIND, ISSUER_KIND, issuerBackend, issuerCredentialRefs } from '../../resources/certManager';
import { secretValues } from '../../resources/remoteSecret';
import type { Resource } from '../../resources/resource';
import type { Finding } from '../finding';
import type { MeshRule } from '../rule';

/** Shorter values are samples (`changeme`, `xxx`), not credentials worth a notice. */
const MIN_TOKEN_LENGTH = 8;

interface Committed {
  secret: Resource;
  key: string;
  what: string;
  issuer: Resource;
}

/** The credentials issuers read that are committed with real values: a CA's private key, a Vault token or secret ID. */
function committedCredentials(resources: readonly Resource[]): Committed[] {
  const found: Committed[] = [];
  for (const issuer of resourcesOfKind(resources, ISSUER_KIND, CLUSTER_ISSUER_KIND)) {
    const namespace = issuer.kind === ISSUER_KIND ? issuer.namespace : undefined;
    const backend = issuerBackend(issuer);
    if (backend.type === 'ca') {
      const secret = namedObject(resources, 'Secret', backend.secretName.value, namespace);
      const key = secret && secretValues(secret).get('tls.key');
      if (secret && key?.text && !key.placeholder && isPrivateKey(key.text)) found.push({ secret, key: 'tls.key', what: 'the private key of a CA', issuer });
    }
    for (const ref of issuerCredentialRefs(issuer)) {
      const secret = namedObject(resources, 'Secret', ref.name.value, namespace);
      if (!secret) continue;
      const values = secretValues(secret);
      const entries = ref.key ? [[ref.key, values.get(ref.key)] as const] : [...values];
      for (const [key, value] of entries) {
        if (value?.text && !value.placeholder && value.text.trim().length >= MIN_TOKEN_LENGTH) found.push({ secret, key, what: ref.what, issuer });
      }
    }
  }
  return found;
}

export const committedKeyMaterial: MeshRule = {
  scope: 'mesh',
  code: 'MESH612',
  title: 'A Secret with real key material is committed',
  severity: 'information',
  check(mesh) {
    const seen = new Set<string>();
    // Per cluster: issuers and Secrets of one name usually exist in every cluster, each with its own values.
    const scopes = mesh.clusters.size ? [...mesh.clusters.values()].map((c) => c.resources) : [mesh.resources];
    return scopes.flatMap(committedCredentials).flatMap(({ secret, key, what, issuer }): Finding[] => {
      const id = `${secret.file}#${secret.doc.index}#${key}`;
      if (seen.has(id)) return [];
      seen.add(id);
      const entry = secretValues(secret).get(key);
      if (!entry) return [];
      // Where it is and what kind of credential, never the value nor any part of it.
      return [
        {
          code: committedKeyMaterial.code,
          severity: committedKeyMaterial.severity,
          location: entry.key.location('key'),
          related: [{ location: issuer.location(['metadata', 'name']), message: `${issuer.displayName} uses it` }],
          message:
            `${secret.displayName} holds ${what} in "${key}", committed with the files: whoever can read the repository can ${what.includes('CA') ? 'sign certificates every cluster of the mesh trusts' : 'use that Vault credential to sign certificates the mesh trusts'}. ` +
            `Keep it out of Git: create the Secret at deploy time (External Secrets, Sealed Secrets, SOPS) and rotate the one committed here.`,
        },
      ];
    });
  },
};
