import type { ValuePath } from '../parse/yamlFile';
import { childOf, plainValue, type ValueNode } from './tree';

/**
 * Merge keys of the lists kustomize merges item by item in built-in kinds (from their OpenAPI schemas), by
 * kind and path with list indexes left out. Every other list — and every list of a custom resource without a
 * schema, such as IstioOperator — is replaced whole by the patch's list, as kustomize does.
 */
const MERGE_KEYS: Record<string, Record<string, string>> = {
  Service: { 'spec.ports': 'port' },
  Deployment: { 'spec.template.spec.containers': 'name', 'spec.template.spec.containers.env': 'name', 'spec.template.spec.volumes': 'name' },
  StatefulSet: { 'spec.template.spec.containers': 'name', 'spec.template.spec.containers.env': 'name', 'spec.template.spec.volumes': 'name' },
  DaemonSet: { 'spec.template.spec.containers': 'name', 'spec.template.spec.containers.env': 'name', 'spec.template.spec.volumes': 'name' },
};

function mergeKeyOf(kind: string, path: ValuePath): string | undefined {
  return MERGE_KEYS[kind]?.[path.filter((s) => typeof s === 'string').join('.')];
}

function directive(node: ValueNode): string | undefined {
  const value = node.kind === 'map' ? node.entries.get('$patch') : undefined;
  return value?.kind === 'scalar' && typeof value.value === 'string' ? value.value : undefined;
}

function withoutDirectives(node: ValueNode): ValueNode {
  if (node.kind !== 'map' || !node.entries.has('$patch')) return node;
  const entries = new Map(node.entries);
  entries.delete('$patch');
  return { ...node, entries };
}

function scalarKey(node: ValueNode | undefined): unknown {
  return node?.kind === 'scalar' ? node.value : undefined;
}

/**
 * Merges two lists item by item on their merge key. The order is kustomize's: the patch's items first, in
 * the patch's order (merged into the target's item with the same key), then the target's other items.
 */
function mergeList(kind: string, path: ValuePath, target: ValueNode & { kind: 'seq' }, patch: ValueNode & { kind: 'seq' }): ValueNode {
  const key = mergeKeyOf(kind, path);
  if (!key) return { ...patch, items: patch.items.map(withoutDirectives) };
  const used = new Set<number>();
  const items: ValueNode[] = [];
  for (const patchItem of patch.items) {
    const wanted = scalarKey(childOf(patchItem, key));
    const at = wanted === undefined ? -1 : target.items.findIndex((item) => scalarKey(childOf(item, key)) === wanted);
    if (at >= 0) used.add(at);
    if (directive(patchItem) === 'delete') continue;
    const merged = at >= 0 ? strategicMerge(kind, [...path, at], target.items[at], patchItem) : withoutDirectives(patchItem);
    if (merged) items.push(merged);
  }
  target.items.forEach((item, index) => {
    if (!used.has(index)) items.push(item);
  });
  return { ...target, items };
}

/**
 * A strategic merge patch applied to `target`: maps merge key by key, `null` deletes a key, `$patch: delete`
 * deletes and `$patch: replace` replaces a map, lists merge by their merge key or are replaced. Returns
 * undefined when the patch deletes the target altogether.
 */
export function strategicMerge(kind: string, path: ValuePath, target: ValueNode | undefined, patch: ValueNode): ValueNode | undefined {
  const patchDirective = directive(patch);
  if (patchDirective === 'delete') return undefined;
  if (patchDirective === 'replace' || !target) return withoutDirectives(patch);
  if (target.kind === 'seq' && patch.kind === 'seq') return mergeList(kind, path, target, patch);
  if (target.kind !== 'map' || patch.kind !== 'map') return patch;
  const entries = new Map(target.entries);
  for (const [key, value] of patch.entries) {
    if (key === '$patch') continue;
    if (value.kind === 'scalar' && value.value === null) {
      entries.delete(key);
      continue;
    }
    const merged = strategicMerge(kind, [...path, key], entries.get(key), value);
    if (merged) entries.set(key, merged);
    else entries.delete(key);
  }
  return { ...target, entries };
}

