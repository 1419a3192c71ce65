import { join, resolve } from 'node:path';

import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { istioChartName } from '../resources/installSources';
import { isRecord, Located, scalarString, valueAt } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { type FileLookup, findKustomization, isKustomizationFile, isRemote, kustomizationDocument, stringEntries } from './kustomize';
import { strategicMerge } from './patch';
import { nodeOf, type ValueNode } from './tree';
import { CHART_FILE_NAMES, chartDocument, DEFAULT_VALUES_NAMES, dependencyValues, isEnabled, meshDependencies } from './umbrella';

/**
 * Kustomize `helmCharts` entries for Istio's charts, read as Helm installs. The chart is not rendered (that
 * needs helm): as for a plain values file, the install config comes from the values, composed as kustomize's
 * HelmChartInflationGenerator hands them to `helm template`:
 *   1. `valuesFile` and `valuesInline` are merged into one file, by `valuesMerge`: `override` (the default)
 *      lays the inline values over the file, `merge` lays the file over the inline values, `replace` uses the
 *      inline values alone (a `valuesFile` is then not read);
 *   2. that file is the first `-f`, each of `additionalValuesFiles` (in order) a later `-f`, so those win over
 *      both. Helm layers `-f` files with maps merged key by key, `null` deleting a key and lists replaced.
 * Files are found relative to the kustomization that holds the entry. A chart of a base is inflated into
 * every overlay that includes the base, and the outermost kustomization's `namespace` wins over the entry's
 * own (kustomize's namespace transformer runs over generated objects too).
 */

/** Merged as Helm merges `-f` layers: no list of a values file has a merge key. */
const HELM_VALUES_MERGE_KIND = 'kustomize helm values';
const VALUES_MERGE_OPTIONS = ['override', 'merge', 'replace'] as const;
type ValuesMerge = (typeof VALUES_MERGE_OPTIONS)[number];

/** One Istio chart inflated by a kustomize build, with its values as they will be passed to helm. */
export interface KustomizeHelmChart {
  /** The chart (`istiod`), located at the entry's `name`. */
  chart: Located<string>;
  version?: Located<string>;
  /** `releaseName`; without it kustomize passes `--generate-name`, so the release has no name to rely on. */
  releaseName?: string;
  namespace?: string;
  /** The composed values, each located where it was written. */
  values: ValueNode;
  /** The document hovers show the composed values on: the `valuesFile`, else the kustomization. */
  base: YamlDocument;
  /** Where the values are in `base` when it is the kustomization (`helmCharts[i].valuesInline`). */
  basePrefix?: ValuePath;
  /** Where the root kustomization brings the chart in: its own `helmCharts` entry's `name`, else the `resources` entry. */
  entry: ValuePath;
  /** The chart's folder, when the chart is in the workspace (its templates render in the overlay's cluster). */
  chartFolder?: string;
  /** The values files read (absolute paths), a local chart's own included: their objects reach a cluster only through the chart. */
  valuesFiles: string[];
}

/** The mapping a values file holds (its first document that is one). */
function valuesDocument(folder: string, path: unknown, lookup: FileLookup): YamlDocument | undefined {
  if (typeof path !== 'string' || !path || isRemote(path)) return undefined;
  return lookup(resolve(folder, path))?.yaml.documents.find((d) => isRecord(d.value));
}

function valuesMergeOf(entry: Record<string, unknown>): ValuesMerge {
  const option = scalarString(entry.valuesMerge);
  return (VALUES_MERGE_OPTIONS as readonly string[]).includes(option ?? '') ? (option as ValuesMerge) : 'override';
}

/** Lays `layer` over `values` as Helm lays a later `-f` file over an earlier one. */
function layered(values: ValueNode | undefined, layer: ValueNode): ValueNode {
  return (values && strategicMerge(HELM_VALUES_MERGE_KIND, [], values, layer)) ?? layer;
}

/** The values an entry passes to helm, in kustomize's order (see the module comment), and the files read. */
export function composeHelmChartValues(
  doc: YamlDocument,
  folder: string,
  index: number,
  lookup: FileLookup,
): { values: ValueNode; valuesFile?: YamlDocument; valuesFiles: string[] } {
  const at: ValuePath = ['helmCharts', index];
  const entry = valueAt(doc.value, at);
  if (!isRecord(entry)) return { values: nodeOf({}, doc, at), valuesFiles: [] };
  const merge = valuesMergeOf(entry);
  const inline =
    isRecord(entry.valuesInline) && Object.keys(entry.valuesInline).length > 0 ? nodeOf(entry.valuesInline, doc, [...at, 'valuesInline']) : undefined;
  // kustomize reads the valuesFile only when inline values do not replace it.
  const valuesFile = inline && merge === 'replace' ? undefined : valuesDocument(folder, entry.valuesFile, lookup);
  const fileLayer = valuesFile && nodeOf(valuesFile.value, valuesFile);
  let values = fileLayer;
  if (inline) values = !fileLayer ? inline : merge === 'merge' ? layered(inline, fileLayer) : layered(fileLayer, inline);
  const additional = Array.isArray(entry.additionalValuesFiles) ? entry.additionalValuesFiles : [];
  const additionalDocs = additional.flatMap((path) => {
    const additionalDoc = valuesDocument(folder, path, lookup);
    return additionalDoc ? [additionalDoc] : [];
  });
  for (const additionalDoc of additionalDocs) values = layered(values, nodeOf(additionalDoc.value, additionalDoc));
  const valuesFiles = [valuesFile, ...additionalDocs].flatMap((d) => (d ? [d.file.file] : []));
  return { values: values ?? nodeOf({}, doc, at), valuesFile, valuesFiles };
}

