import type { Cluster, MeshModel } from '../mesh/model';
import { eastWestGateways, primariesOfRemote } from '../mesh/topology';
import { EAST_WEST_PORTS, type GatewayDeployment } from '../resources/installConfig';
import { isPlaceholder, isRecord, type Located } from '../resources/resource';

/**
 * Templates in apply: a document with `${NAME}` placeholders (COMPOSE001) is never sent as written. Each
 * variable is filled from what is known — a value given for this apply (`--set`, the editor's input box), the
 * setting `istioMesh.variables`, the environment — or by the runbook's step that computes it (a remote's
 * `${DISCOVERY_ADDRESS}` is its primary's east-west gateway address), run just before the first step that needs it.
 */

/** `${NAME}` and `$NAME`, as envsubst fills them. */
const SHELL_VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)/g;

/** What makes a document a template. */
export interface TemplateFacts {
  /** The shell variables its values hold, in written order. */
  variables: string[];
  /** Placeholders no variable fills (`{{ .Values.x }}`, `<cluster-name>`, `{i}`): only their own tool renders them. */
  unfillable: string[];
}

/** The template facts of a document's loaded value. */
export function templateFacts(value: unknown): TemplateFacts {
  const variables = new Set<string>();
  const unfillable = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') {
      if (!isPlaceholder(node)) return;
      for (const match of node.matchAll(SHELL_VARIABLE)) variables.add(match[1] ?? match[2]);
      if (isPlaceholder(node.replace(SHELL_VARIABLE, 'filled'))) unfillable.add(node);
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (isRecord(node)) {
      for (const key of Object.keys(node)) {
        visit(key);
        visit(node[key]);
      }
    }
  };
  visit(value);
  return { variables: [...variables], unfillable: [...unfillable] };
}

/** The text with each `${NAME}`/`$NAME` whose value is known replaced by it (envsubst's rule; unknown ones stay). */
export function fillText(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(SHELL_VARIABLE, (whole, braced: string | undefined, bare: string | undefined) => values.get(braced ?? bare ?? '') ?? whole);
}

/** `istioMesh.variables`: an object of string values; anything else in it is ignored (a settings file anyone may write). */
export function variablesSetting(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** A value a person gives is one line: a newline in it would change the YAML's structure. */
export function invalidVariableValue(value: string): string | undefined {
  return /[\r\n]/.test(value) ? 'a value must be one line' : undefined;
}

export const EXTERNAL_ADDRESS_JSONPATH = 'jsonpath={.status.loadBalancer.ingress[0].ip}';

/** Where a remote reaches its primary's istiod: its `remotePilotAddress`, and the primary's east-west gateway. */
export interface DiscoveryAddress {
  remote: Cluster;
  primary: Cluster;
  address: Located<string>;
  /** `DISCOVERY_ADDRESS` when the address is written `${DISCOVERY_ADDRESS}`. */
  variable?: string;
  gateway: { name: string; namespace: string };
}

/** The primary's east-west gateway a remote reaches istiod through (the one exposing istiod, else the first). */
function discoveryGateway(primary: Cluster): GatewayDeployment | undefined {
  const gateways = eastWestGateways(primary);
  return gateways.find((g) => g.ports.some((p) => p.port === EAST_WEST_PORTS.istiod)) ?? gateways[0];
}

/** The discovery address of a remote, as the runbook reads it and apply computes it. */
export function discoveryAddressOf(mesh: MeshModel, remote: Cluster): DiscoveryAddress | undefined {
  const address = remote.controlPlanes.find((cp) => cp.remotePilotAddress)?.remotePilotAddress;
  const primary = primariesOfRemote(mesh, remote).primaries[0];
  if (!address || !primary) return undefined;
  const gateway = discoveryGateway(primary);
  const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(address.value)?.[1];
  return {
    remote,
    primary,
    address,
    ...(variable ? { variable } : {}),
    gateway: { name: gateway?.name ?? 'istio-eastwestgateway', namespace: gateway?.namespace ?? mesh.controlPlaneNamespace },
  };
}

/** kubectl's arguments that print the gateway's external address, in the context given. */
export function externalAddressArgs(gateway: { name: string; namespace: string }, context: string): string[] {
  return ['get', 'svc', gateway.name, '-n', gateway.namespace, '--context', context, '-o', EXTERNAL_ADDRESS_JSONPATH];
}
