import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { isRecord, Located, valueAt } from './resource';

/**
 * What the install-config readers need from wherever Helm values are written: the value at a path, and that
 * value with where it was written. A `Resource` is one (paths into the object); `MergedValues` is another
 * (paths into values merged from several places).
 */
export interface ValuesReader {
  get(path: ValuePath): unknown;
  located<T>(path: ValuePath, value: T): Located<T>;
}

/** One place values come from: the tree at `path` of `doc`, put at `targetPath` of the merged values. */
export interface ValuesLayer {
  doc: YamlDocument;
  path: ValuePath;
  value: unknown;
  targetPath?: ValuePath;
}

interface Origin {
  doc: YamlDocument;
  path: ValuePath;
}

const keyOf = (path: ValuePath) => JSON.stringify(path.map(String));

/**
 * Helm values merged from layers the way Helm (and Flux, Argo CD) merge them: maps merge key by key, anything
 * else replaces. Every merged value remembers the layer and place it came from, so a finding about
 * `global.network` points at the ConfigMap, the `helm.values` string or the parameter that set it.
 */
export class MergedValues implements ValuesReader {
  readonly tree: Record<string, unknown> = {};
  private readonly origins = new Map<string, Origin>();

  constructor(layers: readonly ValuesLayer[]) {
    for (const layer of layers) this.apply(layer);
  }

  private apply(layer: ValuesLayer): void {
    const target = layer.targetPath ?? [];
    if (target.length === 0 && !isRecord(layer.value)) return;
    this.mergeAt(target, layer.value, { doc: layer.doc, path: layer.path });
  }

  private mergeAt(path: ValuePath, value: unknown, origin: Origin): void {
    const existing = valueAt(this.tree, path);
    if (isRecord(value) && isRecord(existing)) {
      this.origins.set(keyOf(path), origin);
      for (const [key, child] of Object.entries(value)) this.mergeAt([...path, key], child, { doc: origin.doc, path: [...origin.path, key] });
      return;
    }
    this.forgetBelow(path);
    this.set(path, isRecord(value) ? structuredClone(value) : value);
    this.origins.set(keyOf(path), origin);
    if (isRecord(value))
      for (const [key, child] of Object.entries(value)) this.recordOrigins([...path, key], child, { doc: origin.doc, path: [...origin.path, key] });
  }

  private recordOrigins(path: ValuePath, value: unknown, origin: Origin): void {
    this.origins.set(keyOf(path), origin);
    if (isRecord(value))
      for (const [key, child] of Object.entries(value)) this.recordOrigins([...path, key], child, { doc: origin.doc, path: [...origin.path, key] });
  }

  private forgetBelow(path: ValuePath): void {
    const prefix = keyOf(path).slice(0, -1);
    for (const key of [...this.origins.keys()]) if (key.startsWith(prefix) && key !== keyOf(path)) this.origins.delete(key);
  }

  private set(path: ValuePath, value: unknown): void {
    if (path.length === 0) {
      if (isRecord(value)) Object.assign(this.tree, value);
      return;
    }
    let node: Record<string, unknown> = this.tree;
    for (const segment of path.slice(0, -1)) {
      const next = node[String(segment)];
      if (!isRecord(next)) node[String(segment)] = {};
      node = node[String(segment)] as Record<string, unknown>;
    }
    node[String(path[path.length - 1])] = value;
  }

  get(path: ValuePath): unknown {
    return valueAt(this.tree, path);
  }

  /** Where the value at `path` was written: its own origin, else the nearest ancestor's (a list entry, say). */
  located<T>(path: ValuePath, value: T): Located<T> {
    for (let length = path.length; length >= 0; length--) {
      const origin = this.origins.get(keyOf(path.slice(0, length)));
      if (origin) return new Located(value, origin.doc, [...origin.path, ...path.slice(length)]);
    }
    throw new Error('merged values without any layer');
  }

  /** True when some layer wrote a value at or below `path`. */
  has(path: ValuePath): boolean {
    return this.get(path) !== undefined;
  }

  /** Paths of the top-level keys, each with where it was written (for unknown-key checks). */
  topLevelKeys(): { key: string; located: Located<string> }[] {
    return Object.keys(this.tree).map((key) => ({ key, located: this.located([key], key) }));
  }
}

/** Splits a Helm `--set`-style name (`global.multiCluster.clusterName`, `a\.b.c`) into a path. */
export function splitHelmName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '\\' && name[i + 1] === '.') {
      current += '.';
      i++;
    } else if (name[i] === '.') {
      parts.push(current);
      current = '';
    } else current += name[i];
  }
  parts.push(current);
  return parts.filter((p) => p !== '');
}

/** A `--set` value as Helm types it: true/false and integers become booleans and numbers, unless forced to string. */
export function helmSetValue(raw: string, forceString = false): unknown {
  if (forceString) return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?(0|[1-9][0-9]{0,14})$/.test(raw)) return Number(raw);
  return raw;
}
