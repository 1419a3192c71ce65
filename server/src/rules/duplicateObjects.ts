import { dirname, relative } from 'node:path';

import { compositionUnitOf } from '../compose/composedDocument';
import { locationKey, type SourceLocation } from '../parse/text';
import type { ValuePath } from '../parse/yamlFile';
import { objectIdentity, qualifiedName } from '../resources/fields';
import { HELM_VALUES_KIND } from '../resources/installSources';
import { isPlaceholder, isRecord, type Resource } from '../resources/resource';
import type { Finding } from './finding';
import type { MeshRule } from './rule';

/** What istioctl renders rather than applies: two of them with one name are two installs, not one object twice. */
const NOT_APPLIED_AS_OBJECTS = new Set(['IstioOperator', HELM_VALUES_KIND]);

/** How many differing paths a message names; more are summed up. */
const DIFFERENCES_NAMED = 3;

function formatPath(path: ValuePath): string {
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

/** The paths at which two values differ, shallowest first: a list of another length differs as a whole. */
function differingPaths(a: unknown, b: unknown, path: ValuePath = [], found: ValuePath[] = []): ValuePath[] {
  if (found.length > DIFFERENCES_NAMED) return found;
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differingPaths(a[key], b[key], path.concat(key), found);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => differingPaths(item, b[i], path.concat(i), found));
  } else if (a !== b && !(Array.isArray(a) && Array.isArray(b) && a.length === 0 && b.length === 0)) {
    found.push(path);
  }
  return found;
}

function describeDifferences(definitions: readonly Resource[]): string {
  const paths = new Map<string, ValuePath>();
  for (const other of definitions.slice(1)) for (const path of differingPaths(definitions[0].object, other.object)) paths.set(formatPath(path), path);
  const named = [...paths.keys()];
  if (named.length <= DIFFERENCES_NAMED) return named.join(', ');
  return `${named.slice(0, DIFFERENCES_NAMED).join(', ')} and more`;
}

/** The identity a resource is compared under, when it has a literal one and is applied as an object. */
function comparableIdentity(resource: Resource): string | undefined {
  if (NOT_APPLIED_AS_OBJECTS.has(resource.kind)) return undefined;
  const identity = objectIdentity(resource);
  return identity && !isPlaceholder(identity) ? identity : undefined;
}

/** The folder whose files are applied together: a composed object's overlay, else its file's folder. */
function appliedFolderOf(resource: Resource): string {
  return compositionUnitOf(resource)?.folder ?? dirname(resource.file);
}

interface Definition {
  resource: Resource;
  location: SourceLocation;
}

/**
 * MESH002: two documents that are one object (API group, kind, namespace, name) in one folder applied to a
 * cluster (or one overlay). The one applied last replaces the other, so what the cluster runs depends on the
 * order files are applied in. A document composed into several objects (an overlay's base, an ApplicationSet's
 * template) is one definition.
 */
export const duplicateObjects: MeshRule = {
  scope: 'mesh',
  code: 'MESH002',
  title: 'An object is defined twice in one cluster',
  severity: 'warning',
  // A cluster's list of resources is the same object while nothing in the cluster changed.
  reads: (mesh) => [mesh.root, ...[...mesh.clusters.values()].map((cluster) => cluster.resources)],
  check(mesh) {
    const groups = new Map<string, { definitions: Definition[]; clusters: string[] }>();
    for (const cluster of mesh.clusters.values()) {
      const byIdentity = new Map<string, Resource[]>();
      for (const resource of cluster.resources) {
        const identity = comparableIdentity(resource);
        if (!identity) continue;
        // Per folder applied as one (`kubectl apply -f folder/`, an overlay): definitions in other folders are
        // as often alternatives never applied together (a version's generated manifests, an archive/ tree).
        const key = `${appliedFolderOf(resource)}\u0000${identity}`;
        const same = byIdentity.get(key);
        if (same) same.push(resource);
        else byIdentity.set(key, [resource]);
      }
      for (const resources of byIdentity.values()) {
        if (resources.length < 2) continue;
        // Located only here, where there is something to report: a location builds the document's CST.
        const definitions = new Map<string, Definition>();
        for (const resource of resources) {
          const location = resource.location(['metadata', 'name']);
          definitions.set(locationKey(location), { resource, location });
        }
        if (definitions.size < 2) continue;
        const key = [...definitions.keys()].sort().join('|');
        const group = groups.get(key) ?? { definitions: [...definitions.values()], clusters: [] };
        group.clusters.push(cluster.name);
        groups.set(key, group);
      }
    }
    const findings: Finding[] = [];
    for (const { definitions, clusters } of groups.values()) {
      // In the order `kubectl apply -f` of a folder applies them: file paths byte by byte, then documents.
      const ordered = [...definitions].sort((a, b) =>
        a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : a.location.range.start.line - b.location.range.start.line,
      );
      const places = ordered.map((d) => `${relative(mesh.root, d.location.file) || d.location.file}:${d.location.range.start.line + 1}`);
      const resources = ordered.map((d) => d.resource);
      const differences = describeDifferences(resources);
      const first = resources[0];
      const times = ordered.length === 2 ? 'twice' : `${ordered.length} times`;
      const where = `in cluster ${clusters.sort().join(', ')}`;
      const placesText = `${places.slice(0, -1).join(', ')} and ${places[places.length - 1]}`;
      const last = ordered[ordered.length - 1];
      findings.push({
        code: 'MESH002',
        severity: differences ? 'warning' : 'information',
        message: differences
          ? `${first.kind} ${qualifiedName(first)} is defined ${times} ${where}: ${placesText}; the one applied last wins (they differ in ${differences})`
          : `${first.kind} ${qualifiedName(first)} is defined ${times} ${where}, identically: ${placesText}; keep one, or an edit to one is undone by the other`,
        location: last.location,
        cluster: clusters.join(','),
        related: ordered.slice(0, -1).map((d) => ({ location: d.location, message: `${first.kind} ${qualifiedName(first)} defined here too` })),
      });
    }
    return findings;
  },
};
