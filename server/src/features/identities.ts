import { sep } from 'node:path';

import { ARGOCD_SECRET_TYPE_LABEL } from '../compose/applicationSet';
import { ComposedYamlDocument } from '../compose/composedDocument';
import type { ValueNode } from '../compose/tree';
import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import { compareRanges, type Range, type SourceLocation } from '../parse/text';
import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { CONTROL_PLANE_CLUSTERS_ANNOTATION, NETWORK_LABEL } from '../resources/installConfig';
import { CLUSTER_ANNOTATION } from '../resources/remoteSecret';
import { isPlaceholder, isRecord, valueAt } from '../resources/resource';
import { meshOfResource } from './meshCompletion';

/**
 * Every place a mesh writes a cluster name, a network or a meshID: install values, `CLUSTER_ID` and
 * `ISTIO_META_REQUESTED_NETWORK_VIEW`, namespace and gateway labels, injection paths, remote secret keys, names and
 * annotations, istio-csr's clusterID, the control plane clusters annotation, `# istio-mesh: cluster=` comments.
 * Find references lists them; rename changes them all at once. Credentials (a secret's values) are never touched.
 */

export type IdentityKind = 'cluster' | 'network' | 'mesh';

export interface IdentityValue {
  kind: IdentityKind;
  value: string;
}

export interface Occurrence extends IdentityValue {
  location: SourceLocation;
}

const KEYS: Record<string, IdentityKind> = {
  clusterName: 'cluster',
  clusterID: 'cluster',
  [CLUSTER_ANNOTATION]: 'cluster',
  network: 'network',
  [NETWORK_LABEL]: 'network',
  // The gateway chart's value that becomes the east-west gateway's network label.
  networkGateway: 'network',
  meshID: 'mesh',
};
const ENV_KINDS: Record<string, IdentityKind> = { CLUSTER_ID: 'cluster', ISTIO_META_REQUESTED_NETWORK_VIEW: 'network' };
const REMOTE_SECRET_PREFIX = 'istio-remote-secret-';
/** `/inject/cluster/<cluster>/net/<network>` and the older `:ENV:cluster=<cluster>:ENV:net=<network>`. */
const INJECTION_SEGMENTS: [IdentityKind, RegExp][] = [
  ['cluster', /\/cluster\/([^/]+)/g],
  ['network', /\/net\/([^/?]+)/g],
  ['cluster', /:ENV:cluster=([^:/]+)/g],
  ['network', /:ENV:net=([^:/]+)/g],
];
const DIRECTIVE = /#\s*istio-mesh:[^\n]*?\bcluster=([^\s#]+)/g;

/** A part of a scalar (a segment of an injection path, a list item): its offset in the value as loaded. */
interface Part extends IdentityValue {
  start: number;
}

/** The identities a scalar holds, each with where in the value it starts. */
function partsOf(doc: YamlDocument, path: ValuePath, value: string, key: string | number | undefined): Part[] {
  if (isPlaceholder(value)) return [];
  const parts: Part[] = [];
  const named = typeof key === 'string' ? KEYS[key] : undefined;
  if (named) parts.push({ kind: named, value, start: 0 });
  if (key === 'value' && path.length >= 2) {
    const entry = valueAt(doc.value, path.slice(0, -1));
    const kind = isRecord(entry) && typeof entry.name === 'string' ? ENV_KINDS[entry.name] : undefined;
    if (kind) parts.push({ kind, value, start: 0 });
  }
  if (typeof key === 'string' && ENV_KINDS[key] && path.includes('env')) parts.push({ kind: ENV_KINDS[key], value, start: 0 });
  if (key === 'injectionPath' || key === 'injectionURL') {
    for (const [kind, pattern] of INJECTION_SEGMENTS)
      for (const match of value.matchAll(pattern)) parts.push({ kind, value: match[1], start: match.index! + match[0].length - match[1].length });
  }
  if (key === CONTROL_PLANE_CLUSTERS_ANNOTATION) {
    let offset = 0;
    for (const item of value.split(',')) {
      const trimmed = item.trim();
      if (trimmed && trimmed !== '*') parts.push({ kind: 'cluster', value: trimmed, start: offset + item.indexOf(trimmed) });
      offset += item.length + 1;
    }
  }
  if (
    key === 'name' &&
    path.length === 2 &&
    path[0] === 'metadata' &&
    value.startsWith(REMOTE_SECRET_PREFIX) &&
    isRecord(doc.value) &&
    doc.value.kind === 'Secret'
  ) {
    parts.push({ kind: 'cluster', value: value.slice(REMOTE_SECRET_PREFIX.length), start: REMOTE_SECRET_PREFIX.length });
  }
  // Argo CD's name of a cluster is the mesh's (an Application belongs to the cluster its destination names):
  // the destination, and the cluster Secret that registers the name (never its `config`).
  if (key === 'name' && isArgoClusterName(doc, path)) parts.push({ kind: 'cluster', value, start: 0 });
  return parts;
}

