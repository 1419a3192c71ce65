import type { ValuePath } from '../parse/yamlFile';
import { childPath, compactList, type Located, type Resource, scalarString } from './resource';

/** The namespace a namespaced object lands in: the one it names, else `default` (as kubectl and istioctl do). */
export function objectNamespace(resource: Resource): string {
  return resource.namespace ?? 'default';
}

/** Said of a resource that names no namespace: the docs apply such files with `-n istio-system`, not to `default`. */
export const NAMESPACE_AT_APPLY_TIME = '(namespace given at apply time)';

/** `namespace/name` as istioctl prints it; a resource that names no namespace is `name (namespace given at apply time)`. */
export function qualifiedName(resource: Resource): string {
  const name = resource.name ?? '(unnamed)';
  return resource.namespace === undefined ? `${name} ${NAMESPACE_AT_APPLY_TIME}` : `${resource.namespace}/${name}`;
}

/**
 * What makes two documents one object of a cluster: API group, kind, namespace (as written) and name. The one
 * applied last replaces the other. Undefined for what is not a named Kubernetes object (Helm values).
 */
export function objectIdentity(resource: Resource): string | undefined {
  // Same-cluster checks ask it of every pair of peers: read once per resource (a Resource never changes).
  if (identities.has(resource)) return identities.get(resource);
  const name = resource.name;
  let identity: string | undefined;
  if (name !== undefined && resource.apiVersion) {
    const slash = resource.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : resource.apiVersion.slice(0, slash);
    identity = `${group}/${resource.kind}/${resource.namespace ?? ''}/${name}`;
  }
  identities.set(resource, identity);
  return identity;
}

const identities = new WeakMap<Resource, string | undefined>();

/** A port-like number at `path` (a YAML number, or a string of digits), with where it was written. */
export function locatedNumber(resource: Resource, path: ValuePath): Located<number> | undefined {
  const raw = resource.get(path);
  if (typeof raw === 'number' && Number.isInteger(raw)) return resource.located(path, raw);
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return resource.located(path, Number(raw));
  return undefined;
}

/** The scalar entries of a list at `path`, each with where it was written; a non-list gives none. */
export function locatedStrings(resource: Resource, path: ValuePath): Located<string>[] {
  const raw = resource.get(path);
  if (!Array.isArray(raw)) return [];
  return compactList(
    raw.flatMap((entry, index) => {
      const value = scalarString(entry);
      return value === undefined ? [] : [resource.located(childPath(path, index), value)];
    }),
  );
}

/** String labels of a mapping (selectors, labels); undefined when the mapping is absent or not a mapping. */
export function stringMap(resource: Resource, path: ValuePath): Record<string, string> | undefined {
  const raw = resource.get(path);
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  return resource.labels(path);
}
