import type { SourceLocation } from '../parse/text';
import type { ValuePath, YamlDocument } from '../parse/yamlFile';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function valueAt(root: unknown, path: ValuePath): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/**
 * `path` followed by `segments`, allocated at its exact length. Paths are kept by `Located` values for as long
 * as the workspace lives (hundreds of thousands in a large mesh); a spread (`[...path, 'port']`) leaves room
 * for 17 elements, which costs three times as much.
 */
export function childPath(path: ValuePath, ...segments: (string | number)[]): ValuePath {
  return path.concat(segments);
}

/**
 * The list at its exact length. `flatMap`, `filter` and `push` leave room for 17 entries in a list of one;
 * the lists of a resource's view are kept per resource for as long as the workspace lives.
 */
export function compactList<T>(items: T[]): T[] {
  return items.length === 0 ? items : items.slice();
}

/** A scalar as the string a person wrote (numbers and booleans included); undefined for anything else. */
export function scalarString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The forms of a value filled in at install time. `${1}` is not one: it is a regex group (a Prometheus
 * relabelling `replacement`), and no shell variable starts with a digit.
 */
const PLACEHOLDER = /\$\{[A-Za-z_][^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|^<[^>]+>$|\{[a-z_][a-z0-9_]*\}/;

/** The first placeholder written in a value (`${CLUSTER_NAME}` of `https://${CLUSTER_NAME}:15012`), if any. */
export function placeholderIn(value: string): string | undefined {
  // Every form holds a `$` or a `{`, or starts with `<`. Most values hold none (certificates, tokens), and ruling
  // the pattern out over kilobytes of a kubeconfig took a second of a 200-cluster CLI run.
  if (value.indexOf('$') < 0 && value.indexOf('{') < 0 && value.charCodeAt(0) !== 0x3c) return undefined;
  return PLACEHOLDER.exec(value)?.[0];
}

/**
 * True for values that are filled in at install time (`${VAR}`, `{{ .Values.x }}`, `<NAME>`, a script's
 * `cluster{i}`): never literal identities.
 */
export function isPlaceholder(value: string): boolean {
  return placeholderIn(value) !== undefined;
}

/**
 * A value together with where it was written. Ranges are resolved only when asked for: most values are
 * never reported, and resolving builds the document's CST.
 */
export class Located<T> {
  constructor(
    readonly value: T,
    readonly doc: YamlDocument,
    readonly path: ValuePath,
  ) {}

  location(part: 'key' | 'value' = 'value'): SourceLocation {
    return this.doc.sourceOf(this.path, part);
  }

  get isPlaceholder(): boolean {
    return typeof this.value === 'string' && isPlaceholder(this.value);
  }
}

/** A Kubernetes object of a kind Istio Mesh understands, read from one YAML document. */
export class Resource {
  constructor(
    readonly doc: YamlDocument,
    readonly apiVersion: string,
    readonly kind: string,
    readonly object: Record<string, unknown>,
  ) {}

  get file(): string {
    return this.doc.file.file;
  }

  get name(): string | undefined {
    return scalarString(valueAt(this.object, ['metadata', 'name']));
  }

  get namespace(): string | undefined {
    return scalarString(valueAt(this.object, ['metadata', 'namespace']));
  }

  /** `Kind namespace/name`, as istioctl names resources. */
  get displayName(): string {
    const ns = this.namespace ? `${this.namespace}/` : '';
    return `${this.kind} ${ns}${this.name ?? '(unnamed)'}`;
  }

  get(path: ValuePath): unknown {
    return valueAt(this.object, path);
  }

  string(path: ValuePath): string | undefined {
    return scalarString(this.get(path));
  }

  located<T>(path: ValuePath, value: T): Located<T> {
    return new Located(value, this.doc, path);
  }

  /** The string at `path` with where it was written, or undefined when it is absent or not a scalar. */
  locatedString(path: ValuePath): Located<string> | undefined {
    const value = this.string(path);
    return value === undefined ? undefined : this.located(path, value);
  }

  location(path: ValuePath = [], part: 'key' | 'value' = 'value'): SourceLocation {
    return this.doc.sourceOf(path, part);
  }

  labels(path: ValuePath = ['metadata', 'labels']): Record<string, string> {
    const labels = this.get(path);
    const result: Record<string, string> = {};
    if (isRecord(labels))
      for (const [k, v] of Object.entries(labels)) {
        const s = scalarString(v);
        if (s !== undefined) result[k] = s;
      }
    return result;
  }

  /** Entries of a list at `path`, each with its own path, skipping entries that are not mappings. */
  list(path: ValuePath): { item: Record<string, unknown>; path: ValuePath }[] {
    const value = this.get(path);
    if (!Array.isArray(value)) return [];
    return compactList(value.flatMap((item, index) => (isRecord(item) ? [{ item, path: childPath(path, index) }] : [])));
  }
}