function isArgoClusterName(doc: YamlDocument, path: ValuePath): boolean {
  const value = doc.value;
  if (!isRecord(value)) return false;
  if (value.kind === 'Application') return path.length === 3 && path[0] === 'spec' && path[1] === 'destination';
  const labels = isRecord(value.metadata) && isRecord(value.metadata.labels) ? value.metadata.labels : {};
  return value.kind === 'Secret' && path.length === 2 && path[0] === 'stringData' && labels[ARGOCD_SECRET_TYPE_LABEL] === 'cluster';
}

/** Whether a document is a remote secret (`istio/multiCluster` label): its data keys are cluster names. */
function isRemoteSecret(doc: YamlDocument): boolean {
  const value = doc.value;
  if (!isRecord(value) || value.kind !== 'Secret' || !isRecord(value.metadata)) return false;
  const labels = value.metadata.labels;
  return isRecord(labels) && (labels['istio/multiCluster'] === 'true' || labels['istio/multiCluster'] === true);
}

/**
 * Where `text`, starting at `start` of the scalar at `valuePath`, is written: found in the written text, so quotes
 * and escapes do not shift it. A composed document's value is looked up where it was written (an ApplicationSet
 * element, a kustomize patch); a value filled into a template line there is not written as such, so it is none.
 */
export function writtenPartLocation(composed: YamlDocument, valuePath: ValuePath, text: string, partStart: number): SourceLocation | undefined {
  const { doc, path } = composed.writtenAt(valuePath);
  const whole = doc.rangeOf(path);
  const lines = doc.file.lines;
  const start = lines.offsetAt(whole.start);
  const written = doc.file.text.slice(start, lines.offsetAt(whole.end));
  if (partStart === 0 && (written === text || written === `"${text}"` || written === `'${text}'`)) {
    const quoted = written !== text ? 1 : 0;
    return { file: doc.file.file, range: lines.rangeOf(start + quoted, start + quoted + text.length) };
  }
  const at = written.indexOf(text, Math.max(0, partStart - 1));
  return at < 0 ? undefined : { file: doc.file.file, range: lines.rangeOf(start + at, start + at + text.length) };
}

