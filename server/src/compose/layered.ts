import { basename, dirname, relative, sep } from 'node:path';

import { fileNameMentions } from '../mesh/assignment';
import type { YamlDocument } from '../parse/yamlFile';
import { clusterNameOf, type InstallConfig } from '../resources/installConfig';
import { HELM_VALUES_KIND, readInstallSource } from '../resources/installSources';
import { recogniseHelmValues, recogniseResource } from '../resources/kinds';
import type { Located, Resource } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { ComposedYamlDocument, type CompositionUnit, compositionUnitOf } from './composedDocument';
import { strategicMerge } from './patch';
import { nodeOf, type ValueNode } from './tree';

/**
 * Layered installs: `helm install -f common.yaml -f cluster1.yaml` and `istioctl install -f base.yaml -f
 * cluster1.yaml`. A control plane values file (or IstioOperator) that names no cluster, shared by the
 * per-cluster files beside it, is not an install of its own: each per-cluster file is one install, of its
 * cluster, with the shared file's values under its own (maps merged key by key, `null` deleting a key, lists
 * replaced, as Helm merges `-f` files and istioctl overlays IstioOperators).
 *
 * Precision first, the shared file must say it is one: its name (`common.yaml`, `istiod-defaults.yaml`,
 * `values.yaml`) or its folder's (`common/istiod.yaml`, beside `cluster1/istiod.yaml`), the
 * `# istio-mesh: layer=shared` comment, or the `istioMesh.helmValues` setting (`"layer": "shared"`). It is
 * layered under every file in its folder (for a shared folder, the folder above) and below that installs
 * the same chart (or is an IstioOperator, beside an IstioOperator) and names its cluster itself. Two shared
 * files of one folder are no layering (their order is unknown); a file with a `cluster=` comment is that
 * cluster's.
 */

/** Names (a file name's stem or one of its tokens, or a folder's name) that say a file is shared by every cluster. */
const SHARED_NAMES = new Set(['common', 'shared', 'base', 'default', 'defaults', 'global']);
/** `values.yaml` beside `values-cluster1.yaml`: the whole stem only (a token `values` is every values file). */
const SHARED_STEMS = new Set([...SHARED_NAMES, 'values']);
export const LAYER_DIRECTIVE = 'layer';
const SHARED_LAYER = 'shared';

/** What the layering needs to know from the settings, as the mesh model decides it. */
export interface LayeringSettings {
  /** The chart a Helm values resource is for (its directive, the `istioMesh.helmValues` setting, else its content). */
  chartOf(resource: Resource): Located<string> | undefined;
  /** Whether the `istioMesh.helmValues` setting marks the file as a shared layer. */
  sharedBySetting(path: string): boolean;
}

/** A control plane install read from one resource, with the family of files it may be layered with. */
interface Candidate {
  resource: Resource;
  file: WorkspaceFile;
  /** `IstioOperator`, or `helm:<chart>` for Helm values. */
  family: string;
  chart?: Located<string>;
  install: InstallConfig;
}

interface SharedLayer extends Candidate {
  /** The folder whose files (at any depth) it is layered under. */
  scope: string;
}

function stemOf(path: string): string {
  return basename(path)
    .replace(/\.ya?ml$/i, '')
    .toLowerCase();
}

function layerDirective(doc: YamlDocument): string | undefined {
  return doc.directives.get(LAYER_DIRECTIVE) ?? doc.file.headerDirectives.get(LAYER_DIRECTIVE);
}

/** Whether a file's own name or folder says it is shared: cheap, from its path and directives only. */
function sharedByName(path: string): boolean {
  const stem = stemOf(path);
  return SHARED_STEMS.has(stem) || stem.split(/[-_.]/).some((token) => SHARED_NAMES.has(token)) || SHARED_NAMES.has(basename(dirname(path)).toLowerCase());
}

/**
 * Whether an edit of the file may change the layering without changing any install's cluster name (which
 * the incremental model compares itself): a file whose name or comment makes it a possible shared layer.
 */
export function mayBeSharedLayer(file: WorkspaceFile): boolean {
  return (
    file.resources.some((r) => r.kind === 'IstioOperator' || r.kind === HELM_VALUES_KIND) &&
    (sharedByName(file.path) || file.yaml.documents.some((d) => layerDirective(d) !== undefined))
  );
}

function candidateOf(resource: Resource, file: WorkspaceFile, settings: LayeringSettings): Candidate | undefined {
  if (compositionUnitOf(resource)) return undefined;
  let chart: Located<string> | undefined;
  if (resource.kind === HELM_VALUES_KIND) {
    chart = settings.chartOf(resource);
    if (chart?.value !== 'istiod') return undefined;
  } else if (resource.kind !== 'IstioOperator') {
    return undefined;
  }
  const install = readInstallSource(resource, [], chart);
  if (!install?.installsControlPlane) return undefined;
  return { resource, file, family: chart ? `helm:${chart.value}` : resource.kind, chart, install };
}

