import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import type { WorkspaceFile } from '../engine/workspace';
import type { MeshModel } from '../mesh/model';
import { pathAtOffset } from '../parse/pathAt';
import type { SourceLocation } from '../parse/text';
import type { ValuePath } from '../parse/yamlFile';
import { isRecord, type Resource, valueAt } from '../resources/resource';
import { meshOfResource } from './meshCompletion';

/**
 * Navigation on the mesh model: the outline of a file, the mesh's symbols, and go to definition from a
 * reference to what it names — in the clusters the referring resource belongs to, since two clusters may each hold
 * a Gateway of the same name. Pure: the LSP layer converts the results.
 */

/** What the outline and workspace symbols show; `kind` is mapped to an LSP SymbolKind by the LSP layer. */
export interface MeshSymbol {
  name: string;
  detail?: string;
  kind: 'cluster' | 'gateway' | 'control-plane' | 'remote-secret' | 'namespace' | 'service' | 'route' | 'secret' | 'object';
  location: SourceLocation;
  /** Where the name is written (`metadata.name`), for the outline's selection. */
  selection: SourceLocation;
}

const SYMBOL_KINDS: Record<string, MeshSymbol['kind']> = {
  Gateway: 'gateway',
  IstioOperator: 'control-plane',
  Istio: 'control-plane',
  HelmRelease: 'control-plane',
  Application: 'control-plane',
  Namespace: 'namespace',
  Service: 'service',
  ServiceEntry: 'service',
  VirtualService: 'route',
  DestinationRule: 'route',
  Secret: 'secret',
};

function clustersOf(meshes: readonly MeshModel[], resource: Resource): string[] {
  return meshOfResource(meshes, resource)?.assignments.get(resource)?.clusters ?? [];
}

function nameLocation(resource: Resource): SourceLocation {
  return resource.get(['metadata', 'name']) !== undefined ? resource.location(['metadata', 'name']) : resource.location();
}

/** One symbol per document of the file: its kind and name, and the cluster(s) it belongs to. */
export function documentSymbols(file: WorkspaceFile, meshes: readonly MeshModel[]): MeshSymbol[] {
  return file.resources.map((resource) => {
    const clusters = clustersOf(meshes, resource);
    return {
      name: resource.displayName,
      ...(clusters.length ? { detail: clusters.join(', ') } : {}),
      kind: SYMBOL_KINDS[resource.kind] ?? 'object',
      location: { file: resource.file, range: resource.doc.contentRange },
      selection: nameLocation(resource),
    };
  });
}

/** The mesh's clusters, gateways, control planes and remote secrets whose name holds `query` (case-insensitive). */
export function workspaceSymbols(meshes: readonly MeshModel[], query: string): MeshSymbol[] {
  const needle = query.toLowerCase();
  const symbols: MeshSymbol[] = [];
  const add = (symbol: MeshSymbol) => {
    if (!needle || symbol.name.toLowerCase().includes(needle)) symbols.push(symbol);
  };
  for (const mesh of meshes) {
    for (const cluster of mesh.clusters.values()) {
      const install = cluster.controlPlanes[0] ?? cluster.installs[0];
      const where = install?.clusterName ?? install?.resource.locatedString(['metadata', 'name']);
      if (install) {
        const location = where ? where.location() : install.resource.location();
        add({
          name: cluster.name,
          detail: `cluster (${cluster.role}${cluster.network ? `, network ${cluster.network}` : ''})`,
          kind: 'cluster',
          location,
          selection: location,
        });
      }
      for (const controlPlane of cluster.controlPlanes) {
        const location = nameLocation(controlPlane.resource);
        add({ name: controlPlane.resource.displayName, detail: `control plane of ${cluster.name}`, kind: 'control-plane', location, selection: location });
      }
    }
    for (const resource of mesh.resources) {
      if (resource.kind !== 'Gateway' || !resource.name) continue;
      const location = nameLocation(resource);
      const clusters = mesh.assignments.get(resource)?.clusters ?? [];
      add({
        name: resource.displayName,
        detail: clusters.length ? `Gateway in ${clusters.join(', ')}` : 'Gateway',
        kind: 'gateway',
        location,
        selection: location,
      });
    }
    for (const secret of mesh.remoteSecrets) {
      const location = nameLocation(secret.resource);
      add({
        name: secret.resource.displayName,
        detail: `remote secret held by ${secret.holders.join(', ') || '(no cluster)'}`,
        kind: 'remote-secret',
        location,
        selection: location,
      });
    }
  }
  return symbols;
}

/** `name`, `namespace/name` or `name.namespace.svc.cluster.local`, as VirtualService.gateways may write a Gateway. */
export function gatewayReference(reference: string, defaultNamespace: string): { name: string; namespace: string } | undefined {
  if (reference === 'mesh' || !reference) return undefined;
  const slash = reference.indexOf('/');
  if (slash > 0) return { namespace: reference.slice(0, slash), name: reference.slice(slash + 1) };
  const fqdn = /^([^.]+)\.([^.]+)\.svc(\.cluster\.local)?$/.exec(reference);
  if (fqdn) return { name: fqdn[1], namespace: fqdn[2] };
  return { name: reference, namespace: defaultNamespace };
}

