import { basename, isAbsolute, relative, sep } from 'node:path';

import picomatch from 'picomatch';

import type { ClusterSetting } from '../mesh/assignment';
import type { MeshModel } from '../mesh/model';

/**
 * A cluster is always a cluster of one mesh. Folders that hold several meshes reuse cluster names
 * (`prod/cluster1` and `staging/cluster1`), so plans, contexts and the CLI name a cluster by its key: the mesh's
 * folder and the cluster's name (`prod/cluster1`), or the bare name where the workspace holds one mesh.
 */
export interface MeshCluster {
  /** What plans, context mappings and `--cluster` use: `prod/cluster1`, or `cluster1` in a one-mesh workspace. */
  key: string;
  /** The cluster's name (`values.global.multiCluster.clusterName`). */
  name: string;
  /** The mesh's folder relative to the workspace folder that holds it (its name for the folder itself). */
  mesh: string;
  /** The mesh's folder, absolute. */
  root: string;
  /** `istioMesh.clusters[].context` of the entry that names this cluster of this mesh, if any. */
  configuredContext?: string;
}

/** The mesh's folder as people name it: relative to the workspace folder that holds it, else its own name. */
export function meshLabel(mesh: MeshModel, roots: readonly string[]): string {
  const holder = [...roots].filter((root) => isUnder(mesh.root, root)).sort((a, b) => b.length - a.length)[0];
  const inRoot = holder === undefined ? '' : relative(holder, mesh.root).split(sep).join('/');
  return inRoot || basename(mesh.root) || mesh.root;
}

export function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** Cluster keys name the mesh when more than one mesh of the workspace has clusters. */
export function qualifiesClusters(meshes: readonly MeshModel[]): boolean {
  return meshes.filter((m) => m.clusters.size > 0).length > 1;
}

export function clusterKey(meshLabelOrUndefined: string | undefined, name: string): string {
  return meshLabelOrUndefined === undefined ? name : `${meshLabelOrUndefined}/${name}`;
}

/** Keys of one mesh's clusters (and of names it assigns that are not clusters of it, such as placeholders). */
export class MeshClusterKeys {
  readonly label: string | undefined;

  constructor(
    readonly mesh: MeshModel,
    roots: readonly string[],
    qualify: boolean,
  ) {
    this.label = qualify ? meshLabel(mesh, roots) : undefined;
  }

  keyOf(name: string): string {
    return clusterKey(this.label, name);
  }
}

/** The `istioMesh.clusters` entry for a cluster of a mesh: one whose paths hold a file of that mesh, else one without paths. */
export function settingFor(settings: readonly ClusterSetting[], roots: readonly string[], mesh: MeshModel, name: string): ClusterSetting | undefined {
  const candidates = settings.filter((s) => s.name === name);
  const withPaths = candidates.filter((s) => s.paths?.length);
  if (withPaths.length) {
    const files = [...new Set(mesh.resources.map((r) => r.file))];
    const relativePaths = (path: string) =>
      roots.flatMap((root) => (isAbsolute(path) && isUnder(path, root) ? [relative(root, path).split(sep).join('/')] : []));
    const matching = withPaths.find((s) => {
      const matches = picomatch(s.paths!, { dot: true });
      return files.some((file) => relativePaths(file).some((p) => matches(p)));
    });
    if (matching) return matching;
  }
  return candidates.find((s) => !s.paths?.length);
}

/** Every cluster of every mesh, with its key and the context the settings give it. */
export function meshClusters(meshes: readonly MeshModel[], settings: { roots: readonly string[]; clusters: readonly ClusterSetting[] }): MeshCluster[] {
  const qualify = qualifiesClusters(meshes);
  return meshes.flatMap((mesh) => {
    const keys = new MeshClusterKeys(mesh, settings.roots, qualify);
    const label = keys.label ?? meshLabel(mesh, settings.roots);
    return [...mesh.clusters.keys()].sort().map((name) => {
      const context = settingFor(settings.clusters, settings.roots, mesh, name)?.context;
      return { key: keys.keyOf(name), name, mesh: label, root: mesh.root, ...(context ? { configuredContext: context } : {}) };
    });
  });
}

