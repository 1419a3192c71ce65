import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import type { WorkspaceFile } from '../engine/workspace';
import { clustersOfResource, installOf, type MeshModel, presentResources } from '../mesh/model';
import { routingIndexOf } from '../mesh/routingIndex';
import { resolveIssuer } from '../mesh/trust';
import { pathAtOffset } from '../parse/pathAt';
import type { Position, SourceLocation } from '../parse/text';
import type { ValuePath } from '../parse/yamlFile';
import { CERTIFICATE_KIND, certificateIssuerRef, type IssuerRef, ISTIO_CSR_CHART, istioCsrFacts, readTrustChart } from '../resources/certManager';
import { selectorMatches } from '../resources/gateway';
import { declaredClusterName } from '../resources/installConfig';
import { isRecord, type Resource, valueAt } from '../resources/resource';
import { identityAt } from './identities';
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

function clustersOf(meshes: readonly MeshModel[], resource: Resource): readonly string[] {
  const mesh = meshOfResource(meshes, resource);
  return mesh ? clustersOfResource(mesh, resource) : [];
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
      const clusters = clustersOfResource(mesh, resource);
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

/** Whether `location` (in `file`) holds the position. */
function holds(location: SourceLocation, file: string, position: Position): boolean {
  const { start, end } = location.range;
  return (
    location.file === file &&
    (position.line > start.line || (position.line === start.line && position.character >= start.character)) &&
    (position.line < end.line || (position.line === end.line && position.character <= end.character))
  );
}

const unique = (locations: SourceLocation[]) => {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.file}|${l.range.start.line}:${l.range.start.character}`;
    return !seen.has(key) && seen.add(key);
  });
};

/** Where a cluster is installed: the clusterName (or injection path) of its control plane installs, else its installs. */
function clusterInstalls(mesh: MeshModel, name: string): SourceLocation[] {
  const cluster = mesh.clusters.get(name);
  if (!cluster) return [];
  const installs = cluster.controlPlanes.length ? cluster.controlPlanes : cluster.installs;
  return installs.map((install) => declaredClusterName(install)?.location() ?? nameLocation(install.resource));
}

/** The cert-manager issuer reference a resource makes: a Certificate's `issuerRef`, istio-csr's `app.certmanager.issuer`. */
function issuerRefOf(resource: Resource, mesh: MeshModel): IssuerRef | undefined {
  if (resource.kind === CERTIFICATE_KIND) return certificateIssuerRef(resource);
  const chart = readTrustChart(resource, mesh.resources);
  return chart?.chart === ISTIO_CSR_CHART ? istioCsrFacts(chart).issuer : undefined;
}

/** The clusters a resource belongs to, each with what is present there; the whole mesh for an unassigned one. */
function presentLists(mesh: MeshModel, clusters: readonly string[]): (readonly Resource[])[] {
  const lists = clusters.flatMap((name) => {
    const cluster = mesh.clusters.get(name);
    return cluster ? [presentResources(mesh, cluster)] : [];
  });
  return lists.length ? lists : [mesh.resources];
}

/**
 * Definitions that follow the mesh model rather than one path: a remote secret's cluster → that cluster's install;
 * an issuerRef → the Issuer/ClusterIssuer of the resource's clusters; `global.caAddress` → istio-csr's Service and
 * its install; a Gateway's selector → the gateway deployments (install entries, chart values) it selects.
 */
function modelDefinitions(file: WorkspaceFile, offset: number, resource: Resource, mesh: MeshModel, at: { path: ValuePath }): SourceLocation[] {
  const position = file.yaml.lines.positionAt(offset);
  const clusters = clustersOfResource(mesh, resource);
  if (mesh.remoteSecrets.some((secret) => secret.resource === resource)) {
    const identity = identityAt(file, offset, mesh);
    return identity?.kind === 'cluster' ? clusterInstalls(mesh, identity.value) : [];
  }
  const ref = issuerRefOf(resource, mesh);
  if (ref && [ref.name, ref.kindAt].some((written) => written && holds(written.location(), file.path, position))) {
    const issuers = presentLists(mesh, clusters).flatMap((resources) => resolveIssuer(ref, resources) ?? []);
    return unique(issuers.map(nameLocation));
  }
  const caAddress = installOf(mesh, resource)?.caAddress;
  if (caAddress && !caAddress.isPlaceholder && holds(caAddress.location(), file.path, position)) {
    const host = caAddress.value.replace(/:\d+$/, '');
    const inClusters = (name: string) => mesh.clusters.get(name);
    const istioCsr = clusters.flatMap((name) => inClusters(name)?.trustProviders.filter((p) => p.kind === 'istio-csr') ?? []);
    const services = presentLists(mesh, clusters).flatMap((resources) =>
      hostTargets(mesh, host, resource.namespace ?? 'default', (r) => resources.includes(r)).filter((r) => r.kind === 'Service'),
    );
    return unique([...services.map(nameLocation), ...istioCsr.map((p) => (p.chart?.anchor ?? p.anchor).location())]);
  }
  if (resource.kind === 'Gateway' && startsWith(at.path, ['spec', 'selector']) && at.path.length > 2) {
    const selector = resource.labels(['spec', 'selector']);
    if (Object.keys(selector).length === 0) return [];
    const deployments = routingIndexOf(mesh)
      .scopes.filter((scope) => scope.subjects.includes(resource))
      .flatMap((scope) => scope.gatewayDeployments.filter((d) => selectorMatches(selector, d.labels)));
    return unique(deployments.flatMap((d) => (d.declaration ? [d.declaration.location()] : [])));
  }
  return [];
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
  if (!doc || !at) return [];
  const resource = file.resources.find((r) => r.doc === doc);
  const mesh = resource && meshOfResource(meshes, resource);
  // A remote secret's data key and a selector's label key name what they refer to, so keys are looked at here.
  const followed = resource && mesh ? modelDefinitions(file, offset, resource, mesh, at) : [];
  if (followed.length || at.onKey) return followed;
  // A kustomization is read by its file name (compose/), not as a resource of the mesh.
  if (KUSTOMIZATION_FILES.has(basename(file.path)) && KUSTOMIZE_PATHS.some((prefix) => startsWith(at.path, prefix))) {
    const target = valueAt(doc.value, at.path);
    return typeof target === 'string' ? fileOrFolder(dirname(file.path), target, files, 'kustomization.yaml') : [];
  }
  if (!resource) return [];
  const value = resource.get(at.path);
  if (typeof value !== 'string') return [];
  const clusters = mesh ? clustersOfResource(mesh, resource) : [];
  const inScope = (other: Resource) => {
    const theirs = mesh ? clustersOfResource(mesh, other) : [];
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
