import { basename, dirname, join, resolve } from 'node:path';

import { embeddedDocument } from '../parse/embedded';
import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { isRecord, scalarString, valueAt } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { applyJsonPatch, type JsonPatchOperation, strategicMerge } from './patch';
import { childOf, nodeOf, type Origin, scalarNode, type ValueNode } from './tree';

/**
 * Kustomize, as far as Istio configuration needs it: `resources` (files and folders), `components`, `patches`
 * (strategic merge and JSON 6902, with `target`), `patchesStrategicMerge`, `patchesJson6902`, `namespace`,
 * `commonLabels` and `labels`. Reads only the workspace's parsed files; remote bases and generators are left
 * out (their objects are not in the workspace to read).
 */

export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** An object of a kustomize build, with where each of its values was written. */
export interface KustomizedObject {
  tree: ValueNode;
  /** The document the object was first written in (a base's resource file). */
  base: YamlDocument;
  /** Where the building kustomization brings the object in (`['resources', 0]`), in that kustomization. */
  entry: ValuePath;
  /** Namespaces a base's `namespace` replaced: kustomize still matches patches written for them. */
  previousNamespaces: readonly string[];
}

/** Looks files up by absolute path; the composition cache records every lookup to know what a build read. */
export type FileLookup = (path: string) => WorkspaceFile | undefined;

export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.includes(basename(path));
}

/** The kustomization document of a file: its first mapping, unless it is a Flux `Kustomization` (a GitOps object). */
export function kustomizationDocument(file: WorkspaceFile): YamlDocument | undefined {
  const doc = file.yaml.documents.find((d) => isRecord(d.value));
  const apiVersion = doc && scalarString(valueAt(doc.value, ['apiVersion']));
  if (!doc || (apiVersion !== undefined && !apiVersion.startsWith('kustomize.config.k8s.io/'))) return undefined;
  return doc;
}

export function findKustomization(folder: string, lookup: FileLookup): WorkspaceFile | undefined {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const file = lookup(join(folder, name));
    if (file && kustomizationDocument(file)) return file;
  }
  return undefined;
}

export function stringEntries(doc: YamlDocument, key: string): { value: string; path: ValuePath }[] {
  const list = valueAt(doc.value, [key]);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) => (typeof item === 'string' ? [{ value: item, path: [key, index] }] : []));
}

export function isRemote(entry: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\//i.test(entry);
}

/** Folders and files a kustomization names in `resources` and `components` (to find which kustomizations are roots). */
export function referencedPaths(file: WorkspaceFile): string[] {
  const doc = kustomizationDocument(file);
  if (!doc) return [];
  const folder = dirname(file.path);
  return ['resources', 'components'].flatMap((key) =>
    stringEntries(doc, key)
      .filter((e) => !isRemote(e.value))
      .map((e) => resolve(folder, e.value)),
  );
}

const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'APIService',
  'IngressClass',
  'GatewayClass',
  'RuntimeClass',
]);

function kindOf(tree: ValueNode): string {
  const kind = childOf(tree, 'kind');
  return kind?.kind === 'scalar' && typeof kind.value === 'string' ? kind.value : '';
}

function stringAt(tree: ValueNode, path: ValuePath): string | undefined {
  let node: ValueNode | undefined = tree;
  for (const segment of path) node = childOf(node, segment);
  return node?.kind === 'scalar' ? scalarString(node.value) : undefined;
}

/** Sets a scalar at `path` (creating maps on the way), copy on write. */
function setScalar(tree: ValueNode, path: readonly string[], value: ValueNode): ValueNode {
  if (path.length === 0) return value;
  const entries = tree.kind === 'map' ? new Map(tree.entries) : new Map<string, ValueNode>();
  const [head, ...rest] = path;
  const child = entries.get(head);
  entries.set(
    head,
    rest.length === 0 ? value : setScalar(child?.kind === 'map' ? child : { kind: 'map', entries: new Map(), origin: value.origin }, rest, value),
  );
  return { kind: 'map', entries, origin: tree.kind === 'map' ? tree.origin : value.origin };
}

