import { resourcesOfKind } from '../../mesh/selection';
import type { SourceLocation } from '../../parse/text';
import type { ValuePath } from '../../parse/yamlFile';
import { qualifiedName } from '../../resources/fields';
import type { Resource } from '../../resources/resource';
import { readService, type ServicePort, type ServiceView } from '../../resources/service';
import type { Finding } from '../finding';
import type { MeshRule } from '../rule';

interface Difference {
  location: SourceLocation;
  text: string;
}

function describeMode(service: ServiceView): string {
  return service.headless ? 'headless' : 'with a cluster IP';
}

function portKey(port: ServicePort): string {
  return port.port ? String(port.port.value) : `#${port.path.join('.')}`;
}

/** Where `path` is written in the resource, else (the field is defaulted) `fallback` (the Service's name). */
function fieldOr(resource: Resource, path: ValuePath, fallback: ValuePath = ['metadata', 'name']): SourceLocation {
  return resource.location(resource.doc.locate(path).exact ? path : fallback);
}

/** How `service` differs from `reference`, each difference located in `service`. */
function differences(reference: ServiceView, service: ServiceView, memo: ServiceMemo): Difference[] {
  // Most copies of a Service are identical: two of one shape differ in nothing compared below (a shape is computed
  // once per view), so the two maps of ports are not built.
  if (referenceShape(reference, memo) === referenceShape(service, memo)) return [];
  const resource = service.resource;
  const found: Difference[] = [];
  if (reference.type !== service.type) found.push({ location: fieldOr(resource, ['spec', 'type']), text: `type ${service.type} (there: ${reference.type})` });
  if (reference.headless !== service.headless) {
    found.push({ location: fieldOr(resource, ['spec', 'clusterIP']), text: `${describeMode(service)} (there: ${describeMode(reference)})` });
  }
  const referencePorts = new Map(reference.ports.map((p) => [portKey(p), p]));
  const ports = new Map(service.ports.map((p) => [portKey(p), p]));
  for (const [key, port] of ports) {
    const other = referencePorts.get(key);
    // Resolving a location builds the document's CST: only done for a difference that is reported.
    if (!other) found.push({ location: resource.location(port.path), text: `port ${key} (not there)` });
    else {
      if (other.name !== port.name)
        found.push({ location: fieldOr(resource, [...port.path, 'name'], port.path), text: `port ${key} named "${port.name}" (there: "${other.name}")` });
      if (other.protocol !== port.protocol)
        found.push({
          location: fieldOr(resource, [...port.path, 'protocol'], port.path),
          text: `port ${key} protocol ${port.protocol} (there: ${other.protocol})`,
        });
    }
  }
  for (const key of referencePorts.keys())
    if (!ports.has(key)) found.push({ location: resource.location(['spec', 'ports'], 'key'), text: `no port ${key} (there: present)` });
  return found;
}

/**
 * What MESH701 keeps in the Analyzer's cache store: each mesh's merge (by root), and views and comparisons per
 * Resource, which is rebuilt whenever its file changes.
 */
interface ServiceMemo {
  merges: Map<string, Merged>;
  serviceViews: WeakMap<Resource, ServiceView>;
  clusterServices: WeakMap<readonly Resource[], Map<string, ServiceView>>;
  comparisons: WeakMap<ServiceView, { shape: string; found: Difference[] }>;
  shapes: WeakMap<ServiceView, string>;
}

function newServiceMemo(): ServiceMemo {
  return { merges: new Map(), serviceViews: new WeakMap(), clusterServices: new WeakMap(), comparisons: new WeakMap(), shapes: new WeakMap() };
}

function serviceView(resource: Resource, memo: ServiceMemo): ServiceView {
  let view = memo.serviceViews.get(resource);
  if (!view) {
    view = readService(resource);
    memo.serviceViews.set(resource, view);
  }
  return view;
}

/**
 * All that `differences` reads of its reference copy (it locates in the other copy only). An edit of the
 * reference cluster's file makes new views of the same Services: comparing by shape keeps the comparisons of
 * every other cluster's copies.
 */
function referenceShape(reference: ServiceView, memo: ServiceMemo): string {
  let shape = memo.shapes.get(reference);
  if (shape === undefined) {
    shape = JSON.stringify([reference.type, reference.headless, reference.ports.map((p) => [portKey(p), p.name, p.protocol])]);
    memo.shapes.set(reference, shape);
  }
  return shape;
}

/** The first copy of each Service (by `namespace/name`) among a cluster's resources, kept per resource list. */
function firstServiceCopies(resources: readonly Resource[], memo: ServiceMemo): Map<string, ServiceView> {
  let services = memo.clusterServices.get(resources);
  if (!services) {
    services = new Map();
    for (const resource of resourcesOfKind(resources, 'Service')) {
      if (!resource.name) continue;
      const key = qualifiedName(resource);
      if (!services.has(key)) services.set(key, serviceView(resource, memo));
    }
    memo.clusterServices.set(resources, services);
  }
  return services;
}

/** `differences`, reused while neither copy changed: most copies are compared to the same reference on every run. */
function cachedDifferences(reference: ServiceView, service: ServiceView, memo: ServiceMemo): Difference[] {
  const shape = referenceShape(reference, memo);
  const cached = memo.comparisons.get(service);
  if (cached?.shape === shape) return cached.found;
  const found = differences(reference, service, memo);
  memo.comparisons.set(service, { shape, found });
  return found;
}

