import { basename, dirname, join, sep } from 'node:path';

import { compositionUnitOf } from '../compose/composedDocument';
import { type Resource, scalarString } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';

/**
 * Helm charts of the workspace whose `templates/` hold resources, and what installs each: the resources a
 * template renders belong to the cluster(s) the chart is installed in, whatever folder the chart is kept in.
 */
export interface ChartOfTemplates {
  /** The chart's folder (the one with `Chart.yaml`). */
  folder: string;
  /** Release values files beside the chart's values (`values-cluster1.yaml`): one release each. */
  releaseValues: string[];
  /** Flux HelmReleases and Argo CD Applications that install the chart from its folder, and the values kustomize inflates it with. */
  installers: Resource[];
}

const CHART_FILE_NAMES = new Set(['Chart.yaml', 'Chart.yml']);
/** `values-cluster1.yaml`, `values.cluster1.yaml`, `values_prod.yaml`: one release's values (as umbrella.ts reads them). */
const RELEASE_VALUES = /^values[-_.].+\.ya?ml$/;
/** Sources a HelmRelease's chart path is a folder of (a HelmRepository's chart is a name, not a folder). */
const FOLDER_SOURCES = new Set(['GitRepository', 'Bucket', 'OCIRepository']);

/** The chart folder paths a GitOps wrapper installs from: Argo CD `source.path`/`sources[].path`, Flux `chart.spec.chart`. */
function installedChartPaths(resource: Resource): string[] {
  if (resource.kind === 'Application') {
    const sources = resource.list(['spec', 'sources']).map(({ item }) => scalarString(item.path));
    return [resource.string(['spec', 'source', 'path']), ...sources].filter((p): p is string => !!p);
  }
  if (resource.kind === 'HelmRelease') {
    const chart = resource.string(['spec', 'chart', 'spec', 'chart']);
    const source = resource.string(['spec', 'chart', 'spec', 'sourceRef', 'kind']);
    return chart && source && FOLDER_SOURCES.has(source) ? [chart] : [];
  }
  return [];
}

/** `./charts/gw/` → `charts/gw`, in the platform's separators. */
function normalised(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '').split('/').join(sep);
}

/** Whether a chart folder is the one a repository path names: under a root, or (a repository opened higher up) at its end. */
function namesFolder(path: string, folder: string, roots: readonly string[]): boolean {
  const wanted = normalised(path);
  if (!wanted || wanted === '.') return roots.includes(folder);
  return roots.some((root) => join(root, wanted) === folder) || folder.endsWith(sep + wanted);
}

/** The charts whose templates hold resources, with their release values files and the wrappers that install them. */
export function chartsOfTemplates(files: readonly WorkspaceFile[], roots: readonly string[]): ChartOfTemplates[] {
  const folders = files.filter((f) => CHART_FILE_NAMES.has(basename(f.path))).map((f) => dirname(f.path));
  const withTemplates = folders.filter((folder) => files.some((f) => f.resources.length && f.path.startsWith(join(folder, 'templates') + sep)));
  if (withTemplates.length === 0) return [];
  const resources = files.flatMap((f) => f.resources);
  const wrappers = resources.filter((r) => r.kind === 'Application' || r.kind === 'HelmRelease');
  // A kustomize overlay's `helmCharts` entry of a chart in `helmGlobals.chartHome`: its values are the overlay's cluster's.
  const inflated = resources.filter((r) => compositionUnitOf(r)?.chartFolder);
  return withTemplates.map((folder) => ({
    folder,
    releaseValues: files.filter((f) => dirname(f.path) === folder && RELEASE_VALUES.test(basename(f.path))).map((f) => f.path),
    installers: [
      ...wrappers.filter((w) => installedChartPaths(w).some((path) => namesFolder(path, folder, roots))),
      ...inflated.filter((r) => compositionUnitOf(r)!.chartFolder === folder),
    ],
  }));
}

/** The chart whose `templates/` a file is in (the innermost, for a chart kept inside another's folder). */
export function chartOfTemplate(charts: readonly ChartOfTemplates[], file: string): ChartOfTemplates | undefined {
  return charts.filter((chart) => file.startsWith(join(chart.folder, 'templates') + sep)).sort((a, b) => b.folder.length - a.folder.length)[0];
}