/** No cluster identity written at all (a placeholder or an injection path is one: such a file is a template of one cluster). */
function namesNoCluster(candidate: Candidate): boolean {
  const { install, resource } = candidate;
  return (
    !install.clusterName?.value &&
    !install.pilotEnv.has('CLUSTER_ID') &&
    !install.injectionPath &&
    !install.injectionURL &&
    !resource.doc.directives.has('cluster') &&
    !resource.doc.file.headerDirectives.has('cluster')
  );
}

/** The folder a shared file is layered under, when it says it is shared; undefined otherwise. */
function sharedScope(candidate: Candidate, settings: LayeringSettings, clusterNames: readonly string[]): string | undefined {
  const path = candidate.file.path;
  const directive = layerDirective(candidate.resource.doc);
  if (directive !== undefined && directive !== SHARED_LAYER) return undefined;
  // A file named after a cluster is that cluster's, whatever else its name says.
  if (clusterNames.some((name) => fileNameMentions(basename(path), name))) return undefined;
  const folder = dirname(path);
  if (SHARED_NAMES.has(basename(folder).toLowerCase())) return dirname(folder);
  return directive === SHARED_LAYER || settings.sharedBySetting(path) || sharedByName(path) ? folder : undefined;
}

function isUnder(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** The shared layers of the workspace, by family; those of a folder that holds two of one family are dropped. */
function sharedLayers(candidates: readonly Candidate[], settings: LayeringSettings, clusterNames: readonly string[]): SharedLayer[] {
  const layers = candidates.flatMap((c) => {
    const scope = namesNoCluster(c) ? sharedScope(c, settings, clusterNames) : undefined;
    return scope ? [{ ...c, scope }] : [];
  });
  return layers.filter((layer) => !layers.some((other) => other !== layer && other.family === layer.family && other.scope === layer.scope));
}

/** `helm install -f common.yaml -f cluster1.yaml`, paths relative to the outermost layer's folder. */
function layeringLabel(layers: readonly SharedLayer[], own: Candidate): string {
  const command = own.family === 'IstioOperator' ? 'istioctl install' : 'helm install';
  const files = [...layers.map((l) => l.file.path), own.file.path].map((path) => relative(layers[0].scope, path));
  return `${command} ${files.map((f) => `-f ${f}`).join(' ')}`;
}

/**
 * The merged tree with every map the per-cluster file writes located there, so what is about the install as
 * a whole (its root, a missing key under `global`) points at the per-cluster file; values stay where written.
 */
function locatedInOwn(merged: ValueNode, own: ValueNode): ValueNode {
  if (merged.kind !== 'map' || own.kind !== 'map') return merged;
  const entries = new Map(
    [...merged.entries].map(([key, child]) => {
      const ownChild = own.entries.get(key);
      return [key, ownChild ? locatedInOwn(child, ownChild) : child];
    }),
  );
  return { ...merged, entries, origin: own.origin };
}

function layeredResource(layers: readonly SharedLayer[], own: Candidate): Resource | undefined {
  const kind = own.family === 'IstioOperator' ? 'IstioOperator' : 'helm values';
  const ownNode = nodeOf(own.resource.doc.value, own.resource.doc);
  let tree: ValueNode | undefined;
  for (const layer of [...layers.map((l) => nodeOf(l.resource.doc.value, l.resource.doc)), ownNode])
    tree = tree ? (strategicMerge(kind, [], tree, layer) ?? layer) : layer;
  const unit: CompositionUnit = {
    kind: 'layered',
    folder: own.file.path,
    document: own.resource.doc,
    path: [],
    label: layeringLabel(layers, own),
    chart: own.chart,
  };
  const doc = new ComposedYamlDocument(own.resource.doc, locatedInOwn(tree!, ownNode), unit);
  return own.family === 'IstioOperator' ? recogniseResource(doc) : recogniseHelmValues(doc, true);
}

/**
 * The files with every per-cluster install that shared files are layered under replaced by its merged
 * install, and the shared files' installs taken out (they reach a cluster only through the per-cluster files).
 * A shared file with no per-cluster file under it is left as it is.
 */
export function withLayeredInstalls(files: readonly WorkspaceFile[], settings: LayeringSettings): readonly WorkspaceFile[] {
  const candidates = files.flatMap((file) => file.resources.flatMap((resource) => candidateOf(resource, file, settings) ?? []));
  const named = candidates.filter((c) => clusterNameOf(c.install) !== undefined);
  if (named.length === 0 || named.length === candidates.length) return files;
  const clusterNames = [...new Set(named.map((c) => clusterNameOf(c.install)!))];
  const layers = sharedLayers(candidates, settings, clusterNames);
  if (layers.length === 0) return files;
  const replaced = new Map<Resource, Resource | undefined>();
  for (const own of named) {
    const under = layers
      .filter((l) => l.family === own.family && l.file !== own.file && isUnder(own.file.path, l.scope))
      .sort((a, b) => a.scope.length - b.scope.length);
    if (under.length === 0) continue;
    replaced.set(own.resource, layeredResource(under, own));
    for (const layer of under) replaced.set(layer.resource, undefined);
  }
  if (replaced.size === 0) return files;
  return files.map((file) => {
    if (!file.resources.some((r) => replaced.has(r))) return file;
    return { ...file, resources: file.resources.flatMap((r) => (replaced.has(r) ? (replaced.get(r) ?? []) : [r])) };
  });
}
