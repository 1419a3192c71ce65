import type { WorkspaceFile } from '../engine/workspace';
import { clustersOfResource, type MeshModel } from '../mesh/model';
import { compareRanges, type SourceLocation } from '../parse/text';
import { objectNamespace } from '../resources/fields';
import { parseGatewayReference } from '../resources/hosts';
import { isPlaceholder, type Located, type Resource } from '../resources/resource';
import { readVirtualService } from '../resources/virtualService';
import { writtenPartLocation } from './identities';
import { meshOfResource } from './meshCompletion';

/**
 * The name of an Istio Gateway, where it is defined (`metadata.name`) and everywhere a VirtualService binds to it
 * (`spec.gateways` and the `gateways` of its route matches, as `name`, `namespace/name` or
 * `name.namespace.svc.cluster.local`). Find references lists them; rename changes the name part of each, so a
 * `namespace/` or `.namespace.svc...` stays as written.
 */

export interface GatewayName {
  name: string;
  namespace: string;
  /** Where the name is written under the cursor (only the name part of a `namespace/name` reference). */
  location: SourceLocation;
  /** The Gateway or VirtualService the cursor is in. */
  resource: Resource;
}

/** Where the name part of a VirtualService's gateway reference is written, if it names `namespace/name`. */
function referenceNameLocation(reference: Located<string>, referrer: Resource, name: string, namespace: string): SourceLocation | undefined {
  if (reference.value === 'mesh' || reference.isPlaceholder) return undefined;
  const target = parseGatewayReference(reference.value, objectNamespace(referrer));
  if (target.name !== name || target.namespace !== namespace) return undefined;
  const slash = reference.value.indexOf('/');
  return writtenPartLocation(reference.doc, reference.path, name, slash + 1);
}

function metadataNameLocation(gateway: Resource): SourceLocation | undefined {
  return gateway.name ? writtenPartLocation(gateway.doc, ['metadata', 'name'], gateway.name, 0) : undefined;
}

const holds = (location: SourceLocation, file: string, line: number, character: number) =>
  location.file === file &&
  compareRanges({ start: location.range.start, end: location.range.start }, { start: { line, character }, end: { line, character } }) <= 0 &&
  compareRanges({ start: { line, character }, end: { line, character } }, { start: location.range.end, end: location.range.end }) <= 0;

/** The Gateway name written at a position: a Gateway's `metadata.name`, or a VirtualService's reference to one. */
export function gatewayNameAt(file: WorkspaceFile, offset: number, meshes: readonly MeshModel[]): GatewayName | undefined {
  const { line, character } = file.yaml.lines.positionAt(offset);
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const resource = doc && file.resources.find((r) => r.doc === doc);
  if (!resource || !meshOfResource(meshes, resource)) return undefined;
  if (resource.kind === 'Gateway' && resource.name && !isPlaceholder(resource.name)) {
    const location = metadataNameLocation(resource);
    return location && holds(location, file.path, line, character)
      ? { name: resource.name, namespace: objectNamespace(resource), location, resource }
      : undefined;
  }
  if (resource.kind !== 'VirtualService') return undefined;
  for (const reference of readVirtualService(resource).gatewayReferences) {
    if (reference.value === 'mesh' || reference.isPlaceholder) continue;
    const target = parseGatewayReference(reference.value, objectNamespace(resource));
    const location = referenceNameLocation(reference, resource, target.name, target.namespace);
    if (location && holds(location, file.path, line, character)) return { ...target, location, resource };
  }
  return undefined;
}

/**
 * Every place that writes the Gateway's name: the Gateways of that name and namespace, and the VirtualServices
 * that bind to them, as far as they can see each other (share a cluster, or one of them belongs to none), starting
 * from the resource under the cursor. Two clusters' Gateways of one name that nothing links stay apart: renaming
 * one leaves the other's bindings alone.
 */
export function gatewayNameOccurrences(mesh: MeshModel, at: GatewayName): SourceLocation[] {
  const clustersOf = (r: Resource) => clustersOfResource(mesh, r);
  const see = (a: Resource, b: Resource) => {
    const [ours, theirs] = [clustersOf(a), clustersOf(b)];
    return ours.length === 0 || theirs.length === 0 || theirs.some((c) => ours.includes(c));
  };
  const written = new Map<Resource, SourceLocation[]>();
  for (const resource of mesh.resources) {
    if (resource.kind === 'Gateway' && resource.name === at.name && objectNamespace(resource) === at.namespace) {
      const location = metadataNameLocation(resource);
      if (location) written.set(resource, [location]);
    } else if (resource.kind === 'VirtualService') {
      const locations = readVirtualService(resource).gatewayReferences.flatMap((ref) => referenceNameLocation(ref, resource, at.name, at.namespace) ?? []);
      if (locations.length) written.set(resource, locations);
    }
  }
  // Resources linked to the one under the cursor: a Gateway to the VirtualServices that see it, and back.
  const linked = new Set<Resource>([at.resource]);
  const queue = [at.resource];
  while (queue.length) {
    const current = queue.shift()!;
    for (const other of written.keys()) {
      if (linked.has(other) || other.kind === current.kind || !see(current, other)) continue;
      linked.add(other);
      queue.push(other);
    }
  }
  const seen = new Set<string>();
  return [...linked]
    .flatMap((r) => written.get(r) ?? [])
    .filter((l) => {
      const key = `${l.file}|${l.range.start.line}:${l.range.start.character}`;
      return !seen.has(key) && seen.add(key);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || compareRanges(a.range, b.range));
}

/**
 * A new Gateway name: a DNS label. Kubernetes would take dots too, but a VirtualService reads `a.b` as Gateway `a`
 * in namespace `b`, so a dotted name could not be referred to the short way.
 */
export function invalidGatewayName(name: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)
    ? undefined
    : `${name} is not a valid Gateway name (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63)`;
}
