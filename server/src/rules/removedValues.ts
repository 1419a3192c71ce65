import type { ValuePath } from '../parse/yamlFile';
import { isRecord, type Resource } from '../resources/resource';
import type { Finding } from './finding';
import { displayPath } from './schema/validator';
import type { ResourceRule } from './rule';

/**
 * IstioOperator settings that old guides still show but Istio no longer reads. One table, used by IOP001,
 * by the schema rule (which leaves these keys to IOP001) and by docs/rules/IOP001.md.
 * `status` says since when, as precisely as we know it; where the version is not certain it only says the
 * value is no longer read.
 */
export interface RemovedValue {
  /** Path under `spec`; `*` matches any key (a gateway name). */
  path: readonly string[];
  status: string;
  /** What to do instead: one sentence. */
  advice: string;
}

export const REMOVED_VALUES: readonly RemovedValue[] = [
  {
    path: ['values', 'global', 'mtls'],
    status: 'no longer read by Istio (mesh-wide mTLS moved to the PeerAuthentication API in Istio 1.5)',
    advice: 'For mesh-wide strict mTLS apply a PeerAuthentication with `mtls.mode: STRICT` in istio-system; automatic mTLS is on by default.',
  },
  {
    path: ['values', 'global', 'controlPlaneSecurityEnabled'],
    status: 'no longer read by Istio',
    advice: 'Remove it: the control plane always uses mTLS since istiod.',
  },
  {
    path: ['values', 'global', 'remotePolicyAddress'],
    status: 'no longer read: it pointed remote clusters at Mixer, removed in Istio 1.8',
    advice: 'Remove it: telemetry and policy run in the proxies.',
  },
  {
    path: ['values', 'global', 'remoteTelemetryAddress'],
    status: 'no longer read: it pointed remote clusters at Mixer, removed in Istio 1.8',
    advice: 'Remove it: telemetry runs in the proxies.',
  },
  {
    path: ['values', 'global', 'disablePolicyChecks'],
    status: 'no longer read: Mixer policy checks were removed in Istio 1.8',
    advice: 'Remove it; use AuthorizationPolicy for access control.',
  },
  {
    path: ['values', 'global', 'createRemoteSvcEndpoints'],
    status: 'no longer read by Istio',
    advice: 'Set `values.global.remotePilotAddress` on the remote cluster (profile `remote`) and expose istiod through the east-west gateway.',
  },
  {
    path: ['values', 'global', 'remotePilotCreateSvcEndpoint'],
    status: 'no longer read by Istio',
    advice: 'Set `values.global.remotePilotAddress` on the remote cluster (profile `remote`) and expose istiod through the east-west gateway.',
  },
  {
    path: ['values', 'security', 'selfSigned'],
    status: 'no longer read by Istio (Citadel is part of istiod)',
    advice: 'To use your own CA, create the `cacerts` Secret in istio-system before installing.',
  },
  {
    path: ['addonComponents'],
    status: 'no longer read by Istio (add-ons are not installed by istioctl any more)',
    advice: 'Install Prometheus, Grafana, Kiali and tracing from samples/addons; instead of istiocoredns, enable DNS proxying (`meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`).',
  },
  {
    path: ['values', 'istiocoredns'],
    status: 'no longer read by Istio',
    advice: 'Enable DNS proxying instead: `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`.',
  },
  {
    path: ['values', 'global', 'podDNSSearchNamespaces'],
    status: 'no longer read by Istio (it served the `.global` names of istiocoredns)',
    advice: 'Enable DNS proxying instead: `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`.',
  },
  {
    path: ['values', 'global', 'meshExpansion'],
    status: 'deprecated in Istio 1.6 and removed in Istio 1.9',
    advice: 'Install an east-west gateway (samples/multicluster/gen-eastwest-gateway.sh) and apply expose-istiod.yaml.',
  },
  {
    path: ['values', 'gateways', '*', 'meshExpansionPorts'],
    status: 'deprecated in Istio 1.6 and removed in Istio 1.9',
    advice: 'Declare the ports (15443, 15012, 15017) in `components.ingressGateways[].k8s.service.ports` of the east-west gateway.',
  },
  {
    path: ['values', 'global', 'multiCluster', 'enabled'],
    status: 'no longer read by Istio',
    advice: 'Remove it: `values.global.multiCluster.clusterName` (with meshID and network) is what makes a cluster part of a multicluster mesh.',
  },
];

export interface FoundRemovedValue {
  entry: RemovedValue;
  /** The path as written in the resource, from its root (`spec`, ...). */
  path: ValuePath;
}

/** Every removed setting an IstioOperator sets, with the path where it is written. */
export function findRemovedValues(resource: Resource): FoundRemovedValue[] {
  if (resource.kind !== 'IstioOperator') return [];
  const found: FoundRemovedValue[] = [];
  const walk = (node: unknown, entry: RemovedValue, depth: number, path: string[]) => {
    if (depth === entry.path.length) {
      found.push({ entry, path });
      return;
    }
    if (!isRecord(node)) return;
    const segment = entry.path[depth];
    const keys = segment === '*' ? Object.keys(node) : Object.hasOwn(node, segment) ? [segment] : [];
    for (const key of keys) walk(node[key], entry, depth + 1, [...path, key]);
  };
  for (const entry of REMOVED_VALUES) walk(resource.get(['spec']), entry, 0, ['spec']);
  return found;
}

export const removedValuesRule: ResourceRule = {
  scope: 'resource',
  code: 'IOP001',
  title: 'An IstioOperator sets a value Istio no longer reads',
  severity: 'warning',
  check(resource): Finding[] {
    return findRemovedValues(resource).map(({ entry, path }) => ({
      code: 'IOP001',
      severity: 'warning',
      message: `\`${displayPath(path.slice(1))}\` is ${entry.status}, so it has no effect. ${entry.advice}`,
      location: resource.location(path, 'key'),
    }));
  },
};
