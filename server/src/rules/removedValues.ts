import { targetVersionOfResource } from '../mesh/model';
import type { ValuePath } from '../parse/yamlFile';
import { judgeRemoval, type TargetVersion, versionFact } from '../resources/istioVersions';
import { isRecord, type Resource } from '../resources/resource';
import type { Finding, Fix } from './finding';
import { optionalFix, removeValueFix } from './fixes';
import type { MeshRule } from './rule';
import { displayPath } from './schema/validator';

/**
 * IstioOperator settings that old guides still show but Istio no longer reads. One table, used by IOP001,
 * by the schema rule (which leaves these keys to IOP001) and by docs/rules/IOP001.md. Since when comes from the
 * version table (`fact`, an id of istioVersions.json); where it has no fact, `status` says what is known.
 */
export interface RemovedValue {
  /** Path under `spec`; `*` matches any key (a gateway name). */
  path: readonly string[];
  /** Only this value at the path (a removed profile name); any value when absent. */
  value?: string;
  /** The version fact that says in which Istio minor it stopped working. */
  fact?: string;
  /** Why it has no effect, for the entries the version table has no fact for. */
  status?: string;
  /** What to do instead: one sentence. */
  advice: string;
  /** The value that took its place (a renamed profile): the quick fix writes it instead of removing the setting. */
  replacement?: string;
}