/** Every identity written in a document: scalars by their key, remote secret data keys, and so on. */
function documentOccurrences(doc: YamlDocument): Occurrence[] {
  const found: Occurrence[] = [];
  const visit = (node: unknown, path: (string | number)[]) => {
    if (typeof node === 'string') {
      for (const part of partsOf(doc, path, node, path[path.length - 1])) {
        const location = writtenPartLocation(doc, path, part.value, part.start);
        if (location) found.push({ kind: part.kind, value: part.value, location });
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
    } else if (isRecord(node)) {
      for (const key of Object.keys(node)) visit(node[key], [...path, key]);
    }
  };
  visit(doc.value, []);
  if (isRemoteSecret(doc)) {
    for (const field of ['data', 'stringData']) {
      const data = isRecord(doc.value) ? doc.value[field] : undefined;
      if (!isRecord(data)) continue;
      // The key is the cluster's name; the value is a kubeconfig, never read here.
      for (const key of Object.keys(data)) {
        if (isPlaceholder(key)) continue;
        const written = doc.writtenAt([field, key]);
        found.push({ kind: 'cluster', value: key, location: { file: written.doc.file.file, range: written.doc.rangeOf(written.path, 'key') } });
      }
    }
  }
  return found;
}

/** `# istio-mesh: cluster=a,b` comments of a file. */
function directiveOccurrences(file: WorkspaceFile): Occurrence[] {
  const text = file.yaml.text;
  const found: Occurrence[] = [];
  for (const match of text.matchAll(DIRECTIVE)) {
    let offset = match.index! + match[0].length - match[1].length;
    for (const name of match[1].split(',')) {
      if (name) found.push({ kind: 'cluster', value: name, location: { file: file.path, range: file.yaml.lines.rangeOf(offset, offset + name.length) } });
      offset += name.length + 1;
    }
  }
  return found;
}

const contains = (range: Range, line: number, character: number) =>
  (line > range.start.line || (line === range.start.line && character >= range.start.character)) &&
  (line < range.end.line || (line === range.end.line && character <= range.end.character));

/**
 * The identities of the mesh's composed documents, where they are written: an ApplicationSet element's
 * `cluster: cluster1` is a cluster name because the template puts it in `clusterName`, and a kustomize patch's
 * value is found where the patch writes it.
 */
function composedOccurrences(mesh: MeshModel): Occurrence[] {
  return composedDocuments(mesh).flatMap(documentOccurrences);
}

function composedDocuments(mesh: MeshModel): ComposedYamlDocument[] {
  return [...new Set(mesh.resources.flatMap((r) => (r.doc instanceof ComposedYamlDocument ? [r.doc] : [])))];
}

/** The files a composed document reads values from (patches, the cluster Secrets a generator lists). */
function originFiles(doc: ComposedYamlDocument): Set<string> {
  const files = new Set<string>();
  const visit = (node: ValueNode) => {
    files.add(node.origin.doc.file.file);
    if (node.kind === 'map') node.entries.forEach(visit);
    else if (node.kind === 'seq') node.items.forEach(visit);
  };
  visit(doc.tree);
  return files;
}

const occurrenceKey = (o: Occurrence) => `${o.kind}|${o.location.file}|${o.location.range.start.line}:${o.location.range.start.character}`;

/** The identity written at a position of a file, if one is; `mesh` adds what its composed documents read there. */
export function identityAt(file: WorkspaceFile, offset: number, mesh?: MeshModel): Occurrence | undefined {
  const position = file.yaml.lines.positionAt(offset);
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const inDocument = doc ? documentOccurrences(doc) : [];
  const composed = mesh ? composedOccurrences(mesh).filter((o) => o.location.file === file.path) : [];
  return [...inDocument, ...directiveOccurrences(file), ...composed].find((o) => contains(o.location.range, position.line, position.character));
}

/**
 * The mesh a file's resources belong to; for a file the mesh reads only through others (the Argo CD cluster
 * Secrets an ApplicationSet's `clusters` generator lists), the mesh whose folder holds it.
 */
export function meshOfFile(meshes: readonly MeshModel[], file: WorkspaceFile): MeshModel | undefined {
  for (const resource of file.resources) {
    const mesh = meshOfResource(meshes, resource);
    if (mesh) return mesh;
  }
  const holding = meshes.filter((mesh) => file.path.startsWith(mesh.root + sep));
  return holding.sort((a, b) => b.root.length - a.root.length)[0];
}

/** Every place of the mesh's files that writes this identity. */
export function identityOccurrences(mesh: MeshModel, identity: IdentityValue, files: (path: string) => WorkspaceFile | undefined): Occurrence[] {
  const paths = new Set([...mesh.resources.map((r) => r.file), ...composedDocuments(mesh).flatMap((doc) => [...originFiles(doc)])]);
  const all: Occurrence[] = [];
  for (const path of paths) {
    const file = files(path);
    if (file) all.push(...file.yaml.documents.flatMap(documentOccurrences), ...directiveOccurrences(file));
  }
  all.push(...composedOccurrences(mesh));
  const seen = new Set<string>();
  return all
    .filter((o) => o.kind === identity.kind && o.value === identity.value)
    .filter((o) => !seen.has(occurrenceKey(o)) && seen.add(occurrenceKey(o)))
    .sort((a, b) => a.location.file.localeCompare(b.location.file) || compareRanges(a.location.range, b.location.range));
}

/** Why the values of a file are not renamed there: it is a template, rendered before it is applied. */
export function templateRefusal(file: WorkspaceFile): string | undefined {
  return file.yaml.template ? 'This file is a template: its values are filled in when it is rendered, so Istio Mesh does not rewrite them.' : undefined;
}

/** Why a value cannot be renamed where it is written, if it cannot. */
export function renameRefusal(file: WorkspaceFile, identity: Occurrence | undefined): string | undefined {
  if (!identity)
    return "Rename works on a cluster name, a network or a meshID (where it is written in an install config, a label, an injection path or a remote secret), and on a Gateway's name.";
  if (isPlaceholder(identity.value)) return `${identity.value} is a placeholder, filled in when the file is applied: rename the value it is given instead.`;
  return templateRefusal(file);
}

/** A new name for a cluster, network or mesh: a DNS label, as Istio's identities are written. */
export function invalidNewName(name: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/i.test(name)
    ? undefined
    : `${name} is not a valid name (letters, digits, "-", "." and "_", starting and ending with a letter or digit)`;
}
