import { basename } from 'node:path';

import { ComposedYamlDocument } from '../compose/composedDocument';
import { mayBeSharedLayer } from '../compose/layered';
import { composedAmong } from '../compose/related';
import { clusterNameOf, type InstallConfig } from '../resources/installConfig';
import { HELM_VALUES_KIND, readGatewayService } from '../resources/installSources';
import { readRemoteSecret, type RemoteSecret } from '../resources/remoteSecret';
import { isRecord, type Resource } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { type Assignment, ClusterAssigner, directiveClusters } from './assignment';
import { findHostedControlPlanes } from './externalControlPlane';
import {
  adoptAssigner,
  assignerOf,
  cacertsReader,
  type Cluster,
  controlPlaneNamespaceOf,
  inheritAssigner,
  inheritUnassigned,
  installOfResource,
  type MeshModel,
  type MeshSettings,
  rebuildCluster,
  type ResourceFacts,
  summariseClusters,
} from './model';
import { sameItems } from './routingIndex';
import { carrySelections, resourcesOfKind, spliceRun } from './selection';

/**
 * Kinds the model building only *places* (assigns to clusters) and reads no fact from: no identity, install,
 * gateway deployment, secret, namespace label or trust root. A Service is one too unless it is an east-west
 * gateway's Service (an install source, `readGatewayService`).
 */
const PLACED_ONLY_KINDS = new Set(['Gateway', 'VirtualService', 'DestinationRule', 'ServiceEntry']);

function isPlacedOnly(resource: Resource): boolean {
  return PLACED_ONLY_KINDS.has(resource.kind) || (resource.kind === 'Service' && !readGatewayService(resource));
}

const placedOnlyFiles = new WeakMap<WorkspaceFile, boolean>();

/**
 * The mesh signature of a file, reduced to what decides reuse: true when the model takes nothing from the file
 * but the placement of its resources (typically an application's routing), so an edit of it that keeps this
 * true cannot change any cluster's identity, installs, gateways, secrets or trust.
 */
export function contributesOnlyPlacement(file: WorkspaceFile): boolean {
  let placedOnly = placedOnlyFiles.get(file);
  if (placedOnly === undefined) {
    placedOnly = !file.unanalysedReason && file.resources.every(isPlacedOnly);
    placedOnlyFiles.set(file, placedOnly);
  }
  return placedOnly;
}

/**
 * The assignments of a model derived by swapping files: the built model's map minus the resources swapped
 * out plus those swapped in. Copying the map instead would cost O(resources) per keystroke. Iterates in the
 * model's resource order, as the built map does.
 */
class SwappedAssignments implements ReadonlyMap<Resource, Assignment> {
  private constructor(
    private readonly built: ReadonlyMap<Resource, Assignment>,
    private readonly removed: ReadonlySet<Resource>,
    private readonly added: ReadonlyMap<Resource, Assignment>,
    /** The model's resources, read only when the map is iterated (a derived model lists them on demand). */
    private readonly orderOf: () => readonly Resource[],
  ) {}

  private get order(): readonly Resource[] {
    return this.orderOf();
  }

  /** Layers do not nest: the result always sits directly on the built map, so lookups stay O(1). */
  static of(
    previous: ReadonlyMap<Resource, Assignment>,
    swappedOut: readonly Resource[],
    swappedIn: ReadonlyMap<Resource, Assignment>,
    order: () => readonly Resource[],
  ): SwappedAssignments {
    const layered = previous instanceof SwappedAssignments ? previous : undefined;
    const removed = new Set(layered?.removed);
    const added = new Map(layered?.added);
    for (const resource of swappedOut) {
      if (!added.delete(resource)) removed.add(resource);
    }
    for (const [resource, assignment] of swappedIn) added.set(resource, assignment);
    return new SwappedAssignments(layered?.built ?? previous, removed, added, order);
  }

  get(resource: Resource): Assignment | undefined {
    return this.added.get(resource) ?? (this.removed.has(resource) ? undefined : this.built.get(resource));
  }

  has(resource: Resource): boolean {
    return this.get(resource) !== undefined;
  }