/** A patch's `target` selector (kind and name are anchored regular expressions, as in kustomize). */
interface TargetSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

function anchoredMatch(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(value ?? '');
  } catch {
    return pattern === value;
  }
}

function labelSelectorMatches(selector: string | undefined, tree: ValueNode): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split(/!?=/).map((s) => s.trim());
    const actual = stringAt(tree, ['metadata', 'labels', key]);
    return term.includes('!=') ? actual !== value : value === undefined ? actual !== undefined : actual === value;
  });
}

function selects(target: TargetSelector, object: KustomizedObject): boolean {
  const tree = object.tree;
  const namespaces = [stringAt(tree, ['metadata', 'namespace']), ...object.previousNamespaces];
  const apiVersion = stringAt(tree, ['apiVersion']) ?? '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    anchoredMatch(target.kind, kindOf(tree)) &&
    anchoredMatch(target.name, stringAt(tree, ['metadata', 'name'])) &&
    namespaces.some((namespace) => anchoredMatch(target.namespace, namespace)) &&
    labelSelectorMatches(target.labelSelector, tree)
  );
}

function readSelector(value: unknown): TargetSelector | undefined {
  if (!isRecord(value)) return undefined;
  const field = (key: string) => scalarString(value[key]) || undefined;
  return {
    group: field('group'),
    version: field('version'),
    kind: field('kind'),
    name: field('name'),
    namespace: field('namespace'),
    labelSelector: field('labelSelector'),
  };
}

/**
 * A strategic merge patch's own id selects what it patches when it has no `target`. As in kustomize, a patch
 * without a namespace patches only objects without one (or in `default`).
 */
function selectorOfPatch(patch: ValueNode): TargetSelector {
  const escape = (s: string | undefined) => s?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    kind: escape(kindOf(patch)) || undefined,
    name: escape(stringAt(patch, ['metadata', 'name'])),
    namespace: escape(stringAt(patch, ['metadata', 'namespace'])) ?? '|default',
  };
}

/** The patch without the fields that only identify its target, so they keep pointing at the base. */
function patchBody(patch: ValueNode): ValueNode {
  if (patch.kind !== 'map') return patch;
  const entries = new Map(patch.entries);
  entries.delete('apiVersion');
  entries.delete('kind');
  const metadata = entries.get('metadata');
  if (metadata?.kind === 'map') {
    const meta = new Map(metadata.entries);
    meta.delete('name');
    meta.delete('namespace');
    if (meta.size) entries.set('metadata', { ...metadata, entries: meta });
    else entries.delete('metadata');
  }
  return { ...patch, entries };
}

type Patch = { type: 'strategic'; node: ValueNode; target?: TargetSelector } | { type: 'json6902'; operations: JsonPatchOperation[]; target?: TargetSelector };

function jsonPatchOperations(node: ValueNode): JsonPatchOperation[] | undefined {
  if (node.kind !== 'seq') return undefined;
  return node.items.flatMap((item) => {
    const op = stringAt(item, ['op']);
    const path = stringAt(item, ['path']);
    return op && path !== undefined ? [{ op, path, from: stringAt(item, ['from']), value: childOf(item, 'value') }] : [];
  });
}

/** The documents of a patch given as a path (a workspace file) or inline (a string in the kustomization). */
function patchDocuments(kustomization: YamlDocument, folder: string, at: ValuePath, lookup: FileLookup): YamlDocument[] {
  const value = valueAt(kustomization.value, at);
  if (typeof value !== 'string') return [];
  const file = !value.includes('\n') ? lookup(resolve(folder, value)) : undefined;
  if (file) return file.yaml.documents.filter((d) => d.value !== null && d.value !== undefined);
  const inline = embeddedDocument(kustomization, at);
  return inline && inline.value !== null ? [inline] : [];
}