/** One RFC 6902 operation, with the node its `value` holds (located in the patch). */
export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: ValueNode;
}

/** `/spec/components/ingressGateways/0/label/topology.istio.io~1network` → its segments. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The tree with `change` applied to the node at `segments` (copy on write; undefined when the path is missing). */
function updateAt(node: ValueNode, segments: readonly string[], change: (parent: ValueNode, last: string) => ValueNode | undefined): ValueNode | undefined {
  if (segments.length === 1) return change(node, segments[0]);
  const [head, ...rest] = segments;
  if (node.kind === 'map') {
    const child = node.entries.get(head);
    const updated = child && updateAt(child, rest, change);
    if (!updated) return undefined;
    return { ...node, entries: new Map(node.entries).set(head, updated) };
  }
  if (node.kind === 'seq') {
    const index = Number(head);
    const child = Number.isInteger(index) ? node.items[index] : undefined;
    const updated = child && updateAt(child, rest, change);
    if (!updated) return undefined;
    const items = [...node.items];
    items[index] = updated;
    return { ...node, items };
  }
  return undefined;
}

function getAt(node: ValueNode, segments: readonly string[]): ValueNode | undefined {
  let current: ValueNode | undefined = node;
  for (const segment of segments) current = childOf(current, current?.kind === 'seq' ? Number(segment) : segment);
  return current;
}

function addTo(parent: ValueNode, last: string, value: ValueNode, replaceOnly: boolean): ValueNode | undefined {
  if (parent.kind === 'map') {
    if (replaceOnly && !parent.entries.has(last)) return undefined;
    return { ...parent, entries: new Map(parent.entries).set(last, value) };
  }
  if (parent.kind === 'seq') {
    const index = last === '-' ? parent.items.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.items.length || (replaceOnly && index === parent.items.length)) return undefined;
    const items = [...parent.items];
    items.splice(index, replaceOnly ? 1 : 0, value);
    return { ...parent, items };
  }
  return undefined;
}

function removeFrom(parent: ValueNode, last: string): ValueNode | undefined {
  if (parent.kind === 'map') {
    if (!parent.entries.has(last)) return undefined;
    const entries = new Map(parent.entries);
    entries.delete(last);
    return { ...parent, entries };
  }
  if (parent.kind === 'seq') {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.items.length) return undefined;
    return { ...parent, items: parent.items.filter((_, i) => i !== index) };
  }
  return undefined;
}

/**
 * Applies RFC 6902 operations in order. An operation that cannot apply (missing path, failed test) stops the
 * patch, as kustomize stops the build; the result is then the target as it was before the patch.
 */
export function applyJsonPatch(target: ValueNode, operations: readonly JsonPatchOperation[]): ValueNode {
  let result = target;
  for (const operation of operations) {
    const segments = parsePointer(operation.path);
    if (!segments) return target;
    let next: ValueNode | undefined;
    const from = operation.from === undefined ? undefined : parsePointer(operation.from);
    const moved = from ? getAt(result, from) : undefined;
    switch (operation.op) {
      case 'add':
      case 'replace':
        if (!operation.value) return target;
        next = segments.length === 0 ? operation.value : updateAt(result, segments, (p, l) => addTo(p, l, operation.value!, operation.op === 'replace'));
        break;
      case 'remove':
        next = segments.length === 0 ? undefined : updateAt(result, segments, removeFrom);
        break;
      case 'copy':
      case 'move': {
        if (!from || !moved || segments.length === 0) return target;
        const source = operation.op === 'move' ? updateAt(result, from, removeFrom) : result;
        next = source && updateAt(source, segments, (p, l) => addTo(p, l, moved, false));
        break;
      }
      case 'test':
        next = JSON.stringify(valueOrUndefined(getAt(result, segments))) === JSON.stringify(valueOrUndefined(operation.value)) ? result : undefined;
        break;
      default:
        next = undefined;
    }
    if (!next) return target;
    result = next;
  }
  return result;
}

function valueOrUndefined(node: ValueNode | undefined): unknown {
  return node ? plainValue(node) : undefined;
}
