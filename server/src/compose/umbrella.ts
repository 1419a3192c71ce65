import { basename, dirname, join } from 'node:path';

import type { ValuePath, YamlDocument } from '../parse/yamlFile';
import { trustChartName } from '../resources/certManager';
import { istioChartName } from '../resources/installSources';
import { recogniseHelmValues } from '../resources/kinds';
import { isRecord, Located, type Resource, scalarString, valueAt } from '../resources/resource';
import type { WorkspaceFile } from '../resources/workspaceFile';
import { ComposedYamlDocument, type CompositionUnit } from './composedDocument';
import { strategicMerge } from './patch';
import { childOf, nodeOf, type ValueNode } from './tree';

/**
 * Helm umbrella charts: a `Chart.yaml` whose `dependencies` are Istio's charts, installed with its
 * `values.yaml`. The values under a dependency's alias (else its name) are that chart's values, with the
 * umbrella's `global` copied into each (the umbrella's global wins, as in Helm). The same chart may be a
 * dependency twice under two aliases (an ingress and an east-west gateway). A `values-<cluster>.yaml` beside
 * `values.yaml` is one release of the chart (`helm install -f values-cluster1.yaml`), layered over it.
 */

export const CHART_FILE_NAMES = ['Chart.yaml', 'Chart.yml'];
export const DEFAULT_VALUES_NAMES = ['values.yaml', 'values.yml'];
/** `values-cluster1.yaml`, `values.cluster1.yaml`, `values_prod.yaml`: one release's values. */
const RELEASE_VALUES = /^values[-_.].+\.ya?ml$/;
/** The pseudo-kind the values reader keys on. */
const VALUES_KIND = 'umbrella values';

export interface Dependency {
  /** The chart (`istiod`), located at the dependency's `name`. */
  chart: Located<string>;
  /** Where its values are in the umbrella's values: the alias, else the name. */
  key: string;
  path: ValuePath;
  /** `condition: istiod.enabled`: the values paths that may switch it off, first set one wins. */
  conditions: string[][];
  /** The chart version the dependency pins. */
  version?: Located<string>;
}

/** The document of a `Chart.yaml` that lists dependencies. */
export function chartDocument(file: WorkspaceFile): YamlDocument | undefined {
  if (!CHART_FILE_NAMES.includes(basename(file.path))) return undefined;
  const doc = file.yaml.documents.find((d) => isRecord(d.value));
  return doc && Array.isArray(valueAt(doc.value, ['dependencies'])) ? doc : undefined;
}

/** The dependencies of a chart that Istio Mesh reads: Istio's charts, and the trust charts (istio-csr, SPIRE). */
export function meshDependencies(chart: YamlDocument): Dependency[] {
  const list = valueAt(chart.value, ['dependencies']) as unknown[];
  return list.flatMap((entry, index) => {
    const name = isRecord(entry) ? scalarString(entry.name) : undefined;
    if (!isRecord(entry) || !name || (!istioChartName(name) && !trustChartName(name))) return [];
    const path = ['dependencies', index];
    const condition = scalarString(entry.condition) ?? '';
    return [
      {
        chart: new Located(name, chart, [...path, 'name']),
        key: scalarString(entry.alias) ?? name,
        path,
        conditions: condition
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
          .map((c) => c.split('.')),
        version: scalarString(entry.version) ? new Located(scalarString(entry.version)!, chart, [...path, 'version']) : undefined,
      },
    ];
  });
}

/** A dependency is installed unless the first of its `condition` paths that is set is false (Helm's rule). */
export function isEnabled(values: ValueNode, dependency: Dependency): boolean {
  for (const condition of dependency.conditions) {
    let node: ValueNode | undefined = values;
    for (const segment of condition) node = childOf(node, segment);
    if (node?.kind === 'scalar' && typeof node.value === 'boolean') return node.value;
  }
  return true;
}

function mapOf(doc: YamlDocument | undefined): ValueNode | undefined {
  return doc && isRecord(doc.value) ? nodeOf(doc.value, doc) : undefined;
}

/** One installation of the umbrella chart: its merged values and the document that makes it one release. */
interface Release {
  values: ValueNode;
  /** The values file's first document (a release file), else the Chart.yaml: named in related information. */
  unitDocument: YamlDocument;
  /** A key standing for the release's cluster (the release values file, else the chart folder). */
  key: string;
  label: string;
  /** The file the composed resources are listed in. */
  carrier: WorkspaceFile;
  /** The document the composed values stand for (hovers on it show each release's values): values.yaml. */
  base: YamlDocument;
}

