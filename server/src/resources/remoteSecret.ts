import * as jsYaml from 'js-yaml';

import type { Assignment } from '../mesh/assignment';
import { rememberedByText } from '../parse/compact';
import { isPlaceholder, isRecord, type Located, type Resource, scalarString } from './resource';

export const MULTICLUSTER_LABEL = 'istio/multiCluster';
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';
export const REMOTE_SECRET_PREFIX = 'istio-remote-secret-';

/**
 * What a remote secret's kubeconfig says about its structure. Credentials are read only to tell whether
 * they are there; they are never kept.
 */
export interface KubeconfigFacts {
  /** False when a `data` value is not base64 (then nothing else could be read). */
  decoded: boolean;
  parsed: boolean;
  clusterNames: string[];
  contextNames: string[];
  userNames: string[];
  currentContext?: string;
  /** The cluster each context points at. */
  contextClusters: Record<string, string | undefined>;
  /** The user each context authenticates as. */
  contextUsers: Record<string, string | undefined>;
  serverCount: number;
  /** Clusters of the kubeconfig that set `insecure-skip-tls-verify: true` (their API server's certificate is not checked). */
  clustersSkippingTlsVerify: string[];
  /** Users that carry some credential (token, client certificate and key, exec or auth-provider). */
  usersWithCredentials: number;
  userCount: number;
}

export interface RemoteSecretEntry {
  /** The data key, which istiod takes as the remote cluster's name. */
  key: Located<string>;
  kubeconfig: KubeconfigFacts;
  /** The value is a template placeholder (`${KUBECONFIG}`): filled in at apply time, not checked. */
  placeholder: boolean;
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

/** The facts of a kubeconfig text; they are the same for every copy of it, and never mutated. */
const kubeconfigFactsOfText = rememberedByText(readKubeconfigFacts, 4096);

function kubeconfigFacts(text: string | undefined): KubeconfigFacts {
  return text === undefined ? readKubeconfigFacts(text) : kubeconfigFactsOfText(text);
}

function readKubeconfigFacts(text: string | undefined): KubeconfigFacts {
  const facts: KubeconfigFacts = {
    decoded: text !== undefined,
    parsed: false,
    clusterNames: [],
    contextNames: [],
    userNames: [],
    contextClusters: {},
    contextUsers: {},
    serverCount: 0,
    clustersSkippingTlsVerify: [],
    usersWithCredentials: 0,
    userCount: 0,
  };
  if (text === undefined) return facts;
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
    if (isRecord(entry.cluster) && String(entry.cluster['insecure-skip-tls-verify']) === 'true') facts.clustersSkippingTlsVerify.push(name ?? '(unnamed)');
  }
  for (const entry of list('contexts')) {
    const name = scalarString(entry.name);
    if (!name) continue;
    facts.contextNames.push(name);
    facts.contextClusters[name] = isRecord(entry.context) ? scalarString(entry.context.cluster) : undefined;
    facts.contextUsers[name] = isRecord(entry.context) ? scalarString(entry.context.user) : undefined;
  }
  for (const entry of list('users')) {
    facts.userCount++;
    const name = scalarString(entry.name);
    if (name) facts.userNames.push(name);
    const user = isRecord(entry.user) ? entry.user : {};
    const credentialKeys = ['token', 'tokenFile', 'client-certificate-data', 'client-certificate', 'exec', 'auth-provider', 'password'];
    if (credentialKeys.some((k) => user[k] !== undefined && user[k] !== null && user[k] !== '')) facts.usersWithCredentials++;
  }
  facts.currentContext = scalarString(config['current-context']);
  return facts;
}

/** Decodes a Secret's `data` value; undefined when it is not base64. */
export function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(value)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/**
 * A Secret's values by key, `stringData` winning over `data` as the API server merges them; `data` values are
 * decoded (undefined when not base64). Placeholder values are kept as written so callers can skip them.
 */
export function secretValues(resource: Resource): Map<string, { key: Located<string>; text: string | undefined; placeholder: boolean }> {
  const values = new Map<string, { key: Located<string>; text: string | undefined; placeholder: boolean }>();
  for (const field of ['data', 'stringData'] as const) {
    const data = resource.get([field]);
    if (!isRecord(data)) continue;
    for (const [key, raw] of Object.entries(data)) {
      const written = scalarString(raw);
      if (written === undefined) continue;
      const placeholder = isPlaceholder(written);
      const text = field === 'data' && !placeholder ? decodeBase64(written) : written;
      values.set(key, { key: resource.located([field, key], key), text, placeholder });
    }
  }
  return values;
}