interface ClusterServices {
  name: string;
  resources: readonly Resource[];
}

type Copies = { cluster: string; service: ServiceView }[];

/** Every copy of one Service, the first cluster's (in name order) first. */
function copiesOf(key: string, clusters: readonly ClusterServices[], memo: ServiceMemo): Copies {
  const copies: Copies = [];
  for (const cluster of clusters) {
    const service = firstServiceCopies(cluster.resources, memo).get(key);
    if (service) copies.push({ cluster: cluster.name, service });
  }
  return copies;
}

function findingsOf(name: string, copies: Copies, memo: ServiceMemo): Finding[] {
  const findings: Finding[] = [];
  const [reference, ...others] = copies;
  for (const { cluster, service } of others) {
    if (service.resource === reference.service.resource) continue;
    const found = cachedDifferences(reference.service, service, memo);
    if (!found.length) continue;
    findings.push({
      code: 'MESH701',
      severity: 'warning',
      message: `Service ${name} in cluster ${cluster} differs from its copy in cluster ${reference.cluster}: ${found.map((d) => d.text).join('; ')}`,
      location: found[0].location,
      cluster,
      related: [{ location: reference.service.resource.location(['metadata', 'name']), message: `Service ${name} in cluster ${reference.cluster}` }],
    });
  }
  return findings;
}

/** What one mesh's check found, per Service, with the clusters' resource lists it was computed from. */
interface Merged {
  clusters: ClusterServices[];
  /** In the order the Services first appear across the clusters (in name order): the order of the findings. */
  findingsByName: Map<string, Finding[]>;
}

function mergeFromScratch(clusters: ClusterServices[], memo: ServiceMemo): Merged {
  const copiesByName = new Map<string, Copies>();
  for (const cluster of clusters) {
    for (const [key, service] of firstServiceCopies(cluster.resources, memo)) {
      const copies = copiesByName.get(key);
      if (copies) copies.push({ cluster: cluster.name, service });
      else copiesByName.set(key, [{ cluster: cluster.name, service }]);
    }
  }
  const findingsByName = new Map<string, Finding[]>();
  for (const [key, copies] of copiesByName) findingsByName.set(key, findingsOf(key, copies, memo));
  return { clusters, findingsByName };
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  const bKeys = b.keys();
  for (const key of a.keys()) if (bKeys.next().value !== key) return false;
  return true;
}

/**
 * The previous result updated for the clusters whose resource lists changed: only the Services those clusters
 * hold are merged again. Undefined (merge from scratch) when the clusters themselves changed, or a changed
 * cluster's Services are not the same names in the same order (the findings' order would change).
 */
function mergeIncrementally(previous: Merged, clusters: ClusterServices[], memo: ServiceMemo): Merged | undefined {
  if (previous.clusters.length !== clusters.length) return undefined;
  /** The Services the changed clusters hold a new copy of, and whether some new copy differs in shape from the old. */
  const affected = new Map<string, boolean>();
  for (let i = 0; i < clusters.length; i++) {
    const before = previous.clusters[i];
    const after = clusters[i];
    if (before.name !== after.name) return undefined;
    if (before.resources === after.resources) continue;
    const oldServices = firstServiceCopies(before.resources, memo);
    const newServices = firstServiceCopies(after.resources, memo);
    if (!sameKeys(oldServices, newServices)) return undefined;
    for (const [key, service] of newServices) {
      const old = oldServices.get(key)!;
      if (old !== service) affected.set(key, affected.get(key) || referenceShape(old, memo) !== referenceShape(service, memo));
    }
  }
  let findingsByName = previous.findingsByName;
  for (const [key, reshaped] of affected) {
    // Whether two copies differ depends on their shapes alone: copies that kept theirs, where none differed, still do not.
    if (!reshaped && !previous.findingsByName.get(key)?.length) continue;
    if (findingsByName === previous.findingsByName) findingsByName = new Map(previous.findingsByName);
    findingsByName.set(key, findingsOf(key, copiesOf(key, clusters, memo), memo));
  }
  return { clusters, findingsByName };
}

/**
 * MESH701 (istioctl IST0170): istiod merges a Service of the same name and namespace from every cluster
 * into one; when the copies differ in ports, port names, protocols, type or headlessness, which copy wins
 * decides how the others' endpoints are reached. Reported on every copy that differs from the first
 * cluster's (in name order), with the first one as related information.
 *
 * The merge is kept per mesh and updated for the clusters an edit changed: an application edit in one cluster
 * re-compares that cluster's Services, not the 40,000 copies of a 200-cluster mesh.
 */
export const inconsistentService: MeshRule = {
  code: 'MESH701',
  title: 'The same Service differs between clusters',
  severity: 'warning',
  scope: 'mesh',
  check(mesh, context): Finding[] {
    const memo = context.cache.of(inconsistentService, newServiceMemo);
    const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name)).map(({ name, resources }) => ({ name, resources }));
    const previous = memo.merges.get(mesh.root);
    const merged = (previous && mergeIncrementally(previous, clusters, memo)) ?? mergeFromScratch(clusters, memo);
    memo.merges.set(mesh.root, merged);
    return [...merged.findingsByName.values()].flat();
  },
};