  get size(): number {
    // Removed resources are all in the built map, and added ones are not among its remaining ones.
    return this.built.size - this.removed.size + this.added.size;
  }

  *entries(): IterableIterator<[Resource, Assignment]> {
    for (const resource of this.order) yield [resource, this.get(resource)!];
  }

  *keys(): IterableIterator<Resource> {
    yield* this.order;
  }

  *values(): IterableIterator<Assignment> {
    for (const resource of this.order) yield this.get(resource)!;
  }

  [Symbol.iterator](): IterableIterator<[Resource, Assignment]> {
    return this.entries();
  }

  forEach(callback: (value: Assignment, key: Resource, map: ReadonlyMap<Resource, Assignment>) => void, thisArg?: unknown): void {
    for (const resource of this.order) callback.call(thisArg, this.get(resource)!, resource, this);
  }
}

/**
 * For a derived model whose resource list is not built yet: the built model it is made from, the run of that
 * model's resources it replaces, and what replaces it. Typing in one file derives model after model from
 * unbuilt ones; the swaps compose (the run swapped in is the next run swapped out), so each refers to one
 * built model and builds its list in one pass.
 */
const pendingLists = new WeakMap<MeshModel, { base: MeshModel; baseRun: readonly Resource[]; swappedIn: readonly Resource[] }>();

/**
 * True when `run` is a contiguous run of the mesh's resources: checked on the list when it is built, or known
 * when the list is not built yet and `run` is what its derivation swapped in.
 */
function holdsRun(mesh: MeshModel, run: readonly Resource[]): boolean {
  const pending = pendingLists.get(mesh);
  if (pending && sameItems(pending.swappedIn, run)) return true;
  const start = mesh.resources.indexOf(run[0]);
  return start >= 0 && run.every((r, i) => mesh.resources[start + i] === r);
}

/**
 * A model derived from `source` with `fields` changed and `swappedOut` (a run of its resources, see
 * `holdsRun`) replaced by `swappedIn`. The new resource list is built when first read: copying 160k references
 * on every keystroke cost more than the rest of an application edit, and the rules read a model's resources
 * through selections, which are carried over by splicing instead.
 */
function derivedModel(
  source: MeshModel,
  swappedOut: readonly Resource[],
  swappedIn: readonly Resource[],
  fields: (resources: () => readonly Resource[]) => Omit<Partial<MeshModel>, 'resources'>,
): MeshModel {
  const pending = pendingLists.get(source);
  const composes = pending !== undefined && sameItems(pending.swappedIn, swappedOut);
  const base = composes ? pending.base : source;
  const baseRun = composes ? pending.baseRun : swappedOut;
  const derived = {} as MeshModel;
  for (const key of Object.keys(source) as (keyof MeshModel)[]) {
    if (key !== 'resources') Object.assign(derived, { [key]: source[key] });
  }
  let list: Resource[] | undefined;
  // Released once the list is built, so a built model does not keep the models it was derived from alive.
  let from: MeshModel | undefined = base;
  const resources = (): Resource[] => {
    if (!list) {
      const built = spliceRun(from!.resources, baseRun, swappedIn);
      // holdsRun checked the run before deriving: a failure here is a bug, not an input to recover from.
      if (!built) throw new Error('a derived model lost its swapped run');
      list = built;
      from = undefined;
      pendingLists.delete(derived);
    }
    return list;
  };
  Object.defineProperty(derived, 'resources', { get: resources, enumerable: true, configurable: true });
  Object.assign(derived, fields(resources));
  pendingLists.set(derived, { base, baseRun, swappedIn });
  carrySelections(source, derived, swappedOut, swappedIn);
  return derived;
}

/** Cluster names in the order the file's resources first name them (the order `buildMesh` creates clusters in). */
function clusterOrder(resources: readonly Resource[], assignmentOf: (r: Resource) => Assignment): string[] {
  return [...new Set(resources.flatMap((r) => assignmentOf(r).clusters))];
}

/**
 * `list` with its run of `removed` resources replaced by `replacement`, and the run it replaced. The run is
 * contiguous because a cluster's resources follow the mesh's file order. Undefined when there is no run (the
 * position of new resources would be unknown) or the list would become empty (the cluster would disappear).
 */
