import { isMap, isScalar, isSeq, type Node } from 'yaml';

import type { ValuePath, YamlDocument } from './yamlFile';

export interface PathAtOffset {
  /** The path of the value (or key) under the cursor. */
  path: (string | number)[];
  /** Whether the cursor is on a mapping key rather than a value. */
  onKey: boolean;
}

function contains(node: Node | null | undefined, offset: number): boolean {
  return !!node?.range && node.range[0] <= offset && offset <= node.range[1];
}

/**
 * The YAML path at an offset of the document's text (relative to the document start). Used by editor features
 * (completion, hover) that need to know where the cursor is; a sequence entry being typed (`- |`) counts as the
 * next index of that sequence.
 */
export function pathAtOffset(doc: YamlDocument, offset: number): PathAtOffset | undefined {
  const root = doc.parsed().contents as Node | null;
  const path: (string | number)[] = [];
  let node: Node | null = root;
  while (node) {
    if (isMap(node)) {
      const pair = node.items.find((item) => contains(item.key as Node, offset) || contains(item.value as Node, offset));
      if (!pair) return { path, onKey: false };
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (contains(pair.key as Node, offset)) return { path: [...path, key], onKey: true };
      path.push(key);
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item as Node, offset));
      if (index < 0) return { path: [...path, node.items.length], onKey: false };
      path.push(index);
      node = node.items[index] as Node;
    } else {
      return { path, onKey: false };
    }
  }
  return { path, onKey: false };
}

export function samePath(a: ValuePath, b: ValuePath): boolean {
  return a.length === b.length && a.every((segment, i) => String(segment) === String(b[i]));
}