/**
 * The Istio charts a kustomization folder inflates, its bases' and components' included. `entry` is where
 * the root kustomization brings a base in; `outerNamespace` the namespace an including kustomization sets.
 */
/**
 * A chart of the workspace that an entry names: `<helmGlobals.chartHome>/<name>` (kustomize's default chart
 * home is `charts`), with its `Chart.yaml` and its own `values.yaml`, the defaults under every values file.
 */
interface LocalChart {
  folder: string;
  chartFile?: WorkspaceFile;
  defaults?: YamlDocument;
}

function localChart(doc: YamlDocument, folder: string, name: string, lookup: FileLookup): LocalChart {
  const home = resolve(folder, scalarString(valueAt(doc.value, ['helmGlobals', 'chartHome'])) || 'charts');
  const chartFolder = join(home, name);
  const chartFile = CHART_FILE_NAMES.map((n) => lookup(join(chartFolder, n))).find((f) => f);
  const defaults = DEFAULT_VALUES_NAMES.map((n) => lookup(join(chartFolder, n)))
    .find((f) => f)
    ?.yaml.documents.find((d) => isRecord(d.value));
  return { folder: chartFolder, chartFile, defaults };
}

/** The entries of one kustomization, each Istio chart (or Istio dependency of a local umbrella chart) one install. */
function ownHelmCharts(
  doc: YamlDocument,
  folder: string,
  lookup: FileLookup,
  entry: ValuePath | undefined,
  namespace: string | undefined,
): KustomizeHelmChart[] {
  const list = valueAt(doc.value, ['helmCharts']);
  return (Array.isArray(list) ? list : []).flatMap((item, index): KustomizeHelmChart[] => {
    const name = isRecord(item) ? scalarString(item.name) : undefined;
    if (!isRecord(item) || !name) return [];
    const local = localChart(doc, folder, name, lookup);
    const chartDoc = local.chartFile && chartDocument(local.chartFile);
    const dependencies = chartDoc ? meshDependencies(chartDoc) : [];
    if (!istioChartName(name) && dependencies.length === 0) return [];
    const at = ['helmCharts', index];
    const composed = composeHelmChartValues(doc, folder, index, lookup);
    // Helm puts a chart's own values.yaml under every values file it is given.
    const values = local.defaults ? layered(nodeOf(local.defaults.value, local.defaults), composed.values) : composed.values;
    const valuesFiles = [...composed.valuesFiles, ...[local.chartFile?.path, local.defaults?.file.file].flatMap((path) => (path ? [path] : []))];
    const base = composed.valuesFile ?? local.defaults ?? doc;
    const basePrefix = composed.valuesFile || local.defaults ? [] : [...at, 'valuesInline'];
    const release = {
      chartFolder: local.chartFile ? local.folder : undefined,
      version: scalarString(item.version) ? new Located(scalarString(item.version)!, doc, [...at, 'version']) : undefined,
      releaseName: scalarString(item.releaseName) || undefined,
      namespace: namespace ?? (scalarString(item.namespace) || undefined),
      base,
      entry: entry ?? [...at, 'name'],
      valuesFiles,
    };
    if (istioChartName(name))
      return [{ ...release, chart: new Located(name, doc, [...at, 'name']), values, basePrefix: basePrefix.length ? basePrefix : undefined }];
    // A local umbrella chart: each Istio dependency is an install with the values under its alias (a
    // subchart's objects are named after the umbrella's release, so that name says nothing about them).
    return dependencies
      .filter((d) => isEnabled(values, d))
      .map((dependency) => ({
        ...release,
        releaseName: undefined,
        version: dependency.version,
        chart: dependency.chart,
        values: dependencyValues(values, dependency),
        basePrefix: [...basePrefix, dependency.key],
      }));
  });
}

export function kustomizeHelmCharts(
  folder: string,
  lookup: FileLookup,
  entry?: ValuePath,
  outerNamespace?: string,
  visiting: readonly string[] = [],
): KustomizeHelmChart[] {
  const file = findKustomization(folder, lookup);
  const doc = file && kustomizationDocument(file);
  if (!doc || visiting.includes(folder)) return [];
  const inside = [...visiting, folder];
  const namespace = outerNamespace ?? (scalarString(valueAt(doc.value, ['namespace'])) || undefined);
  const own = ownHelmCharts(doc, folder, lookup, entry, namespace);
  const included = [...stringEntries(doc, 'resources'), ...stringEntries(doc, 'components')].flatMap((included) => {
    if (isRemote(included.value)) return [];
    const path = resolve(folder, included.value);
    // A file resource holds objects, not a kustomization.
    if (lookup(path) && !isKustomizationFile(path)) return [];
    return kustomizeHelmCharts(path, lookup, entry ?? included.path, namespace, inside);
  });
  return [...own, ...included];
}
