import { dirname } from 'node:path';

import { recogniseHelmValues, recogniseResource } from '../resources/kinds';
import type { Resource } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { withApplicationSets } from './applicationSet';
import { ComposedYamlDocument, type CompositionUnit } from './composedDocument';
import { withFluxKustomizations } from './flux';
import { buildKustomization, type FileLookup, filesRead, isKustomizationFile, kustomizationDocument, referencedPaths } from './kustomize';
import { kustomizeHelmCharts } from './kustomizeHelm';
import { withUmbrellaCharts } from './umbrella';

export { ComposedYamlDocument, type CompositionUnit, compositionUnitOf } from './composedDocument';

/** One root kustomization's build: the resources it applies and the files it read. */
interface UnitBuild {
  /** Every file looked up while building, with what was found (undefined: absent), to tell when it is stale. */
  inputs: Map<string, WorkspaceFile | undefined>;
  resources: Resource[];
  /** Files whose objects reach the cluster only through this unit (bases, patches). */
  consumed: string[];
}

/**
 * Builds are kept per kustomization file version and reused while every file they read is the same
 * `WorkspaceFile` object, so a keystroke in an unrelated file recomposes nothing and one in a base
 * recomposes only the overlays that read it.
 */
const buildCache = new WeakMap<WorkspaceFile, UnitBuild>();

function recordingLookup(files: ReadonlyMap<string, WorkspaceFile>): { lookup: FileLookup; inputs: Map<string, WorkspaceFile | undefined> } {
  const inputs = new Map<string, WorkspaceFile | undefined>();
  const lookup = (path: string) => {
    const file = files.get(path);
    inputs.set(path, file);
    return file;
  };
  return { lookup, inputs };
}

function isCurrent(build: UnitBuild, files: ReadonlyMap<string, WorkspaceFile>): boolean {
  for (const [path, file] of build.inputs) if (files.get(path) !== file) return false;
  return true;
}

function buildUnit(kustomization: WorkspaceFile, files: ReadonlyMap<string, WorkspaceFile>): UnitBuild {
  const cached = buildCache.get(kustomization);
  if (cached && isCurrent(cached, files)) return cached;
  const folder = dirname(kustomization.path);
  const { lookup, inputs } = recordingLookup(files);
  const document = kustomizationDocument(kustomization)!;
  const resources = buildKustomization(folder, lookup).flatMap((object) => {
    const unit: CompositionUnit = { kind: 'kustomize', folder, document, path: object.entry };
    const resource = recogniseResource(new ComposedYamlDocument(object.base, object.tree, unit));
    return resource ? [resource] : [];
  });
  // Istio charts of `helmCharts` are Helm installs of the overlay's cluster, read from their values.
  const charts = kustomizeHelmCharts(folder, lookup);
  for (const chart of charts) {
    const unit: CompositionUnit = {
      kind: 'kustomize',
      folder,
      document,
      path: chart.entry,
      basePrefix: chart.basePrefix,
      chart: chart.chart,
      chartFolder: chart.chartFolder,
      helmRelease: { name: chart.releaseName, namespace: chart.namespace, version: chart.version },
    };
    const resource = recogniseHelmValues(new ComposedYamlDocument(chart.base, chart.values, unit), true);
    if (resource) resources.push(resource);
  }
  const valuesFiles = charts.flatMap((chart) => chart.valuesFiles);
  const consumed = [...filesRead(folder, lookup), ...valuesFiles].filter((path) => path !== kustomization.path);
  const build = { inputs, resources, consumed };
  buildCache.set(kustomization, build);
  return build;
}

/** Kustomizations that no other kustomization of the workspace includes: each is what gets applied to a cluster. */
export function rootKustomizations(files: readonly WorkspaceFile[]): WorkspaceFile[] {
  const kustomizations = files.filter((f) => isKustomizationFile(f.path) && kustomizationDocument(f));
  const included = new Set(kustomizations.flatMap(referencedPaths));
  return kustomizations.filter((f) => !included.has(dirname(f.path)));
}

/**
 * The workspace's files as the mesh model should see them: a kustomization that is applied on its own (an
 * overlay) carries the composed resources it builds, and the files it builds them from (bases, patches)
 * carry none, since their objects reach a cluster only as composed. Files no kustomization reads are kept
 * as they are. A pure function of the files.
 */
export function composeWorkspace(workspaceFiles: readonly WorkspaceFile[]): WorkspaceFile[] {
  const flux = withFluxKustomizations(withUmbrellaCharts(withApplicationSets(workspaceFiles)));
  const files = flux.files;
  // A kustomization under a Flux path is built (and substituted) by its Flux Kustomization, not applied alone.
  const roots = rootKustomizations(files).filter((root) => !flux.consumed.has(root.path));
  if (roots.length === 0) return files;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const composed = new Map<string, Resource[]>();
  const consumed = new Set<string>();
  for (const root of roots) {
    const build = buildUnit(root, byPath);
    composed.set(root.path, build.resources);
    for (const path of build.consumed) consumed.add(path);
  }
  return files.map((file) => {
    const resources = composed.get(file.path);
    if (resources) return { ...file, resources };
    return consumed.has(file.path) ? { ...file, resources: [] } : file;
  });
}