function releasesOf(chartFile: WorkspaceFile, chart: YamlDocument, files: ReadonlyMap<string, WorkspaceFile>): { releases: Release[]; consumed: string[] } {
  const folder = dirname(chartFile.path);
  const chartName = scalarString(valueAt(chart.value, ['name'])) ?? basename(folder);
  const defaults = DEFAULT_VALUES_NAMES.map((name) => files.get(join(folder, name))).find((f) => f);
  const defaultsDoc = defaults?.yaml.documents.find((d) => isRecord(d.value));
  const defaultValues = mapOf(defaultsDoc) ?? nodeOf({}, chart, ['dependencies']);
  const releaseFiles = [...files.values()].filter(
    (f) => dirname(f.path) === folder && RELEASE_VALUES.test(basename(f.path)) && !DEFAULT_VALUES_NAMES.includes(basename(f.path)),
  );
  const consumed = [...(defaults ? [defaults.path] : []), ...releaseFiles.map((f) => f.path)];
  if (releaseFiles.length === 0) {
    return {
      releases: [
        { values: defaultValues, unitDocument: chart, key: folder, label: `the umbrella chart ${chartName}`, carrier: chartFile, base: defaultsDoc ?? chart },
      ],
      consumed,
    };
  }
  const releases = releaseFiles.flatMap((file) => {
    const doc = file.yaml.documents.find((d) => isRecord(d.value));
    const layer = mapOf(doc);
    if (!doc || !layer) return [];
    const values = strategicMerge(VALUES_KIND, [], defaultValues, layer) ?? layer;
    return [
      {
        values,
        unitDocument: doc,
        key: file.path,
        label: `the umbrella chart ${chartName} with ${basename(file.path)}`,
        carrier: file,
        base: defaultsDoc ?? doc,
      },
    ];
  });
  return { releases, consumed };
}

/**
 * A dependency's values in one release of the umbrella (`values`, merged): the subtree under its alias or name,
 * with the umbrella's `global` (Helm copies it into every subchart, where it wins), and without the keys its
 * `condition` reads (`istiod.enabled`: the umbrella's switch, which the subchart has no value for).
 */
export function dependencyValues(values: ValueNode, dependency: Dependency): ValueNode {
  const own = childOf(values, dependency.key);
  const base =
    own?.kind === 'map' ? own : { kind: 'map' as const, entries: new Map<string, ValueNode>(), origin: { doc: dependency.chart.doc, path: dependency.path } };
  const entries = new Map(base.entries);
  for (const condition of dependency.conditions) if (condition.length === 2 && condition[0] === dependency.key) entries.delete(condition[1]);
  const global = childOf(values, 'global');
  if (global?.kind === 'map') entries.set('global', strategicMerge(VALUES_KIND, ['global'], childOf(base, 'global'), global) ?? global);
  return { ...base, entries };
}

/**
 * The files with every umbrella chart's Istio dependencies added as Helm values resources, one per release and
 * dependency, on the file that makes the release (the release values file, else Chart.yaml). The values files
 * themselves carry none: what they hold reaches a cluster only through the chart.
 */
export function withUmbrellaCharts(files: readonly WorkspaceFile[]): WorkspaceFile[] {
  const charts = files.flatMap((file) => {
    const doc = chartDocument(file);
    return doc && meshDependencies(doc).length ? [{ file, doc }] : [];
  });
  if (charts.length === 0) return [...files];
  const byPath = new Map(files.map((f) => [f.path, f]));
  const added = new Map<string, Resource[]>();
  const consumed = new Set<string>();
  for (const { file, doc } of charts) {
    const dependencies = meshDependencies(doc);
    const { releases, consumed: read } = releasesOf(file, doc, byPath);
    for (const path of read) consumed.add(path);
    for (const release of releases) {
      const resources = dependencies
        .filter((d) => isEnabled(release.values, d))
        .flatMap((dependency) => {
          const tree = dependencyValues(release.values, dependency);
          const unit: CompositionUnit = {
            kind: 'umbrella',
            folder: release.key,
            document: release.unitDocument,
            path: release.unitDocument === doc ? dependency.path : [],
            label: release.label,
            chart: dependency.chart,
            basePrefix: [dependency.key],
          };
          const resource = recogniseHelmValues(new ComposedYamlDocument(release.base, tree, unit), true);
          return resource ? [resource] : [];
        });
      added.set(release.carrier.path, [...(added.get(release.carrier.path) ?? []), ...resources]);
    }
  }
  return files.map((file) => {
    const resources = added.get(file.path);
    if (resources) return { ...file, resources };
    return consumed.has(file.path) ? { ...file, resources: [] } : file;
  });
}