function replaceRun(
  list: readonly Resource[],
  removed: ReadonlySet<Resource>,
  replacement: readonly Resource[],
): { replaced: Resource[]; run: Resource[] } | undefined {
  const start = list.findIndex((r) => removed.has(r));
  if (start < 0) return undefined;
  let end = start;
  while (end < list.length && removed.has(list[end])) end++;
  for (let i = end; i < list.length; i++) if (removed.has(list[i])) return undefined;
  const replaced = [...list.slice(0, start), ...replacement, ...list.slice(end)];
  return replaced.length ? { replaced, run: list.slice(start, end) } : undefined;
}

/**
 * The mesh's clusters with each cluster in `order` holding `after`'s resources (placed by `assignmentOf`) in
 * place of its run of `before`'s, made into a cluster by `rebuild`; the selections read from the old lists are
 * carried over. Undefined when some cluster has no such run or would be left empty.
 */
function swapClusterRuns(
  mesh: MeshModel,
  order: readonly string[],
  before: readonly Resource[],
  after: readonly Resource[],
  assignmentOf: (r: Resource) => Assignment,
  rebuild: (name: string, cluster: Cluster, resources: Resource[]) => Cluster,
): Map<string, Cluster> | undefined {
  const removed = new Set(before);
  const clusters = new Map(mesh.clusters);
  for (const name of order) {
    const cluster = mesh.clusters.get(name);
    const replacement = after.flatMap((r) =>
      assignmentOf(r)
        .clusters.filter((c) => c === name)
        .map(() => r),
    );
    const swap = cluster && replaceRun(cluster.resources, removed, replacement);
    if (!swap) return undefined;
    carrySelections(cluster.resources, swap.replaced, swap.run, replacement);
    clusters.set(name, rebuild(name, cluster, swap.replaced));
  }
  return clusters;
}

function replaceInMesh(mesh: MeshModel, before: WorkspaceFile, after: WorkspaceFile, now: Date): MeshModel | undefined {
  const assigner = assignerOf(mesh);
  if (!assigner || !holdsRun(mesh, before.resources)) return undefined;
  // Placed-only resources carry no install config: the assigner places them by directive, setting, folder or file name.
  const added = new Map(after.resources.map((r) => [r, assigner.assign(r)]));
  const oldAssignment = (r: Resource) => mesh.assignments.get(r)!;
  const newAssignment = (r: Resource) => added.get(r)!;
  const order = clusterOrder(before.resources, oldAssignment);
  if (order.join('\n') !== clusterOrder(after.resources, newAssignment).join('\n')) return undefined;

  const clusters = swapClusterRuns(mesh, order, before.resources, after.resources, newAssignment, (_, cluster, resources) => ({ ...cluster, resources }));
  if (!clusters) return undefined;
  const derived = derivedModel(mesh, before.resources, after.resources, (resources) => ({
    clusters,
    assignments: SwappedAssignments.of(mesh.assignments, before.resources, added, resources),
    now,
  }));
  inheritAssigner(derived, mesh);
  const assigned = (assignment: Assignment) => assignment.clusters.length > 0;
  if (before.resources.every((r) => assigned(oldAssignment(r))) && after.resources.every((r) => assigned(newAssignment(r)))) inheritUnassigned(derived, mesh);
  return derived;
}

/**
 * Kinds a file may hold for an edit of it to be derived by rebuilding only its clusters: what the model reads
 * from the resource alone (no other file, no chart setting, no composition or GitOps target).
 */
const SELF_CONTAINED_KINDS = new Set([...PLACED_ONLY_KINDS, 'Service', 'IstioOperator', 'Namespace', 'Secret', 'ConfigMap']);

/** Kinds whose presence anywhere in a mesh makes some resource's facts depend on other files. */
const CROSS_FILE_KINDS = ['HelmRelease', HELM_VALUES_KIND, 'Application', 'ApplicationSet', 'Kustomization'];

function isSelfContainedFile(file: WorkspaceFile): boolean {
  return !file.unanalysedReason && file.resources.every((r) => SELF_CONTAINED_KINDS.has(r.kind) && !(r.doc instanceof ComposedYamlDocument));
}

