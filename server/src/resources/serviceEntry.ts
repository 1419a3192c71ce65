import type { ValuePath } from '../parse/yamlFile';
import { locatedNumber, locatedStrings, objectNamespace } from './fields';
import { childPath, compactList, isRecord, type Located, type Resource } from './resource';

/** Hosts of the multi-control-plane model: services of other clusters, resolved by istiocoredns to a VIP. */
export const GLOBAL_HOST_SUFFIX = '.global';

export interface ServiceEntryEndpoint {
  path: ValuePath;
  address?: Located<string>;
  /** `ports: {name: number}`: where the endpoint receives each of the entry's ports. */
  ports: { name: string; port: Located<number> }[];
}

export interface ServiceEntryView {
  resource: Resource;
  namespace: string;
  hosts: Located<string>[];
  addresses: Located<string>[];
  /** The entry's own port numbers (what endpoints without a port mapping receive). */
  ports: Located<number>[];
  endpoints: ServiceEntryEndpoint[];
}

export function isGlobalHost(host: string): boolean {
  return host.toLowerCase().endsWith(GLOBAL_HOST_SUFFIX);
}

export function readServiceEntry(resource: Resource): ServiceEntryView {
  const endpoints = resource.list(['spec', 'endpoints']).map(({ item, path }): ServiceEntryEndpoint => ({
    path,
    address: resource.locatedString(childPath(path, 'address')),
    ports: isRecord(item.ports)
      ? compactList(
          Object.keys(item.ports).flatMap((name) => {
            const port = locatedNumber(resource, childPath(path, 'ports', name));
            return port ? [{ name, port }] : [];
          }),
        )
      : [],
  }));
  return {
    resource,
    namespace: objectNamespace(resource),
    hosts: locatedStrings(resource, ['spec', 'hosts']),
    addresses: locatedStrings(resource, ['spec', 'addresses']),
    ports: compactList(
      resource.list(['spec', 'ports']).flatMap(({ path }) => {
        const port = locatedNumber(resource, childPath(path, 'number'));
        return port ? [port] : [];
      }),
    ),
    endpoints,
  };
}
