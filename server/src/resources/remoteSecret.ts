import * as jsYaml from 'js-yaml';
import { isRecord, Located, type Resource, scalarString } from './resource';

export const MULTICLUSTER_LABEL = 'istio/multiCluster';
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';
export const REMOTE_SECRET_PREFIX = 'istio-remote-secret-';

/**
 * What a remote secret's kubeconfig says about its structure. Credentials are read only to tell whether
 * they are there; they are never kept.
 */
export interface KubeconfigFacts {
  parsed: boolean;
  clusterNames: string[];
  contextNames: string[];
  currentContext?: string;
  /** The cluster each context points at. */
  contextClusters: Record<string, string | undefined>;
  serverCount: number;
  /** Users that carry some credential (token, client certificate and key, exec or auth-provider). */
  usersWithCredentials: number;
  userCount: number;
}

export interface RemoteSecretEntry {
  /** The data key, which istiod takes as the remote cluster's name. */
  key: Located<string>;
  kubeconfig: KubeconfigFacts;
}

export interface RemoteSecret {
  resource: Resource;
  /** Clusters the secret is applied to (its holders). */
  holders: string[];
  hasMultiClusterLabel: boolean;
  clusterAnnotation?: Located<string>;
  /** The cluster named by `istio-remote-secret-<name>`, if the name follows that pattern. */
  nameCluster?: string;
  entries: RemoteSecretEntry[];
}

function kubeconfigFacts(text: string): KubeconfigFacts {
  const facts: KubeconfigFacts = { parsed: false, clusterNames: [], contextNames: [], contextClusters: {}, serverCount: 0, usersWithCredentials: 0, userCount: 0 };
  let config: unknown;
  try {
    config = jsYaml.load(text);
  } catch {
    return facts;
  }
  if (!isRecord(config)) return facts;
  facts.parsed = true;
  const list = (key: string) => (Array.isArray(config[key]) ? (config[key] as unknown[]).filter(isRecord) : []);
  for (const entry of list('clusters')) {
    const name = scalarString(entry.name);
    if (name) facts.clusterNames.push(name);
    if (isRecord(entry.cluster) && scalarString(entry.cluster.server)) facts.serverCount++;
  }
  for (const entry of list('contexts')) {
    const name = scalarString(entry.name);
    if (!name) continue;
    facts.contextNames.push(name);
    facts.contextClusters[name] = isRecord(entry.context) ? scalarString(entry.context.cluster) : undefined;
  }
  for (const entry of list('users')) {
    facts.userCount++;
    const user = isRecord(entry.user) ? entry.user : {};
    const credentialKeys = ['token', 'tokenFile', 'client-certificate-data', 'client-certificate', 'exec', 'auth-provider', 'password'];
    if (credentialKeys.some((k) => user[k] !== undefined && user[k] !== null && user[k] !== '')) facts.usersWithCredentials++;
  }
  facts.currentContext = scalarString(config['current-context']);
  return facts;
}

function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/** A Secret that istiod reads as a remote secret: labelled `istio/multiCluster: "true"` or annotated with the cluster. */
export function readRemoteSecret(resource: Resource, holders: string[]): RemoteSecret | undefined {
  const labels = resource.labels();
  const annotation = resource.locatedString(['metadata', 'annotations', CLUSTER_ANNOTATION]);
  const labelValue = labels[MULTICLUSTER_LABEL];
  const name = resource.name ?? '';
  if (labelValue === undefined && !annotation && !name.startsWith(REMOTE_SECRET_PREFIX)) return undefined;
  const entries: RemoteSecretEntry[] = [];
  for (const field of ['stringData', 'data'] as const) {
    const data = resource.get([field]);
    if (!isRecord(data)) continue;
    for (const [key, raw] of Object.entries(data)) {
      const text = scalarString(raw);
      if (text === undefined) continue;
      const decoded = field === 'data' ? decodeBase64(text) : text;
      entries.push({ key: resource.located([field, key], key), kubeconfig: kubeconfigFacts(decoded ?? '') });
    }
  }
  return {
    resource,
    holders,
    hasMultiClusterLabel: labelValue === 'true',
    clusterAnnotation: annotation,
    nameCluster: name.startsWith(REMOTE_SECRET_PREFIX) ? name.slice(REMOTE_SECRET_PREFIX.length) : undefined,
    entries,
  };
}

/** The cluster a remote secret is for: its annotation, else its single data key, else its name. */
export function remoteSecretTarget(secret: RemoteSecret): string | undefined {
  return secret.clusterAnnotation?.value ?? (secret.entries.length === 1 ? secret.entries[0].key.value : undefined) ?? secret.nameCluster;
}
