import { CLUSTER_ID_ENV, type HostedControlPlane, istioNamespaceOf, LOCAL_CLUSTER_SECRET_WATCHER } from '../mesh/externalControlPlane';
import type { Cluster, MeshModel } from '../mesh/model';
import { sortedClusters } from '../mesh/topology';
import { declaredClusterName, type InstallConfig, isExternalIstiod, isRemoteProfile } from '../resources/installConfig';
import type { Located } from '../resources/resource';
import type { Finding } from './finding';
import { insertValueFix, optionalFix, replaceValueFix } from './fixes';
import { missingValueLocation, relatedAt } from './meshIdentity';
import type { MeshRule } from './rule';

/**
 * MESH207–MESH209: the external control plane model (istio.io "Install Istio with an External Control Plane",
 * Sail Operator `external-control-plane`). An istiod runs in one cluster and serves another, the remote config
 * cluster; these checks are about the two halves agreeing.
 */

function clusterOf(mesh: MeshModel, install: InstallConfig): string | undefined {
  const clusters = mesh.assignments.get(install.resource)?.clusters ?? [];
  return clusters.length === 1 ? clusters[0] : undefined;
}

/** The remote-profile installs of a cluster: what the remote config cluster itself runs. */
function remoteInstalls(cluster: Cluster): InstallConfig[] {
  return cluster.controlPlanes.filter(isRemoteProfile);
}

/** clusterName and CLUSTER_ID both set on one istiod, to different literal values. */
function clusterIdDisagreements(mesh: MeshModel): Finding[] {
  return mesh.installs.flatMap((install) => {
    const clusterId = install.pilotEnv.get(CLUSTER_ID_ENV);
    const named = install.clusterName;
    if (!install.installsControlPlane || !clusterId || !named || clusterId.isPlaceholder || named.isPlaceholder || clusterId.value === named.value) return [];
    return [
      {
        code: 'MESH207',
        severity: 'error' as const,
        message: `istiod's ${CLUSTER_ID_ENV} env "${clusterId.value}" differs from its values.global.multiCluster.clusterName "${named.value}": the chart sets ${CLUSTER_ID_ENV} from clusterName, so the pod gets both and the cluster is known by two names. Give both the name of the cluster this istiod serves.`,
        location: clusterId.location(),
        cluster: clusterOf(mesh, install),
        related: [relatedAt(named, 'clusterName')],
        fixes: [replaceValueFix(`Change ${CLUSTER_ID_ENV} to "${named.value}"`, clusterId, named.value)],
      },
    ];
  });
}

/**
 * An external istiod that names a cluster whose own remote install is not in the files, while a remote config
 * cluster using the external istiod's namespace names another cluster: one of the two names is wrong.
 */
function servedNameMismatches(mesh: MeshModel): Finding[] {
  const unserved = sortedClusters(mesh).flatMap((cluster) =>
    cluster.externalControlPlanes.length
      ? []
      : remoteInstalls(cluster)
          .filter((r) => r.configCluster?.value === true)
          .map((remote) => ({ cluster, remote })),
  );
  return mesh.hostedControlPlanes.flatMap((hosted) => {
    const served = mesh.clusters.get(hosted.served.value);
    if (served && remoteInstalls(served).length > 0) return [];
    const namespace = istioNamespaceOf(hosted.install);
    const candidates = unserved.filter(({ remote }) => istioNamespaceOf(remote) === namespace);
    if (candidates.length !== 1) return [];
    const { cluster, remote } = candidates[0];
    const remoteName = declaredClusterName(remote);
    return [
      {
        code: 'MESH207',
        severity: 'error' as const,
        message: `This external istiod serves cluster "${hosted.served.value}", but the remote config cluster installed for it (namespace ${namespace}) is ${cluster.name}: istiod registers the remote's endpoints and injection path under the name it is given, so the two must name the same cluster.`,
        location: hosted.served.location(),
        cluster: hosted.host,
        related: remoteName ? [relatedAt(remoteName, `remote config cluster ${cluster.name}`)] : undefined,
        fixes: [replaceValueFix(`Change to "${cluster.name}"`, hosted.served, cluster.name)],
      },
    ];
  });
}

