import { clusterNameOf, declaredClusterName, type InstallConfig, isExternalIstiod, isRemoteProfile, locatedString } from '../resources/installConfig';
import type { Located } from '../resources/resource';

/**
 * The external control plane model (istio.io "Install Istio with an External Control Plane", Sail Operator
 * `external-control-plane`): an istiod installed in one cluster (the host) that serves another cluster (the
 * remote config cluster). Its values name the cluster it serves, not the one it runs in, so it is that
 * cluster's control plane hosted elsewhere rather than a second cluster of the same name.
 */
export interface HostedControlPlane {
  install: InstallConfig;
  /** The cluster it serves: its clusterName, else its CLUSTER_ID env. */
  served: Located<string>;
  /** What tells it apart from an in-cluster istiod (shown in findings and hovers). */
  evidence: HostedEvidence;
  /** The cluster it runs in, when the files say which (set by the assigner). */
  host?: string;
}

export type HostedEvidence = 'local-cluster-secret-watcher' | 'placement' | 'external-namespace';

export const CLUSTER_ID_ENV = 'CLUSTER_ID';
export const LOCAL_CLUSTER_SECRET_WATCHER = 'LOCAL_CLUSTER_SECRET_WATCHER';
const DEFAULT_ISTIO_NAMESPACE = 'istio-system';

/** A Helm value of an install, wherever its values are written. */
export function installValue(install: InstallConfig, ...path: string[]): Located<string> | undefined {
  return install.values ? locatedString(install.values, path) : locatedString(install.resource, [...install.valuesPath, ...path]);
}

/** The namespace istiod runs in (and a remote's webhooks point at): `global.istioNamespace`, else the install's namespace. */
export function istioNamespaceOf(install: InstallConfig): string {
  return installValue(install, 'global', 'istioNamespace')?.value ?? install.resource.string(['spec', 'namespace']) ?? DEFAULT_ISTIO_NAMESPACE;
}

/** The cluster an istiod says it serves: clusterName, else the CLUSTER_ID env (istio.io's external istiod sets only that). */
export function servedClusterName(install: InstallConfig): Located<string> | undefined {
  const declared = declaredClusterName(install);
  return declared && declared !== install.injectionPath && declared !== install.injectionURL ? declared : undefined;
}

function isTrue(value: Located<string> | undefined): boolean {
  return value?.value === 'true';
}

/**
 * Why `install` is an istiod hosted for another cluster, or undefined when it is an in-cluster one. The
 * signals are the ones both guides set and an in-cluster primary never does:
 * - `LOCAL_CLUSTER_SECRET_WATCHER=true`: istiod reads remote secrets where it runs, not in the cluster it serves;
 * - it is placed (directive, setting, GitOps target) in a cluster other than the one it names, and is an external istiod;
 * - a remote-profile install of the cluster it names uses its istiod namespace, and that is not istio-system
 *   (the guides' `external-istiod`): the remote's webhooks point at a control plane that is not in the cluster.
 */
function hostedEvidence(install: InstallConfig, served: string, installs: readonly InstallConfig[], placedIn?: readonly string[]): HostedEvidence | undefined {
  if (isTrue(install.pilotEnv.get(LOCAL_CLUSTER_SECRET_WATCHER))) return 'local-cluster-secret-watcher';
  if (isExternalIstiod(install) && placedIn?.length === 1 && placedIn[0] !== served) return 'placement';
  const namespace = istioNamespaceOf(install);
  if (namespace === DEFAULT_ISTIO_NAMESPACE) return undefined;
  const remoteInSameNamespace = installs.some(
    (other) => other !== install && isRemoteProfile(other) && clusterNameOf(other) === served && istioNamespaceOf(other) === namespace,
  );
  return remoteInSameNamespace ? 'external-namespace' : undefined;
}

/**
 * The hosted control planes among `installs`. `placement` gives the cluster(s) an install is explicitly put in
 * (directive, setting, GitOps target), where known.
 */
export function findHostedControlPlanes(
  installs: readonly InstallConfig[],
  placement: (install: InstallConfig) => readonly string[] | undefined = () => undefined,
): Map<InstallConfig, HostedControlPlane> {
  const hosted = new Map<InstallConfig, HostedControlPlane>();
  for (const install of installs) {
    if (!install.installsControlPlane || isRemoteProfile(install)) continue;
    const served = servedClusterName(install);
    if (!served) continue;
    const evidence = hostedEvidence(install, served.value, installs, placement(install));
    if (evidence) hosted.set(install, { install, served, evidence });
  }
  return hosted;
}
