import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import type { Range, SourceLocation } from '../parse/text';
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
  return parts;
}

/** Whether a document is a remote secret (`istio/multiCluster` label): its data keys are cluster names. */
function isRemoteSecret(doc: YamlDocument): boolean {
  const value = doc.value;
  if (!isRecord(value) || value.kind !== 'Secret' || !isRecord(value.metadata)) return false;
  const labels = value.metadata.labels;
  return isRecord(labels) && (labels['istio/multiCluster'] === 'true' || labels['istio/multiCluster'] === true);
}

/** The range of a part of a scalar: found in the written text, so quotes and escapes do not shift it. */
function partRange(doc: YamlDocument, path: ValuePath, part: Part): Range | undefined {
  const whole = doc.rangeOf(path);
  const lines = doc.file.lines;
  const start = lines.offsetAt(whole.start);
  const written = doc.file.text.slice(start, lines.offsetAt(whole.end));
  if (part.start === 0 && (written === part.value || written === `"${part.value}"` || written === `'${part.value}'`)) {
    const quoted = written !== part.value ? 1 : 0;
    return lines.rangeOf(start + quoted, start + quoted + part.value.length);
  }
  const at = written.indexOf(part.value, Math.max(0, part.start - 1));
  return at < 0 ? undefined : lines.rangeOf(start + at, start + at + part.value.length);
}

/** Every identity written in a document: scalars by their key, remote secret data keys, and so on. */
function documentOccurrences(doc: YamlDocument): Occurrence[] {
  const found: Occurrence[] = [];
  const file = doc.file.file;
  const visit = (node: unknown, path: (string | number)[]) => {
    if (typeof node === 'string') {
      for (const part of partsOf(doc, path, node, path[path.length - 1])) {
        const range = partRange(doc, path, part);
        if (range) found.push({ kind: part.kind, value: part.value, location: { file, range } });
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
      for (const key of Object.keys(data))
        if (!isPlaceholder(key)) found.push({ kind: 'cluster', value: key, location: { file, range: doc.rangeOf([field, key], 'key') } });
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

/** The identity written at a position of a file, if one is. */
export function identityAt(file: WorkspaceFile, offset: number): Occurrence | undefined {
  const position = file.yaml.lines.positionAt(offset);
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const inDocument = doc ? documentOccurrences(doc) : [];
  return [...inDocument, ...directiveOccurrences(file)].find((o) => contains(o.location.range, position.line, position.character));
}

/** The mesh a file's resources belong to. */
export function meshOfFile(meshes: readonly MeshModel[], file: WorkspaceFile): MeshModel | undefined {
  for (const resource of file.resources) {
    const mesh = meshOfResource(meshes, resource);
    if (mesh) return mesh;
  }
  return undefined;
}

/** Every place of the mesh's files that writes this identity. */
export function identityOccurrences(mesh: MeshModel, identity: IdentityValue, files: (path: string) => WorkspaceFile | undefined): Occurrence[] {
  const paths = [...new Set(mesh.resources.map((r) => r.file))].sort();
  const occurrences: Occurrence[] = [];
  for (const path of paths) {
    const file = files(path);
    if (!file) continue;
    const all = [...file.yaml.documents.flatMap(documentOccurrences), ...directiveOccurrences(file)];
    occurrences.push(...all.filter((o) => o.kind === identity.kind && o.value === identity.value));
  }
  return occurrences;
}

/** Why a value cannot be renamed where it is written, if it cannot. */
export function renameRefusal(file: WorkspaceFile, identity: Occurrence | undefined): string | undefined {
  if (!identity)
    return 'Rename works on a cluster name, a network or a meshID (where it is written in an install config, a label, an injection path or a remote secret).';
  if (isPlaceholder(identity.value)) return `${identity.value} is a placeholder, filled in when the file is applied: rename the value it is given instead.`;
  if (file.yaml.template) return 'This file is a template: its values are filled in when it is rendered, so Istio Mesh does not rewrite them.';
  return undefined;
}

/** A new name for a cluster, network or mesh: a DNS label, as Istio's identities are written. */
export function invalidNewName(name: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/i.test(name)
    ? undefined
    : `${name} is not a valid name (letters, digits, "-", "." and "_", starting and ending with a letter or digit)`;
}
