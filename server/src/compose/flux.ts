import { dirname, join, sep } from 'node:path';

import type { YamlDocument } from '../parse/yamlFile';
import { recogniseResource } from '../resources/kinds';
import { isRecord, type Resource, scalarString, valueAt } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { ComposedYamlDocument, type CompositionUnit } from './composedDocument';
import { buildKustomization, type FileLookup, filesRead, findKustomization } from './kustomize';
import { substituteExpressions } from './substitute';
import { childOf, nodeOf, type Origin, scalarNode, type ValueNode } from './tree';

/**
 * Flux `Kustomization`s with `postBuild.substitute` / `substituteFrom`: the files under `spec.path` are built
 * (as kustomize does, or every manifest under the folder when it has no kustomization.yaml) and every
 * `${var}` is filled in from the Kustomization's variables, per Kustomization, so one shared folder becomes
 * each cluster's objects. A value that is one variable is located where the variable is set.
 */

const SUBSTITUTE_DISABLED = 'kustomize.toolkit.fluxcd.io/substitute';
/** `${var}`, `${var:=default}`, `${var:-default}` (Flux's envsubst forms). */
const VARIABLE = /\$\{([^}]*)\}/g;
const VARIABLE_BODY = /^([_a-zA-Z][_a-zA-Z0-9]*)(?::?[=-](.*))?$/s;

export function isFluxKustomization(doc: YamlDocument): boolean {
  const value = doc.value;
  return isRecord(value) && value.kind === 'Kustomization' && (scalarString(value.apiVersion) ?? '').startsWith('kustomize.toolkit.fluxcd.io/');
}

function hasSubstitution(doc: YamlDocument): boolean {
  const postBuild = valueAt(doc.value, ['spec', 'postBuild']);
  return isRecord(postBuild) && (isRecord(postBuild.substitute) || Array.isArray(postBuild.substituteFrom));
}

/**
 * The variables of a Kustomization: `substituteFrom` ConfigMaps in order (a later one overrides), then
 * `substitute`, which wins. Secrets are not read: their values stay opaque placeholders.
 */
function variablesOf(doc: YamlDocument, configMaps: readonly Resource[]): Map<string, ValueNode> {
  const variables = new Map<string, ValueNode>();
  const namespace = scalarString(valueAt(doc.value, ['metadata', 'namespace']));
  const from = valueAt(doc.value, ['spec', 'postBuild', 'substituteFrom']);
  for (const entry of Array.isArray(from) ? from : []) {
    if (!isRecord(entry) || entry.kind !== 'ConfigMap') continue;
    const source = configMaps.find((c) => c.name === scalarString(entry.name) && (!namespace || !c.namespace || c.namespace === namespace));
    const data = source?.get(['data']);
    if (!source || !isRecord(data)) continue;
    for (const [key, value] of Object.entries(data)) {
      const text = scalarString(value);
      if (text !== undefined) variables.set(key, scalarNode(text, { doc: source.doc, path: ['data', key] }));
    }
  }
  const substitute = valueAt(doc.value, ['spec', 'postBuild', 'substitute']);
  if (isRecord(substitute)) {
    for (const [key, value] of Object.entries(substitute)) {
      const text = scalarString(value);
      if (text !== undefined) variables.set(key, scalarNode(text, { doc, path: ['spec', 'postBuild', 'substitute', key] }));
    }
  }
  return variables;
}

function resolveVariable(variables: ReadonlyMap<string, ValueNode>) {
  return (body: string, origin: Origin): ValueNode | undefined => {
    const match = VARIABLE_BODY.exec(body);
    if (!match) return undefined;
    const value = variables.get(match[1]);
    if (value) return value;
    // A default is written in the template, so it is located there.
    return match[2] !== undefined ? scalarNode(match[2], origin) : undefined;
  };
}