/** A destination host: `name`, `name.namespace`, `name.namespace.svc[.cluster.local]`, or a ServiceEntry host. */
function hostTargets(mesh: MeshModel, host: string, fromNamespace: string, inScope: (r: Resource) => boolean): Resource[] {
  const parts = host.split('.');
  const serviceName = parts[0];
  const serviceNamespace = parts.length > 1 && parts[1] !== 'svc' ? parts[1] : fromNamespace;
  return mesh.resources.filter((r) => {
    if (!inScope(r)) return false;
    if (r.kind === 'Service') return parts.length <= 5 && r.name === serviceName && (r.namespace ?? 'default') === serviceNamespace;
    if (r.kind === 'ServiceEntry') {
      const hosts = r.get(['spec', 'hosts']);
      return Array.isArray(hosts) && hosts.includes(host);
    }
    return false;
  });
}

const KUSTOMIZATION_FILES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
/** The fields of a kustomization that name files or folders. */
const KUSTOMIZE_PATHS: (string | number | '*')[][] = [
  ['resources', '*'],
  ['components', '*'],
  ['patches', '*', 'path'],
  ['patchesStrategicMerge', '*'],
];

function startsWith(path: ValuePath, prefix: readonly (string | number | '*')[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === '*' || part === path[i]);
}

/** What go to definition finds for the value at `offset` of the file: other resources, or files. */
export function definitionAt(
  file: WorkspaceFile,
  offset: number,
  meshes: readonly MeshModel[],
  files: (path: string) => WorkspaceFile | undefined,
): SourceLocation[] {
  const doc = file.yaml.documents.find((d) => d.startOffset <= offset && offset <= d.endOffset);
  const at = doc && pathAtOffset(doc, offset - doc.startOffset);
  if (!doc || !at || at.onKey) return [];
  // A kustomization is read by its file name (compose/), not as a resource of the mesh.
  if (KUSTOMIZATION_FILES.has(basename(file.path)) && KUSTOMIZE_PATHS.some((prefix) => startsWith(at.path, prefix))) {
    const target = valueAt(doc.value, at.path);
    return typeof target === 'string' ? fileOrFolder(dirname(file.path), target, files, 'kustomization.yaml') : [];
  }
  const resource = file.resources.find((r) => r.doc === doc);
  if (!resource) return [];
  const value = resource.get(at.path);
  if (typeof value !== 'string') return [];
  const mesh = meshOfResource(meshes, resource);
  const clusters = mesh?.assignments.get(resource)?.clusters ?? [];
  const inScope = (other: Resource) => {
    const theirs = mesh?.assignments.get(other)?.clusters ?? [];
    return clusters.length === 0 || theirs.length === 0 || theirs.some((c) => clusters.includes(c));
  };
  const namespace = resource.namespace ?? 'default';

  if (resource.kind === 'VirtualService' && mesh && startsWith(at.path, ['spec', 'gateways', '*']) && at.path.length === 3) {
    const target = gatewayReference(value, namespace);
    return target
      ? mesh.resources
          .filter((r) => r.kind === 'Gateway' && r.name === target.name && (r.namespace ?? 'default') === target.namespace && inScope(r))
          .map(nameLocation)
      : [];
  }
  if ((resource.kind === 'VirtualService' || resource.kind === 'DestinationRule') && mesh && at.path[at.path.length - 1] === 'host') {
    return hostTargets(mesh, value, namespace, inScope).map(nameLocation);
  }
  if (resource.kind === 'HelmRelease' && mesh && startsWith(at.path, ['spec', 'valuesFrom', '*', 'name'])) {
    const entry = resource.get(at.path.slice(0, 3));
    const kind = isRecord(entry) && typeof entry.kind === 'string' ? entry.kind : 'ConfigMap';
    const releaseNamespace = resource.namespace ?? 'default';
    return mesh.resources.filter((r) => r.kind === kind && r.name === value && (r.namespace ?? 'default') === releaseNamespace).map(nameLocation);
  }
  if (
    resource.kind === 'Application' &&
    (startsWith(at.path, ['spec', 'source', 'helm', 'valueFiles', '*']) || startsWith(at.path, ['spec', 'sources', '*', 'helm', 'valueFiles', '*']))
  ) {
    return fileOrFolder(dirname(file.path), value, files);
  }
  return [];
}

/** A path a kustomization or an Application names: the file, or a folder's kustomization file. */
function fileOrFolder(base: string, target: string, files: (path: string) => WorkspaceFile | undefined, folderFile?: string): SourceLocation[] {
  if (/^[a-z]+:\/\//.test(target)) return [];
  const path = isAbsolute(target) ? target : resolve(base, target);
  const candidates = [path, ...(folderFile ? [join(path, folderFile), join(path, folderFile.replace('.yaml', '.yml')), join(path, 'Kustomization')] : [])];
  const found = candidates.map((candidate) => files(candidate)).find((f) => f !== undefined);
  return found ? [{ file: found.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
}
