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
function differences(reference: ServiceView, service: ServiceView): Difference[] {
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
      if (other.name !== port.name) found.push({ location: fieldOr(resource, [...port.path, 'name'], port.path), text: `port ${key} named "${port.name}" (there: "${other.name}")` });
      if (other.protocol !== port.protocol) found.push({ location: fieldOr(resource, [...port.path, 'protocol'], port.path), text: `port ${key} protocol ${port.protocol} (there: ${other.protocol})` });
    }
  }
  for (const key of referencePorts.keys()) if (!ports.has(key)) found.push({ location: resource.location(['spec', 'ports'], 'key'), text: `no port ${key} (there: present)` });
  return found;
}

/** Views and comparisons are cached per Resource, which is rebuilt whenever its file changes. */
const serviceViews = new WeakMap<Resource, ServiceView>();
const clusterServices = new WeakMap<readonly Resource[], Map<string, ServiceView>>();
const comparisons = new WeakMap<ServiceView, { reference: ServiceView; found: Difference[] }>();

function serviceView(resource: Resource): ServiceView {
  let view = serviceViews.get(resource);
  if (!view) {
    view = readService(resource);
    serviceViews.set(resource, view);
  }
  return view;
}

/** The first copy of each Service (by `namespace/name`) among a cluster's resources, kept per resource list. */
function firstServiceCopies(resources: readonly Resource[]): Map<string, ServiceView> {
  let services = clusterServices.get(resources);
  if (!services) {
    services = new Map();
    for (const resource of resources) {
      if (resource.kind !== 'Service' || !resource.name) continue;
      const key = qualifiedName(resource);
      if (!services.has(key)) services.set(key, serviceView(resource));
    }
    clusterServices.set(resources, services);
  }
  return services;
}

/** `differences`, reused while neither copy changed: most copies are compared to the same reference on every run. */
function cachedDifferences(reference: ServiceView, service: ServiceView): Difference[] {
  const cached = comparisons.get(service);
  if (cached?.reference === reference) return cached.found;
  const found = differences(reference, service);
  comparisons.set(service, { reference, found });
  return found;
}

/** Services by `namespace/name`, each with the first copy every cluster has, in cluster-name order. */
function servicesAcrossClusters(clusters: Iterable<{ name: string; resources: Resource[] }>): Map<string, { cluster: string; service: ServiceView }[]> {
  const byName = new Map<string, { cluster: string; service: ServiceView }[]>();
  for (const cluster of [...clusters].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const [key, service] of firstServiceCopies(cluster.resources)) {
      const copies = byName.get(key);
      if (copies) copies.push({ cluster: cluster.name, service });
      else byName.set(key, [{ cluster: cluster.name, service }]);
    }
  }
  return byName;
}

/**
 * MESH701 (istioctl IST0170): istiod merges a Service of the same name and namespace from every cluster
 * into one; when the copies differ in ports, port names, protocols, type or headlessness, which copy wins
 * decides how the others' endpoints are reached. Reported on every copy that differs from the first
 * cluster's (in name order), with the first one as related information.
 */
export const inconsistentService: MeshRule = {
  code: 'MESH701',
  title: 'The same Service differs between clusters',
  severity: 'warning',
  scope: 'mesh',
  check(mesh): Finding[] {
    const findings: Finding[] = [];
    for (const [name, copies] of servicesAcrossClusters(mesh.clusters.values())) {
      const [reference, ...others] = copies;
      for (const { cluster, service } of others) {
        if (service.resource === reference.service.resource) continue;
        const found = cachedDifferences(reference.service, service);
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
    }
    return findings;
  },
};