/** The name a control plane gives its cluster, which decides how a folder is split into meshes (partitionMeshes). */
function partitionNames(installs: readonly InstallConfig[]): string {
  return installs.map((i) => (i.installsControlPlane ? (clusterNameOf(i) ?? '') : '')).join('\n');
}

/** Each remote secret by its resource, per list: a multi-primary mesh of 200 clusters has 39,800 of them. */
const secretIndexes = new WeakMap<readonly RemoteSecret[], ReadonlyMap<Resource, RemoteSecret>>();

function secretsByResourceOf(secrets: readonly RemoteSecret[]): ReadonlyMap<Resource, RemoteSecret> {
  let index = secretIndexes.get(secrets);
  if (!index) {
    index = new Map(secrets.map((secret) => [secret.resource, secret]));
    secretIndexes.set(secrets, index);
  }
  return index;
}

/**
 * The model after an edit that may change model facts — a `meshID`, network, gateway, namespace label, remote
 * secret or cacerts — of a file the model reads from the file alone. When the edit leaves every other
 * resource's placement as it was (the assigner built from the new install configs places as the old one, and
 * the file's resources stay in the same clusters), only the clusters holding the file are rebuilt from their
 * resource lists; the other clusters, and the assignment of every other resource, are kept.
 */
function replaceFactsInMesh(mesh: MeshModel, before: WorkspaceFile, after: WorkspaceFile, settings: MeshSettings): MeshModel | undefined {
  const assigner = assignerOf(mesh);
  if (!assigner || mesh.hostedControlPlanes.length || !isSelfContainedFile(before) || !isSelfContainedFile(after)) return undefined;
  // An IstioOperator that may be shared by every cluster changes other files' installs (compose/layered.ts).
  if (mayBeSharedLayer(before) || mayBeSharedLayer(after)) return undefined;
  if (composedAmong(mesh).length || resourcesOfKind(mesh, ...CROSS_FILE_KINDS).length) return undefined;
  if (!holdsRun(mesh, before.resources)) return undefined;

  const installOf = (r: Resource) => installOfResource(r, [], settings);
  const oldInstalls = before.resources.flatMap((r) => installOf(r) ?? []);
  const newInstalls = after.resources.flatMap((r) => installOf(r) ?? []);
  if (partitionNames(oldInstalls) !== partitionNames(newInstalls)) return undefined;
  const installs = spliceRun(mesh.installs, oldInstalls, newInstalls);
  if (!installs || findHostedControlPlanes(installs, (install) => directiveClusters(install.resource)).size) return undefined;
  // This path is never taken for a mesh with Applications or Flux Kustomizations (CROSS_FILE_KINDS): no GitOps wrapper to read.
  const newAssigner = installs === mesh.installs ? assigner : new ClusterAssigner(settings.roots, settings.clusters, installs, []);
  if (newAssigner !== assigner && !newAssigner.placesAs(assigner)) return undefined;
  if (controlPlaneNamespaceOf(installs) !== mesh.controlPlaneNamespace) return undefined;

  const added = new Map(after.resources.map((r) => [r, newAssigner.assign(r, installOf(r))]));
  const oldAssignment = (r: Resource) => mesh.assignments.get(r)!;
  const assignment = (r: Resource) => added.get(r) ?? oldAssignment(r);
  const order = clusterOrder(before.resources, oldAssignment);
  if (order.join('\n') !== clusterOrder(after.resources, assignment).join('\n')) return undefined;

  const secretsByResource = secretsByResourceOf(mesh.remoteSecrets);
  const newSecrets = new Map(
    after.resources.flatMap((r) => {
      const secret = r.kind === 'Secret' ? readRemoteSecret(r, assignment(r)) : undefined;
      return secret ? [[r, secret] as const] : [];
    }),
  );
  const remoteSecrets = spliceRun(
    mesh.remoteSecrets,
    before.resources.flatMap((r) => secretsByResource.get(r) ?? []),
    [...newSecrets.values()],
  );
  if (!remoteSecrets) return undefined;

  const facts: ResourceFacts = {
    assignment,
    install: installOf,
    remoteSecret: (r) => newSecrets.get(r) ?? secretsByResource.get(r),
    cacerts: cacertsReader(assignment),
  };
  // The whole mesh's resources are only a lookup for Flux HelmReleases' values, which this path excludes.
  const clusters = swapClusterRuns(mesh, order, before.resources, after.resources, assignment, (name, _, resources) =>
    rebuildCluster(name, resources, facts, newAssigner, mesh.controlPlaneNamespace, []),
  );
  if (!clusters) return undefined;
  const derived = derivedModel(mesh, before.resources, after.resources, (resources) => ({
    clusters,
    installs,
    assignments: SwappedAssignments.of(mesh.assignments, before.resources, added, resources),
    remoteSecrets,
    ...summariseClusters(clusters, []),
    now: settings.now ?? new Date(),
  }));
  adoptAssigner(derived, newAssigner);
  const assigned = (a: Assignment) => a.clusters.length > 0;
  if (before.resources.every((r) => assigned(oldAssignment(r))) && after.resources.every((r) => assigned(assignment(r)))) inheritUnassigned(derived, mesh);
  return derived;
}

