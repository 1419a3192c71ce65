import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { isRecord } from '../resources/resource';

/** Where a value of a composed document was written: a document (base, patch, kustomization) and the path in it. */
export interface Origin {
  doc: YamlDocument;
  path: ValuePath;
}

/**
 * A value being composed, with where each part of it was written. Merges build new nodes from the nodes of
 * their inputs, so every value of the result still knows the document and path it came from.
 */
export type ValueNode =
  | { kind: 'map'; entries: Map<string, ValueNode>; origin: Origin }
  | { kind: 'seq'; items: ValueNode[]; origin: Origin }
  | { kind: 'scalar'; value: unknown; origin: Origin };

/** The tree of a plain value written at `path` of `doc`. */
export function nodeOf(value: unknown, doc: YamlDocument, path: ValuePath = []): ValueNode {
  const origin = { doc, path };
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((item, i) => nodeOf(item, doc, [...path, i])), origin };
  if (isRecord(value)) {
    return { kind: 'map', entries: new Map(Object.entries(value).map(([k, v]) => [k, nodeOf(v, doc, [...path, k])])), origin };
  }
  return { kind: 'scalar', value, origin };
}

/** A scalar set by a transformer (a kustomization's `namespace`, a label), pointing at where that was written. */
export function scalarNode(value: unknown, origin: Origin): ValueNode {
  return { kind: 'scalar', value, origin };
}

export function plainValue(node: ValueNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plainValue);
  const result: Record<string, unknown> = {};
  for (const [key, child] of node.entries) result[key] = plainValue(child);
  return result;
}

export function childOf(node: ValueNode | undefined, segment: string | number): ValueNode | undefined {
  if (!node) return undefined;
  if (node.kind === 'map') return node.entries.get(String(segment));
  if (node.kind === 'seq' && typeof segment === 'number') return node.items[segment];
  return undefined;
}

export function nodeAt(root: ValueNode, path: ValuePath): ValueNode | undefined {
  let node: ValueNode | undefined = root;
  for (const segment of path) node = childOf(node, segment);
  return node;
}

/**
 * Where the value at `path` was written: the origin of the deepest node on the path, extended by the part of
 * the path below it (a path that does not exist resolves to its nearest existing ancestor's source).
 */
export function originOf(root: ValueNode, path: ValuePath): Origin {
  let node = root;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const child = childOf(node, path[depth]);
    if (!child) break;
    node = child;
  }
  return { doc: node.origin.doc, path: [...node.origin.path, ...path.slice(depth)] };
}

/** Calls `visit` on every node with its path in the composed value (used to list values by source document). */
export function walkNodes(node: ValueNode, visit: (node: ValueNode, path: ValuePath) => void, path: ValuePath = []): void {
  visit(node, path);
  if (node.kind === 'map') for (const [key, child] of node.entries) walkNodes(child, visit, [...path, key]);
  else if (node.kind === 'seq') node.items.forEach((child, i) => walkNodes(child, visit, [...path, i]));
}
