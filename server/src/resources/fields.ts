import type { ValuePath } from '../parse/yamlFile';
import { childPath, compactList, Located, Resource, scalarString } from './resource';

/** The namespace a namespaced object lands in: the one it names, else `default` (as kubectl and istioctl do). */
export function objectNamespace(resource: Resource): string {
  return resource.namespace ?? 'default';
}

/** `namespace/name` as istioctl prints it. */
export function qualifiedName(resource: Resource): string {
  return `${objectNamespace(resource)}/${resource.name ?? '(unnamed)'}`;
}

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