/** Files composition reads by their name: an overlay's kustomization, a chart's Chart.yaml. */
const COMPOSITION_FILE_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization', 'Chart.yaml']);

/**
 * A file that composition or a GitOps wrapper reads although it gives the model no resource of its own: an
 * ApplicationSet (its Applications are composed), a kustomization, a Chart.yaml. Typing in it may change the models
 * even while it holds no resource before and after (an ApplicationSet whose YAML becomes valid again).
 */
function feedsComposition(file: WorkspaceFile): boolean {
  if (COMPOSITION_FILE_NAMES.has(basename(file.path))) return true;
  return file.yaml.documents.some((doc) => isRecord(doc.value) && typeof doc.value.kind === 'string' && CROSS_FILE_KINDS.includes(doc.value.kind));
}

/**
 * True when the models are made from the resources of their files alone: then a file without resources (a new file
 * being typed, before its first `kind`) is no part of them. Composition and GitOps sources read other files
 * (patches, kind-less values files, substitutions), which may hold no resource themselves.
 */
function readsOnlyResources(meshes: readonly MeshModel[]): boolean {
  return meshes.every((mesh) => !composedAmong(mesh).length && !resourcesOfKind(mesh, ...CROSS_FILE_KINDS).length);
}

/**
 * The meshes `buildMeshes` would build after `before` is replaced by `after` (the same path), derived from
 * the previous ones without a rebuild; undefined when that cannot be done exactly and the caller must rebuild.
 * A file that contributes nothing but placement, on both sides of the edit, has its resources swapped in;
 * a file the model reads facts from (an install config, a namespace, a secret) has its clusters rebuilt; a file
 * without resources on both sides leaves the models as they are.
 * Untouched clusters keep their `Cluster` objects (and resource lists), so per-cluster caches stay valid for them.
 */
export function meshesWithFileReplaced(
  meshes: readonly MeshModel[],
  before: WorkspaceFile,
  after: WorkspaceFile,
  settings: MeshSettings,
): MeshModel[] | undefined {
  // Helm values settings turn kind-less documents into install sources; composition consumes files (then
  // their resources are not in the model, and the lookup below fails).
  if (settings.helmValues?.length || before.path !== after.path) return undefined;
  // Chart templates are placed by other files (release values files, the wrappers that install the chart).
  if (meshes.some((mesh) => assignerOf(mesh)?.charts.length)) return undefined;
  if (!before.resources.length)
    return after.resources.length || feedsComposition(before) || feedsComposition(after) || !readsOnlyResources(meshes) ? undefined : [...meshes];
  const at = meshes.findIndex((mesh) => mesh.assignments.has(before.resources[0]));
  if (at < 0) return undefined;
  const placedOnly = contributesOnlyPlacement(before) && contributesOnlyPlacement(after);
  const replaced =
    (placedOnly && replaceInMesh(meshes[at], before, after, settings.now ?? new Date())) || replaceFactsInMesh(meshes[at], before, after, settings);
  return replaced && meshes.map((mesh, i) => (i === at ? replaced : mesh));
}
