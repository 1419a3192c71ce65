import { istioNamespaceOf } from '../../mesh/externalControlPlane';
import type { Cluster, MeshModel } from '../../mesh/model';
import { locationKey, type SourceLocation } from '../../parse/text';
import { declaredClusterName, type InstallConfig } from '../../resources/installConfig';
import type { Resource } from '../../resources/resource';

/** Resources in a stable order (file, then document), whatever order the workspace was filled in. */
export function byPosition<T>(items: readonly T[], resourceOf: (item: T) => Resource): T[] {
  return [...items].sort((a, b) => {
    const ra = resourceOf(a);
    const rb = resourceOf(b);
    return ra.file.localeCompare(rb.file) || ra.doc.index - rb.doc.index;
  });
}

/** Kept per install config (one per version of its file): rules anchor findings on every cluster on every run. */
const installAnchors = new WeakMap<InstallConfig, SourceLocation>();

function installAnchor(install: InstallConfig): SourceLocation {
  let anchor = installAnchors.get(install);
  if (!anchor) {
    anchor = declaredClusterName(install)?.location() ?? install.resource.location(['metadata', 'name']);
    installAnchors.set(install, anchor);
  }
  return anchor;
}

/** The first control-plane install config of the mesh: where mesh-wide notices go. */
export function meshAnchor(mesh: MeshModel): SourceLocation | undefined {
  const controlPlanes = byPosition(
    mesh.installs.filter((i) => i.installsControlPlane),
    (i) => i.resource,
  );
  const install = controlPlanes[0] ?? byPosition(mesh.installs, (i) => i.resource)[0];
  return install && installAnchor(install);
}

/** Where to report something about a cluster as a whole: its control plane's cluster name, else its first resource. */
export function clusterAnchor(cluster: Cluster): SourceLocation | undefined {
  const install = byPosition(cluster.controlPlanes, (i) => i.resource)[0] ?? byPosition(cluster.installs, (i) => i.resource)[0];
  if (install) return installAnchor(install);
  const resource = byPosition(cluster.resources, (r) => r)[0];
  return resource?.location(['metadata', 'name']);
}

/**
 * The control plane namespace of a cluster: its control plane install's `spec.namespace`, else the mesh's. A cluster
 * that only hosts other clusters' istiods (an external control plane) keeps their remote secrets and cacerts in the
 * namespace that istiod runs in (`external-istiod` in the docs).
 */
export function controlPlaneNamespaceOf(mesh: MeshModel, cluster: Cluster | undefined): string {
  const own = cluster?.controlPlanes.map((i) => i.resource.string(['spec', 'namespace'])).find((ns) => ns !== undefined);
  if (own) return own;
  const hosted = cluster && cluster.controlPlanes.length === 0 ? cluster.hostedControlPlanes[0] : undefined;
  return hosted ? istioNamespaceOf(hosted.install) : mesh.controlPlaneNamespace;
}

/** `"${CTX_CLUSTER1}"`: the kube context variable the Istio docs use for a cluster. */
export function contextVariable(cluster: string): string {
  return `"\${CTX_${cluster.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}}"`;
}

/** The command that registers `target` with `holder`'s istiod. */
export function createRemoteSecretCommand(target: string, holder: string): string {
  return `istioctl create-remote-secret --context=${contextVariable(target)} --name=${target} | kubectl apply -f - --context=${contextVariable(holder)}`;
}

/** Lists commands in a one-line message, eliding the tail of long lists. */
export function listCommands(commands: readonly string[], shown = 3): string {
  const listed = commands
    .slice(0, shown)
    .map((c) => `\`${c}\``)
    .join('; ');
  return commands.length > shown ? `${listed}; and ${commands.length - shown} more like it` : listed;
}

/**
 * The remote secrets the mesh's control planes need: every primary watches every other cluster whose role is
 * known (the other primaries in multi-primary, its remotes in primary-remote). Remotes need none.
 */
export function requiredRemoteSecrets(mesh: MeshModel): { holder: Cluster; target: Cluster }[] {
  const known = [...mesh.clusters.values()].filter((c) => c.role !== 'unknown').sort((a, b) => a.name.localeCompare(b.name));
  return known.filter((c) => c.role === 'primary').flatMap((holder) => known.filter((target) => target !== holder).map((target) => ({ holder, target })));
}

const remoteSecretInputLists = new WeakMap<MeshModel, readonly unknown[]>();

/** Findings made at equal places are equal, whichever version of the file they came from. */
function placeKey(location: SourceLocation | undefined): string {
  return location ? locationKey(location) : '';
}

/**
 * What the remote secret rules read from a model (MeshRule.reads): the secrets, where mesh-wide notices go,
 * and each cluster's name, role, anchor and control plane namespace — as values, so that an edit of a
 * cluster's IstioOperator that changes none of them (a meshID, a network) reuses the findings.
 */
export function remoteSecretInputs(mesh: MeshModel): readonly unknown[] {
  let inputs = remoteSecretInputLists.get(mesh);
  if (!inputs) {
    const list: unknown[] = [mesh.remoteSecrets, mesh.controlPlaneNamespace, placeKey(meshAnchor(mesh))];
    for (const cluster of mesh.clusters.values())
      list.push(cluster.name, cluster.role, placeKey(clusterAnchor(cluster)), controlPlaneNamespaceOf(mesh, cluster));
    inputs = list;
    remoteSecretInputLists.set(mesh, inputs);
  }
  return inputs;
}