/**
 * The clusters a remote secret is applied to. A file or folder named after the secret's own cluster
 * (`istio-remote-secret-cluster1.yaml`, `remote-secrets/cluster1/`) names the cluster the secret is *for*,
 * not where it goes: that name match does not make it a holder.
 */
function holdersOf(assignment: Assignment, targets: readonly string[]): string[] {
  return assignment.reason === 'file-name' || assignment.reason === 'path-segment'
    ? assignment.clusters.filter((c) => !targets.includes(c))
    : [...assignment.clusters];
}

/**
 * A secret's entries depend on its document alone, so they are read once per version of the file: the model is
 * rebuilt on every edit of the mesh, and re-parsing every kubeconfig of N·(N−1) remote secrets each time would
 * cost more than the rest of the edit.
 */
const entriesByResource = new WeakMap<Resource, readonly RemoteSecretEntry[]>();

function remoteSecretEntries(resource: Resource): RemoteSecretEntry[] {
  let entries = entriesByResource.get(resource);
  if (!entries) {
    entries = [...secretValues(resource).values()].map(({ key, text, placeholder }) => ({
      key,
      placeholder,
      kubeconfig: kubeconfigFacts(placeholder ? '' : text),
    }));
    entriesByResource.set(resource, entries);
  }
  // A copy of the list, so a caller that edits its secret's list does not edit the cache.
  return [...entries];
}

/** A Secret that istiod reads as a remote secret: labelled `istio/multiCluster: "true"` or annotated with the cluster. */
export function readRemoteSecret(resource: Resource, assignment: Assignment): RemoteSecret | undefined {
  const labels = resource.labels();
  const annotation = resource.locatedString(['metadata', 'annotations', CLUSTER_ANNOTATION]);
  const labelValue = labels[MULTICLUSTER_LABEL];
  const name = resource.name ?? '';
  if (labelValue === undefined && !annotation && !name.startsWith(REMOTE_SECRET_PREFIX)) return undefined;
  const entries = remoteSecretEntries(resource);
  const secret: RemoteSecret = {
    resource,
    holders: [],
    hasMultiClusterLabel: labelValue === 'true',
    clusterAnnotation: annotation,
    nameCluster: name.startsWith(REMOTE_SECRET_PREFIX) ? name.slice(REMOTE_SECRET_PREFIX.length) : undefined,
    entries,
  };
  secret.holders = holdersOf(assignment, remoteSecretClusters(secret));
  return secret;
}

/**
 * The clusters a remote secret registers with istiod: its data keys (istiod takes each key as a cluster ID),
 * else what its annotation or name says. Placeholders are not cluster names.
 */
export function remoteSecretClusters(secret: RemoteSecret): string[] {
  const keys = secret.entries.map((e) => e.key.value).filter((k) => !isPlaceholder(k));
  if (keys.length) return keys;
  const named = secret.clusterAnnotation?.value ?? secret.nameCluster;
  return named && !isPlaceholder(named) ? [named] : [];
}

/** What is wrong with a kubeconfig's structure, in words that never quote a credential or the server. */
export function kubeconfigProblems(facts: KubeconfigFacts): string[] {
  if (!facts.decoded) return ['the value is not valid base64'];
  if (!facts.parsed) return ['it is not a kubeconfig (not a YAML mapping)'];
  const problems: string[] = [];
  if (facts.serverCount === 0) problems.push('no cluster has a server');
  if (facts.userCount === 0 || facts.usersWithCredentials === 0) problems.push('no user has credentials (token, client certificate or auth provider)');
  for (const context of facts.contextNames) {
    const cluster = facts.contextClusters[context];
    if (cluster === undefined) problems.push(`context \`${context}\` names no cluster`);
    else if (!facts.clusterNames.includes(cluster))
      problems.push(`context \`${context}\` points at cluster \`${cluster}\`, which the kubeconfig does not define`);
    const user = facts.contextUsers[context];
    if (user !== undefined && !facts.userNames.includes(user))
      problems.push(`context \`${context}\` uses user \`${user}\`, which the kubeconfig does not define`);
  }
  if (!facts.currentContext) problems.push('it has no current-context');
  else if (!facts.contextNames.includes(facts.currentContext)) problems.push(`its current-context \`${facts.currentContext}\` is not one of its contexts`);
  return problems;
}

/** The cluster a remote secret is for: its annotation, else its single data key, else its name. */
export function remoteSecretTarget(secret: RemoteSecret): string | undefined {
  return secret.clusterAnnotation?.value ?? (secret.entries.length === 1 ? secret.entries[0].key.value : undefined) ?? secret.nameCluster;
}