export const REMOVED_VALUES: readonly RemovedValue[] = [
  {
    path: ['values', 'global', 'mtls'],
    fact: 'values-global-mtls-removed',
    advice: 'For mesh-wide strict mTLS apply a PeerAuthentication with `mtls.mode: STRICT` in istio-system; automatic mTLS is on by default.',
  },
  {
    path: ['values', 'global', 'controlPlaneSecurityEnabled'],
    fact: 'values-global-controlplanesecurityenabled-removed',
    advice: 'Remove it: the control plane always uses mTLS since istiod.',
  },
  {
    path: ['values', 'global', 'remotePolicyAddress'],
    fact: 'values-mixer-telemetry-v1-removed',
    status: 'it pointed remote clusters at Mixer',
    advice: 'Remove it: telemetry and policy run in the proxies.',
  },
  {
    path: ['values', 'global', 'remoteTelemetryAddress'],
    fact: 'values-mixer-telemetry-v1-removed',
    status: 'it pointed remote clusters at Mixer',
    advice: 'Remove it: telemetry runs in the proxies.',
  },
  {
    path: ['values', 'global', 'disablePolicyChecks'],
    fact: 'values-mixer-telemetry-v1-removed',
    status: 'it switched Mixer policy checks',
    advice: 'Remove it; use AuthorizationPolicy for access control.',
  },
  {
    path: ['values', 'global', 'createRemoteSvcEndpoints'],
    fact: 'values-global-createremotesvcendpoints-removed',
    advice: 'Set `values.global.remotePilotAddress` on the remote cluster (profile `remote`) and expose istiod through the east-west gateway.',
  },
  {
    path: ['values', 'global', 'remotePilotCreateSvcEndpoint'],
    fact: 'values-global-remotepilotcreatesvcendpoint-removed',
    advice: 'Set `values.global.remotePilotAddress` on the remote cluster (profile `remote`) and expose istiod through the east-west gateway.',
  },
  {
    path: ['values', 'security', 'selfSigned'],
    status: 'no longer read by Istio (Citadel is part of istiod)',
    advice: 'To use your own CA, create the `cacerts` Secret in istio-system before installing.',
  },
  ...['grafana', 'kiali', 'prometheus', 'tracing'].map((addon) => ({
    path: ['addonComponents', addon],
    fact: 'component-addoncomponents-telemetry-addons-removed',
    advice: 'Install Prometheus, Grafana, Kiali and tracing from samples/addons.',
  })),
  {
    path: ['addonComponents', 'istiocoredns'],
    fact: 'component-addoncomponents-istiocoredns-removed',
    advice: 'Enable DNS proxying instead: `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`.',
  },
  {
    path: ['values', 'istiocoredns'],
    fact: 'values-istiocoredns-removed',
    advice: 'Enable DNS proxying instead: `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`.',
  },
  {
    path: ['values', 'global', 'podDNSSearchNamespaces'],
    fact: 'values-global-poddnssearchnamespaces-ignored',
    status: 'it served the `.global` names of istiocoredns',
    advice: 'Enable DNS proxying instead: `meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE: "true"`.',
  },
  {
    path: ['values', 'global', 'meshExpansion'],
    fact: 'values-global-meshexpansion-removed',
    advice: 'Install an east-west gateway (samples/multicluster/gen-eastwest-gateway.sh) and apply expose-istiod.yaml.',
  },
  {
    path: ['values', 'gateways', '*', 'meshExpansionPorts'],
    fact: 'values-global-meshexpansion-removed',
    advice: 'Declare the ports (15443, 15012, 15017) in `components.ingressGateways[].k8s.service.ports` of the east-west gateway.',
  },
  {
    path: ['values', 'global', 'multiCluster', 'enabled'],
    fact: 'values-global-multicluster-enabled-ignored',
    status: 'in 1.6-1.9 it generated the `*.global` gateway of replicated control planes',
    advice: 'Remove it: `values.global.multiCluster.clusterName` (with meshID and network) is what makes a cluster part of a multicluster mesh.',
  },
  {
    path: ['profile'],
    value: 'separate',
    fact: 'profile-separate-removed',
    advice: 'Use the `default` profile: istiod holds the components this profile installed separately.',
    replacement: 'default',
  },
  {
    path: ['profile'],
    value: 'external',
    fact: 'profile-external-removed',
    advice: 'Use profile `remote`, which is what `external` was renamed to.',
    replacement: 'remote',
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
      if (entry.value === undefined || node === entry.value) found.push({ entry, path });
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

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** What replaced a removed value where the table knows, else the setting removed. */
function removedValueFixes(resource: Resource, { entry, path }: FoundRemovedValue): Fix[] | undefined {
  if (entry.replacement !== undefined) {
    return [
      { title: `Change profile to ${entry.replacement}`, preferred: true, edits: [{ location: resource.location(path, 'value'), newText: entry.replacement }] },
    ];
  }
  if (entry.value !== undefined) return undefined;
  return optionalFix(removeValueFix(`Remove ${displayPath(path.slice(1))}`, resource.doc, path));
}

/** IOP001's finding for one removed value, judged against the Istio version the file's cluster targets. */
function removedValueFinding(resource: Resource, found: FoundRemovedValue, target: TargetVersion | undefined): Finding {
  const { entry, path } = found;
  const shown = entry.value !== undefined ? `profile \`${entry.value}\`` : `\`${displayPath(path.slice(1))}\``;
  const location = resource.location(path, entry.value !== undefined ? 'value' : 'key');
  if (!entry.fact) {
    return {
      code: 'IOP001',
      severity: 'warning',
      message: `${shown} is ${entry.status}, so it has no effect. ${entry.advice}`,
      location,
      fixes: removedValueFixes(resource, found),
    };
  }
  const fact = versionFact(entry.fact);
  const { severity, removedIn, context } = judgeRemoval(fact, target);
  const removed = `${shown} was removed in Istio ${removedIn}${entry.status ? ` (${entry.status})` : ''}${fact.unconfirmed ? ` (not confirmed: ${fact.unconfirmed})` : ''}`;
  const link = fact.link ? ` See ${fact.link}` : '';
  const message =
    severity === 'warning'
      ? `${removed}; ${context}, so it has no effect. ${entry.advice}${link}`
      : `${removed}; ${context}. When upgrading to ${removedIn}: ${lowerFirst(entry.advice)}${link}`;
  return { code: 'IOP001', severity, message, location, fixes: severity === 'warning' ? removedValueFixes(resource, found) : undefined };
}

/**
 * IOP001: a removed value is a warning where the cluster's Istio no longer reads it (or the files pin no
 * version), and an information naming the upgrade step where the cluster targets a version that still does.
 */
export const removedValuesRule: MeshRule = {
  scope: 'mesh',
  code: 'IOP001',
  title: 'An IstioOperator sets a value its Istio version no longer reads',
  severity: 'warning',
  check(mesh): Finding[] {
    return mesh.resources
      .filter((resource) => resource.kind === 'IstioOperator')
      .flatMap((resource) => {
        const found = findRemovedValues(resource);
        if (!found.length) return [];
        const target = targetVersionOfResource(mesh, resource);
        return found.map((value) => removedValueFinding(resource, value, target));
      });
  },
};