/** MESH207: an external istiod and the remote it serves disagree on the remote's name. */
export const externalClusterNameMismatch: MeshRule = {
  scope: 'mesh',
  code: 'MESH207',
  title: "An external istiod's cluster name disagrees with the remote it serves",
  severity: 'error',
  check(mesh) {
    return [...clusterIdDisagreements(mesh), ...servedNameMismatches(mesh)];
  },
};

/** Where to point for an external istiod: what marks it as one, else the name it serves. */
function evidenceOf(hosted: HostedControlPlane): Located<unknown> {
  return hosted.install.pilotEnv.get(LOCAL_CLUSTER_SECRET_WATCHER) ?? hosted.served;
}

/** MESH208: the remote config cluster of an external istiod is installed without `global.configCluster: true`. */
export const remoteWithoutConfigCluster: MeshRule = {
  scope: 'mesh',
  code: 'MESH208',
  title: 'The remote config cluster of an external control plane is not installed with configCluster',
  severity: 'error',
  check(mesh) {
    return sortedClusters(mesh).flatMap((cluster) => {
      const hosted = cluster.externalControlPlanes[0];
      if (!hosted) return [];
      return remoteInstalls(cluster)
        .filter((remote) => remote.configCluster?.value !== true)
        .map((remote) => {
          const written = remote.configCluster;
          return {
            code: 'MESH208',
            severity: 'error' as const,
            message: `Cluster ${cluster.name} is served by the external istiod in ${hosted.host ?? 'another cluster'}, which reads its configuration from ${cluster.name}, but its remote install does not set values.global.configCluster: true: the remote profile then leaves out what a config cluster needs, and the external istiod finds no configuration to serve.`,
            location: written ? written.location() : missingValueLocation(remote, 'global', 'configCluster'),
            cluster: cluster.name,
            related: [relatedAt(evidenceOf(hosted), `external istiod of ${cluster.name}`)],
            fixes: written
              ? [replaceValueFix('Set configCluster to true', written, true)]
              : optionalFix(
                  insertValueFix('Set values.global.configCluster: true', remote.resource.doc, [...remote.valuesPath, 'global', 'configCluster'], true),
                ),
          };
        });
    });
  },
};

/** Where the served cluster's own (remote) installs name it. */
function servedClusterInstalls(mesh: MeshModel, hosted: HostedControlPlane): Located<string>[] {
  const served = mesh.clusters.get(hosted.served.value);
  return (served ? remoteInstalls(served) : []).flatMap((remote) => {
    const name = declaredClusterName(remote);
    return name ? [name] : [];
  });
}

/** MESH209: an istiod hosted for another cluster without EXTERNAL_ISTIOD / externalIstiod. */
export const externalIstiodFlagMissing: MeshRule = {
  scope: 'mesh',
  code: 'MESH209',
  title: 'An external control plane is not installed with EXTERNAL_ISTIOD',
  severity: 'error',
  check(mesh) {
    return mesh.hostedControlPlanes
      .filter((hosted) => !isExternalIstiod(hosted.install))
      .map((hosted) => {
        const { install } = hosted;
        const written = install.externalIstiod;
        return {
          code: 'MESH209',
          severity: 'error' as const,
          message: `This istiod runs in ${hosted.host ?? 'another cluster'} and serves cluster ${hosted.served.value}, but sets neither the pilot env EXTERNAL_ISTIOD="true" nor values.global.externalIstiod: true: without it istiod does not act as the external control plane of ${hosted.served.value} (injection, validation and discovery for a cluster it does not run in).`,
          location: written ? written.location() : evidenceOf(hosted).location(),
          cluster: hosted.host,
          related: servedClusterInstalls(mesh, hosted).map((name) => relatedAt(name, `the install of ${hosted.served.value}, the cluster it serves`)),
          fixes: written
            ? [replaceValueFix('Set externalIstiod to true', written, true)]
            : optionalFix(
                insertValueFix('Set values.global.externalIstiod: true', install.resource.doc, [...install.valuesPath, 'global', 'externalIstiod'], true),
              ),
        };
      });
  },
};

export const EXTERNAL_CONTROL_PLANE_RULES: readonly MeshRule[] = [externalClusterNameMismatch, remoteWithoutConfigCluster, externalIstiodFlagMissing];
