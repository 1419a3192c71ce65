import type { ValuePath } from '../parse/yamlFile';
import { locatedNumber, objectNamespace } from './fields';
import { childPath, type Located, type Resource, scalarString } from './resource';

export interface ServicePort {
  path: ValuePath;
  port?: Located<number>;
  /** Defaults as Kubernetes applies them: no name is '', no protocol is TCP. */
  name: string;
  protocol: string;
}

/** A core/v1 Service reduced to the shape istiod merges across clusters. */
export interface ServiceView {
  resource: Resource;
  namespace: string;
  name?: string;
  /** `ClusterIP` unless written otherwise. */
  type: string;
  /** `clusterIP: None`. */
  headless: boolean;
  ports: ServicePort[];
}

export function readService(resource: Resource): ServiceView {
  return {
    resource,
    namespace: objectNamespace(resource),
    name: resource.name,
    type: resource.string(['spec', 'type']) ?? 'ClusterIP',
    headless: resource.string(['spec', 'clusterIP']) === 'None',
    ports: resource.list(['spec', 'ports']).map(({ item, path }) => ({
      path,
      port: locatedNumber(resource, childPath(path, 'port')),
      name: scalarString(item.name) ?? '',
      protocol: (scalarString(item.protocol) ?? 'TCP').toUpperCase(),
    })),
  };
}