function patchesFrom(docs: YamlDocument[], target: TargetSelector | undefined, forceJson = false): Patch[] {
  return docs.map((doc): Patch => {
    const node = nodeOf(doc.value, doc);
    const operations = jsonPatchOperations(node);
    if (operations || forceJson) return { type: 'json6902', operations: operations ?? [], target };
    return { type: 'strategic', node, target };
  });
}

/** Every patch of a kustomization, in the order kustomize applies them (strategic merge ones before JSON 6902 ones). */
function readPatches(doc: YamlDocument, folder: string, lookup: FileLookup): { early: Patch[]; json6902: Patch[] } {
  const early: Patch[] = [];
  const json6902: Patch[] = [];
  stringEntries(doc, 'patchesStrategicMerge').forEach((entry) => early.push(...patchesFrom(patchDocuments(doc, folder, entry.path, lookup), undefined)));
  const patches = valueAt(doc.value, ['patches']);
  if (Array.isArray(patches))
    patches.forEach((item, index) => {
      if (!isRecord(item)) return;
      const source = typeof item.path === 'string' ? ['patches', index, 'path'] : ['patches', index, 'patch'];
      early.push(...patchesFrom(patchDocuments(doc, folder, source, lookup), readSelector(item.target)));
    });
  const legacy = valueAt(doc.value, ['patchesJson6902']);
  if (Array.isArray(legacy))
    legacy.forEach((item, index) => {
      if (!isRecord(item)) return;
      const source = typeof item.path === 'string' ? ['patchesJson6902', index, 'path'] : ['patchesJson6902', index, 'patch'];
      json6902.push(...patchesFrom(patchDocuments(doc, folder, source, lookup), readSelector(item.target), true));
    });
  return { early, json6902 };
}

function applyPatch(objects: KustomizedObject[], patch: Patch): KustomizedObject[] {
  const target = patch.target ?? (patch.type === 'strategic' ? selectorOfPatch(patch.node) : undefined);
  if (!target) return objects;
  return objects.flatMap((object) => {
    if (!selects(target, object)) return [object];
    const tree =
      patch.type === 'strategic' ? strategicMerge(kindOf(object.tree), [], object.tree, patchBody(patch.node)) : applyJsonPatch(object.tree, patch.operations);
    return tree ? [{ ...object, tree }] : [];
  });
}

function setNamespace(objects: KustomizedObject[], doc: YamlDocument): KustomizedObject[] {
  const namespace = scalarString(valueAt(doc.value, ['namespace']));
  if (!namespace) return objects;
  const value = scalarNode(namespace, { doc, path: ['namespace'] });
  return objects.map((object) => {
    if (CLUSTER_SCOPED_KINDS.has(kindOf(object.tree))) return object;
    const previous = stringAt(object.tree, ['metadata', 'namespace']) ?? '';
    return { ...object, tree: setScalar(object.tree, ['metadata', 'namespace'], value), previousNamespaces: [...object.previousNamespaces, previous] };
  });
}

/** Where labels go besides `metadata.labels` when a kustomization adds them to selectors too. */
const SELECTOR_PATHS: Record<string, string[][]> = {
  Service: [['spec', 'selector']],
  Deployment: [
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ],
  StatefulSet: [
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ],
  DaemonSet: [
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ],
};

interface LabelSet {
  labels: { key: string; value: string; origin: Origin }[];
  includeSelectors: boolean;
}

function labelSets(doc: YamlDocument): LabelSet[] {
  const sets: LabelSet[] = [];
  const pairsAt = (path: ValuePath) => {
    const pairs = valueAt(doc.value, path);
    if (!isRecord(pairs)) return [];
    return Object.entries(pairs).flatMap(([key, value]) => {
      const text = scalarString(value);
      return text === undefined ? [] : [{ key, value: text, origin: { doc, path: [...path, key] } }];
    });
  };
  sets.push({ labels: pairsAt(['commonLabels']), includeSelectors: true });
  const labels = valueAt(doc.value, ['labels']);
  if (Array.isArray(labels))
    labels.forEach((entry, index) => {
      if (isRecord(entry)) sets.push({ labels: pairsAt(['labels', index, 'pairs']), includeSelectors: entry.includeSelectors === true });
    });
  return sets.filter((s) => s.labels.length > 0);
}

