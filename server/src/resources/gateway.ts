import type { ValuePath } from '../parse/yamlFile';
import { locatedNumber, locatedStrings, objectNamespace, stringMap } from './fields';
import { type GatewayHost, parseGatewayHost } from './hosts';
import { childPath, type Located, type Resource } from './resource';

/** TLS modes that hand the encrypted stream on untouched, so the port must carry TLS. */
export const PASSTHROUGH_MODES = ['PASSTHROUGH', 'AUTO_PASSTHROUGH'] as const;
/** Port protocols whose traffic a passthrough server can read the SNI of. */
export const TLS_PROTOCOLS = ['TLS', 'HTTPS'] as const;

export interface GatewayServer {
  path: ValuePath;
  port?: Located<number>;
  portName?: Located<string>;
  /** As written; compare with `protocolName`. */
  protocol?: Located<string>;
  tlsMode?: Located<string>;
  /** The address the server listens on (`bind`), when it names one. */
  bind?: Located<string>;
  hosts: { written: Located<string>; parsed: GatewayHost }[];
}

/** A networking.istio.io Gateway reduced to what routing checks need; every fact keeps where it was written. */
export interface GatewayView {
  resource: Resource;
  namespace: string;
  name?: string;
  /** Empty selector: the Gateway applies to every gateway workload. */
  selector: Record<string, string>;
  servers: GatewayServer[];
}

/** Upper-cased protocol or TLS mode, as Istio compares them. */
export function upper(value: Located<string> | undefined): string | undefined {
  return value?.value.toUpperCase();
}

export function isPassthrough(server: GatewayServer): boolean {
  const mode = upper(server.tlsMode);
  return mode !== undefined && (PASSTHROUGH_MODES as readonly string[]).includes(mode);
}

export function readGateway(resource: Resource): GatewayView {
  const namespace = objectNamespace(resource);
  const servers = resource.list(['spec', 'servers']).map(({ path }): GatewayServer => ({
    path,
    port: locatedNumber(resource, childPath(path, 'port', 'number')),
    portName: resource.locatedString(childPath(path, 'port', 'name')),
    protocol: resource.locatedString(childPath(path, 'port', 'protocol')),
    tlsMode: resource.locatedString(childPath(path, 'tls', 'mode')),
    bind: resource.locatedString(childPath(path, 'bind')),
    hosts: locatedStrings(resource, childPath(path, 'hosts')).map((written) => ({ written, parsed: parseGatewayHost(written.value, namespace) })),
  }));
  return { resource, namespace, name: resource.name, selector: stringMap(resource, ['spec', 'selector']) ?? {}, servers };
}

/** True when every label the selector asks for is among `labels` (an empty selector selects everything). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Two selectors select a common workload when one asks for a subset of the other's labels. */
export function selectorsOverlap(a: Record<string, string>, b: Record<string, string>): boolean {
  return selectorMatches(a, b) || selectorMatches(b, a);
}

export function formatSelector(selector: Record<string, string>): string {
  const entries = Object.entries(selector);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '(empty)';
}