/** The clusters of the mesh a person names (`--mesh prod`); refused with the meshes there are when none is it. */
export function clustersOfMesh(mesh: string, clusters: readonly MeshCluster[]): MeshCluster[] {
  const label = mesh.replace(/\/+$/, '');
  const ofMesh = clusters.filter((c) => c.mesh === label);
  if (!ofMesh.length) throw new ClusterNameError(`no mesh ${mesh} in these files (meshes: ${[...new Set(clusters.map((c) => c.mesh))].join(', ') || 'none'})`);
  return ofMesh;
}

/** A name given by a person (`--cluster`, `--context NAME=...`) that does not name one cluster of one mesh. */
export class ClusterNameError extends Error {}

/**
 * The cluster a person means: a key (`prod/cluster1`), or a bare name that only one mesh has. A bare name that
 * clusters of several meshes share is refused with the keys to choose from; `mesh` narrows it (`--mesh prod`).
 */
export function resolveCluster(name: string, clusters: readonly MeshCluster[], mesh?: string): MeshCluster {
  const inMesh = mesh === undefined ? clusters : clustersOfMesh(mesh, clusters);
  const exact = inMesh.find((c) => c.key === name);
  if (exact) return exact;
  const named = inMesh.filter((c) => c.name === name || `${c.mesh}/${c.name}` === name);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new ClusterNameError(
      `${name} is a cluster of ${named.length} meshes: ${named.map((c) => c.key).join(', ')}; name one (--cluster ${named[0].key}, or --mesh ${named[0].mesh} --cluster ${name})`,
    );
  }
  const keys = inMesh.map((c) => c.key);
  throw new ClusterNameError(`no cluster ${name} in ${mesh === undefined ? 'these files' : `mesh ${mesh}`} (clusters: ${keys.join(', ') || 'none'})`);
}

/** The kube contexts of one mesh's clusters, by cluster name. */
export type ContextsOfMesh = (mesh: MeshModel) => ReadonlyMap<string, string>;

/**
 * Which kube context each cluster of each mesh goes to: the settings' entry for that cluster of that mesh, and
 * contexts given by cluster key (`prod/cluster1`) or by a bare name only one mesh has. `givenFirst` says which
 * of the two wins: a `--context` flag wins over the settings, a choice remembered in the editor does not.
 */
export function contextsOfMeshes(
  meshes: readonly MeshModel[],
  settings: { roots: readonly string[]; clusters: readonly ClusterSetting[] },
  given: ReadonlyMap<string, string>,
  givenFirst: boolean,
): ContextsOfMesh {
  const clusters = meshClusters(meshes, settings);
  const meshesOfName = new Map<string, number>();
  for (const cluster of clusters) meshesOfName.set(cluster.name, (meshesOfName.get(cluster.name) ?? 0) + 1);
  const byMesh = new Map<string, Map<string, string>>();
  for (const cluster of clusters) {
    // A bare name means this cluster only when no other mesh has a cluster of that name.
    const fromGiven = given.get(cluster.key) ?? (meshesOfName.get(cluster.name)! > 1 ? undefined : given.get(cluster.name));
    const context = givenFirst ? (fromGiven ?? cluster.configuredContext) : (cluster.configuredContext ?? fromGiven);
    if (context === undefined) continue;
    const contexts = byMesh.get(cluster.root) ?? new Map<string, string>();
    byMesh.set(cluster.root, contexts.set(cluster.name, context));
  }
  // GitOps controllers (`flux`, `argocd`) are named by the runbook, not by a mesh's clusters.
  const controllers = [...given].filter(([name]) => !clusters.some((c) => c.key === name || c.name === name));
  return (mesh) => new Map([...controllers, ...(byMesh.get(mesh.root) ?? [])]);
}