function addLabels(objects: KustomizedObject[], doc: YamlDocument): KustomizedObject[] {
  const sets = labelSets(doc);
  if (sets.length === 0) return objects;
  return objects.map((object) => {
    let tree = object.tree;
    for (const set of sets) {
      const paths = [['metadata', 'labels'], ...(set.includeSelectors ? (SELECTOR_PATHS[kindOf(tree)] ?? []) : [])];
      for (const path of paths) for (const label of set.labels) tree = setScalar(tree, [...path, label.key], scalarNode(label.value, label.origin));
    }
    return { ...object, tree };
  });
}

function objectsOfFile(file: WorkspaceFile, entry: ValuePath): KustomizedObject[] {
  return file.yaml.documents.flatMap((doc) =>
    isRecord(doc.value) && doc.value.kind !== undefined ? [{ tree: nodeOf(doc.value, doc), base: doc, entry, previousNamespaces: [] }] : [],
  );
}

/**
 * The objects a kustomization folder builds. `inherited` is the accumulated build a component applies to;
 * `visiting` guards against folders that include each other.
 */
export function buildKustomization(
  folder: string,
  lookup: FileLookup,
  inherited: KustomizedObject[] = [],
  visiting: readonly string[] = [],
): KustomizedObject[] {
  const file = findKustomization(folder, lookup);
  const doc = file && kustomizationDocument(file);
  if (!doc || visiting.includes(folder)) return inherited;
  const inside = [...visiting, folder];
  let objects = [...inherited];
  for (const entry of stringEntries(doc, 'resources')) {
    if (isRemote(entry.value)) continue;
    const path = resolve(folder, entry.value);
    const resourceFile = lookup(path);
    const loaded = resourceFile && !isKustomizationFile(path) ? objectsOfFile(resourceFile, entry.path) : buildKustomization(path, lookup, [], inside);
    objects.push(...loaded.map((object) => ({ ...object, entry: entry.path })));
  }
  for (const entry of stringEntries(doc, 'components')) {
    if (isRemote(entry.value)) continue;
    const before = new Set(objects.map((o) => o.base));
    objects = buildKustomization(resolve(folder, entry.value), lookup, objects, inside).map((o) => (before.has(o.base) ? o : { ...o, entry: entry.path }));
  }
  const { early, json6902 } = readPatches(doc, folder, lookup);
  for (const patch of early) objects = applyPatch(objects, patch);
  objects = setNamespace(objects, doc);
  objects = addLabels(objects, doc);
  for (const patch of json6902) objects = applyPatch(objects, patch);
  return objects;
}

/** Every file a kustomization folder reads (resources, components, patch files), its own kustomization included. */
export function filesRead(folder: string, lookup: FileLookup, visiting: readonly string[] = []): string[] {
  const file = findKustomization(folder, lookup);
  const doc = file && kustomizationDocument(file);
  if (!file || !doc || visiting.includes(folder)) return [];
  const inside = [...visiting, folder];
  const read = [file.path];
  for (const entry of [...stringEntries(doc, 'resources'), ...stringEntries(doc, 'components')]) {
    if (isRemote(entry.value)) continue;
    const path = resolve(folder, entry.value);
    if (lookup(path) && !isKustomizationFile(path)) read.push(path);
    else read.push(...filesRead(path, lookup, inside));
  }
  const patchPaths = [
    ...stringEntries(doc, 'patchesStrategicMerge').map((e) => e.value),
    ...['patches', 'patchesJson6902'].flatMap((key) => {
      const list = valueAt(doc.value, [key]);
      return Array.isArray(list) ? list.flatMap((item) => (isRecord(item) && typeof item.path === 'string' ? [item.path] : [])) : [];
    }),
  ];
  for (const path of patchPaths) if (!path.includes('\n') && lookup(resolve(folder, path))) read.push(resolve(folder, path));
  return read;
}
