import type { WorkspaceFile } from '../engine/workspace';
import { readGatewayService } from '../resources/installSources';
import type { Resource } from '../resources/resource';
import type { Assignment } from './assignment';
import { carrySelections } from './selection';
import { assignerOf, inheritAssigner, inheritUnassigned, type Cluster, type MeshModel, type MeshSettings } from './model';

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
    private readonly order: readonly Resource[],
  ) {}

  /** Layers do not nest: the result always sits directly on the built map, so lookups stay O(1). */
  static of(previous: ReadonlyMap<Resource, Assignment>, swappedOut: readonly Resource[], swappedIn: ReadonlyMap<Resource, Assignment>, order: readonly Resource[]): SwappedAssignments {
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
    return this.order.length;
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

/** Cluster names in the order the file's resources first name them (the order `buildMesh` creates clusters in). */
function clusterOrder(resources: readonly Resource[], assignmentOf: (r: Resource) => Assignment): string[] {
  return [...new Set(resources.flatMap((r) => assignmentOf(r).clusters))];
}

/**
 * `list` with its run of `removed` resources replaced by `replacement`, and the run it replaced. The run is
 * contiguous because a cluster's resources follow the mesh's file order. Undefined when there is no run (the
 * position of new resources would be unknown) or the list would become empty (the cluster would disappear).
 */
function replaceRun(list: readonly Resource[], removed: ReadonlySet<Resource>, replacement: readonly Resource[]): { replaced: Resource[]; run: Resource[] } | undefined {
  const start = list.findIndex((r) => removed.has(r));
  if (start < 0) return undefined;
  let end = start;
  while (end < list.length && removed.has(list[end])) end++;
  for (let i = end; i < list.length; i++) if (removed.has(list[i])) return undefined;
  const replaced = [...list.slice(0, start), ...replacement, ...list.slice(end)];
  return replaced.length ? { replaced, run: list.slice(start, end) } : undefined;
}

function replaceInMesh(mesh: MeshModel, before: WorkspaceFile, after: WorkspaceFile, now: Date): MeshModel | undefined {
  const assigner = assignerOf(mesh);
  const start = mesh.resources.indexOf(before.resources[0]);
  if (!assigner || start < 0 || before.resources.some((r, i) => mesh.resources[start + i] !== r)) return undefined;
  // Placed-only resources carry no install config: the assigner places them by directive, setting, folder or file name.
  const added = new Map(after.resources.map((r) => [r, assigner.assign(r)]));
  const oldAssignment = (r: Resource) => mesh.assignments.get(r)!;
  const newAssignment = (r: Resource) => added.get(r)!;
  const order = clusterOrder(before.resources, oldAssignment);
  if (order.join('\n') !== clusterOrder(after.resources, newAssignment).join('\n')) return undefined;

  const removed = new Set(before.resources);
  const clusters = new Map(mesh.clusters);
  for (const name of order) {
    const cluster = mesh.clusters.get(name);
    const replacement = after.resources.flatMap((r) => newAssignment(r).clusters.filter((c) => c === name).map(() => r));
    const swap = cluster && replaceRun(cluster.resources, removed, replacement);
    if (!swap) return undefined;
    carrySelections(cluster.resources, swap.replaced, swap.run, replacement);
    const replaced: Cluster = { ...cluster, resources: swap.replaced };
    clusters.set(name, replaced);
  }
  const resources = mesh.resources.slice();
  resources.splice(start, before.resources.length, ...after.resources);
  carrySelections(mesh.resources, resources, before.resources, after.resources);
  const assignments = SwappedAssignments.of(mesh.assignments, before.resources, added, resources);
  const derived: MeshModel = { ...mesh, clusters, resources, assignments, now };
  inheritAssigner(derived, mesh);
  const assigned = (assignment: Assignment) => assignment.clusters.length > 0;
  if (before.resources.every((r) => assigned(oldAssignment(r))) && after.resources.every((r) => assigned(newAssignment(r)))) inheritUnassigned(derived, mesh);
  return derived;
}

/**
 * The meshes `buildMeshes` would build after `before` is replaced by `after` (the same path), derived from
 * the previous ones without a rebuild; undefined when that cannot be done exactly and the caller must rebuild.
 * Only files that contribute nothing but placement qualify, on both sides of the edit; untouched clusters keep
 * their `Cluster` objects (and resource lists), so per-cluster caches stay valid for them.
 */
export function meshesWithFileReplaced(meshes: readonly MeshModel[], before: WorkspaceFile, after: WorkspaceFile, settings: MeshSettings): MeshModel[] | undefined {
  // Helm values settings turn kind-less documents into install sources; composition consumes files (then
  // their resources are not in the model, and the lookup below fails).
  if (settings.helmValues?.length || !before.resources.length || before.path !== after.path) return undefined;
  if (!contributesOnlyPlacement(before) || !contributesOnlyPlacement(after)) return undefined;
  const at = meshes.findIndex((mesh) => mesh.assignments.has(before.resources[0]));
  if (at < 0) return undefined;
  const replaced = replaceInMesh(meshes[at], before, after, settings.now ?? new Date());
  return replaced && meshes.map((mesh, i) => (i === at ? replaced : mesh));
}