function isUnder(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** `spec.path` is relative to the source's root: the innermost folder above the Kustomization where it exists. */
function sourceFolder(doc: YamlDocument, files: readonly WorkspaceFile[]): string | undefined {
  const path = scalarString(valueAt(doc.value, ['spec', 'path'])) ?? './';
  for (let folder = dirname(doc.file.file); ; folder = dirname(folder)) {
    const candidate = join(folder, path);
    if (files.some((f) => isUnder(f.path, candidate))) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}

interface FluxObject {
  tree: ValueNode;
  base: YamlDocument;
}

/** What Flux builds from a folder: its kustomization, else every manifest under it (Flux generates one). */
function buildFolder(folder: string, files: readonly WorkspaceFile[], lookup: FileLookup): { objects: FluxObject[]; read: string[] } {
  if (findKustomization(folder, lookup)) return { objects: buildKustomization(folder, lookup), read: filesRead(folder, lookup) };
  const under = files.filter((f) => isUnder(f.path, folder) && !f.yaml.documents.some(isFluxKustomization));
  const objects = under.flatMap((file) =>
    file.yaml.documents.flatMap((doc) => (isRecord(doc.value) && doc.value.kind !== undefined ? [{ tree: nodeOf(doc.value, doc), base: doc }] : [])),
  );
  return { objects, read: under.map((f) => f.path) };
}

/** `kustomize.toolkit.fluxcd.io/substitute: disabled` on an object keeps Flux from substituting in it. */
function isSubstitutionDisabled(tree: ValueNode): boolean {
  const annotation = childOf(childOf(childOf(tree, 'metadata'), 'annotations'), SUBSTITUTE_DISABLED);
  return annotation?.kind === 'scalar' && annotation.value === 'disabled';
}

/**
 * The files with each substituting Flux Kustomization's objects on its own file, and the files it read (its
 * `spec.path`) carrying none: they reach a cluster only as substituted. `consumed` lists those files, so a
 * kustomization under a Flux path is not composed a second time as an overlay of its own.
 */
export function withFluxKustomizations(files: readonly WorkspaceFile[]): { files: WorkspaceFile[]; consumed: Set<string> } {
  const fluxDocs = files.flatMap((file) => file.yaml.documents.filter((doc) => isFluxKustomization(doc) && hasSubstitution(doc)).map((doc) => ({ file, doc })));
  if (fluxDocs.length === 0) return { files: [...files], consumed: new Set() };
  const byPath = new Map(files.map((f) => [f.path, f]));
  const lookup: FileLookup = (path) => byPath.get(path);
  const configMaps = files.flatMap((f) => f.resources).filter((r) => r.kind === 'ConfigMap');
  const added = new Map<string, Resource[]>();
  const consumed = new Set<string>();
  for (const { file, doc } of fluxDocs) {
    const folder = sourceFolder(doc, files);
    if (!folder) continue;
    const { objects, read } = buildFolder(folder, files, lookup);
    for (const path of read) consumed.add(path);
    const resolve = resolveVariable(variablesOf(doc, configMaps));
    const name = scalarString(valueAt(doc.value, ['metadata', 'name'])) ?? 'Kustomization';
    const unit: CompositionUnit = { kind: 'flux', folder: dirname(file.path), document: doc, path: ['spec', 'path'], label: `the Flux Kustomization ${name}` };
    const resources = objects.flatMap((object) => {
      const tree = isSubstitutionDisabled(object.tree) ? object.tree : substituteExpressions(object.tree, VARIABLE, resolve);
      const resource = recogniseResource(new ComposedYamlDocument(object.base, tree, unit));
      return resource ? [resource] : [];
    });
    added.set(file.path, [...(added.get(file.path) ?? file.resources), ...resources]);
  }
  const result = files.map((f) => {
    const resources = added.get(f.path);
    if (resources) return { ...f, resources };
    return consumed.has(f.path) ? { ...f, resources: [] } : f;
  });
  return { files: result, consumed };
}
