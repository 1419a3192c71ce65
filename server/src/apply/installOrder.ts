import type { Cluster, MeshModel } from '../mesh/model';
import { primariesOfRemote } from '../mesh/topology';
import { type InstallConfig, readIstioOperator } from '../resources/installConfig';
import { isRecord, type Resource, scalarString } from '../resources/resource';

/**
 * The order the istio.io multicluster guides install a mesh in. The runbook writes its steps in this order and
 * `apply` runs its steps in it, so what the runbook tells and what apply does never disagree.
 */

/** What a document does when it is applied; a cluster's documents are applied stage by stage. */
export const INSTALL_STAGES = ['namespace', 'cacerts', 'control-plane', 'gateways', 'expose-istiod', 'expose-services', 'remote-secret', 'other'] as const;
export type InstallStage = (typeof INSTALL_STAGES)[number];

/**
 * One place in the install sequence. `discovery-address` is the remote's step of reading its primary's
 * east-west gateway address (`DISCOVERY_ADDRESS`); a `remote-secret` slot with a `source` gives the primaries the
 * remote secret of that remote, right after the remote's control plane; the one without a source comes last and
 * holds the remote secrets between primaries (and any other).
 */
export type InstallSlot =
  | { stage: Exclude<InstallStage, 'remote-secret'> | 'discovery-address'; cluster: Cluster; servesRemotes: boolean }
  | { stage: 'remote-secret'; source?: Cluster };

const CLUSTER_ORDER: Record<string, number> = { primary: 0, 'external-control-plane': 1, remote: 2, unknown: 3 };

/** Primaries first (remotes need their control plane and its east-west gateway), then by name. */
export function clustersInRunOrder(mesh: MeshModel): Cluster[] {
  return [...mesh.clusters.values()].sort((a, b) => CLUSTER_ORDER[a.role] - CLUSTER_ORDER[b.role] || a.name.localeCompare(b.name));
}

/** Whether a primary's istiod serves remote clusters (it then exposes istiod, and exposes services after they joined). */
function servesRemotes(mesh: MeshModel, cluster: Cluster, clusters: readonly Cluster[]): boolean {
  return cluster.role === 'primary' && clusters.some((c) => c.role === 'remote' && primariesOfRemote(mesh, c).primaries.includes(cluster));
}

/**
 * The whole install sequence of a mesh. Per cluster, in run order: namespaces, the root of trust, (a remote's
 * discovery address), the control plane, (the remote's secret given to its primaries), the east-west gateway,
 * expose-istiod, expose-services, the rest. A primary that serves remotes exposes its services after every
 * cluster is installed (one Gateway then serves both), and the remote secrets between primaries come last.
 */
export function installSequence(mesh: MeshModel): InstallSlot[] {
  const clusters = clustersInRunOrder(mesh);
  const slots: InstallSlot[] = [];
  const deferred: InstallSlot[] = [];
  for (const cluster of clusters) {
    const serves = servesRemotes(mesh, cluster, clusters);
    const slot = (stage: Exclude<InstallStage, 'remote-secret'> | 'discovery-address'): InstallSlot => ({ stage, cluster, servesRemotes: serves });
    slots.push(slot('namespace'), slot('cacerts'));
    if (cluster.role === 'remote') slots.push(slot('discovery-address'));
    slots.push(slot('control-plane'));
    if (cluster.role === 'remote') slots.push({ stage: 'remote-secret', source: cluster });
    slots.push(slot('gateways'), slot('expose-istiod'));
    (serves ? deferred : slots).push(slot('expose-services'));
    slots.push(slot('other'));
  }
  slots.push(...deferred, { stage: 'remote-secret' });
  return slots;
}

function gatewayPorts(resource: Resource): number[] {
  return resource.list(['spec', 'servers']).flatMap(({ item }) => {
    const port = isRecord(item.port) ? Number(scalarString(item.port.number)) : NaN;
    return Number.isFinite(port) ? [port] : [];
  });
}

/** Every string under a value: enough to see whether a route points at istiod, whatever the route type. */
export function stringsUnder(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsUnder);
  if (isRecord(value)) return Object.values(value).flatMap(stringsUnder);
  return [];
}

const ISTIOD_HOST = /^istiod(-[a-z0-9-]+)?(\.|$)/;

/** What the mesh model knows of a resource that decides its stage. */
export interface StageFacts {
  /** The install config the resource is (an IstioOperator, a Sail `Istio`, a GitOps wrapper), if any. */
  install?: InstallConfig;
  /** It gives a cluster its root of trust (cacerts, a cert-manager issuer, istio-csr). */
  trust?: boolean;
  /** It is a remote secret. */
  remoteSecret?: boolean;
}

/** The install stage a document is applied at, for the runbook and apply alike. */
export function stageOf(resource: Resource, facts: StageFacts = {}): InstallStage {
  if (facts.remoteSecret) return 'remote-secret';
  if (facts.install) return facts.install.gateways.length && !facts.install.installsControlPlane ? 'gateways' : 'control-plane';
  if (facts.trust) return 'cacerts';
  switch (resource.kind) {
    case 'Namespace':
      return 'namespace';
    case 'Secret':
      return resource.name === 'cacerts' ? 'cacerts' : 'other';
    case 'IstioOperator':
      return readIstioOperator(resource).installsControlPlane ? 'control-plane' : 'gateways';
    case 'Gateway': {
      const ports = gatewayPorts(resource);
      if (ports.includes(15012) || ports.includes(15017)) return 'expose-istiod';
      return ports.includes(15443) ? 'expose-services' : 'other';
    }
    case 'VirtualService':
    case 'DestinationRule':
      return stringsUnder(resource.get(['spec'])).some((s) => ISTIOD_HOST.test(s)) ? 'expose-istiod' : 'other';
    default:
      return 'other';
  }
}

/** The place of a (cluster, stage) in a mesh's install sequence, for sorting apply steps; unknown clusters go last. */
export class InstallOrder {
  private readonly ranks = new Map<string, number>();
  private readonly last: number;

  constructor(mesh: MeshModel | undefined) {
    const slots = mesh ? installSequence(mesh) : [];
    slots.forEach((slot, index) => this.ranks.set(slotKey(slot), index));
    this.last = slots.length;
  }

  /**
   * A remote secret step is ranked by the cluster it gives access to: a remote's right after its control plane
   * (istiod then controls it), any other with the secrets between primaries.
   */
  rank(cluster: string | undefined, stage: InstallStage, secretSources: readonly string[] = []): number {
    if (cluster === undefined) return this.last + INSTALL_STAGES.indexOf(stage);
    if (stage === 'remote-secret') {
      const ofRemote = secretSources.map((source) => this.ranks.get(JSON.stringify(['remote-secret', source]))).find((r) => r !== undefined);
      return ofRemote ?? this.ranks.get(JSON.stringify(['remote-secret', null])) ?? this.last;
    }
    return this.ranks.get(JSON.stringify([stage, cluster])) ?? this.last + INSTALL_STAGES.indexOf(stage);
  }
}

function slotKey(slot: InstallSlot): string {
  return slot.stage === 'remote-secret' ? JSON.stringify(['remote-secret', slot.source?.name ?? null]) : JSON.stringify([slot.stage, slot.cluster.name]);
}
