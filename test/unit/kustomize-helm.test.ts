// Kustomize `helmCharts` entries for Istio's charts: each is a Helm install of the overlay's cluster, its values
// composed as kustomize hands them to helm (valuesFile, valuesInline by valuesMerge, then additionalValuesFiles),
// every value located where it was written. The charts are not rendered: the install comes from the values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { composeWorkspace } from '../../server/src/compose';
import { kustomizeHelmCharts } from '../../server/src/compose/kustomizeHelm';
import { originOf, plainValue } from '../../server/src/compose/tree';
import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { hoverFromMesh } from '../../server/src/features/meshHover';
import type { ValuePath } from '../../server/src/parse/yamlFile';
import { analyzeFolder, formatRange, yamlFilesUnder } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const ROOT = '/virtual/kustomize-helm';
const CLEAN = join(FIXTURES, 'rules', 'MESH104-clean-kustomize-helmcharts');
const INLINE = join(FIXTURES, 'rules', 'MESH101-kustomize-helmcharts-inline');

function workspaceOf(files: Record<string, string>): Workspace {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(ROOT, name), text);
  return workspace;
}

function chartsOf(workspace: Workspace, folder: string) {
  return kustomizeHelmCharts(join(ROOT, folder), (path) => workspace.getFile(path));
}

/** Each key of `values` with its value and the file (relative) and 1-based line it was written at. */
function writtenValues(chart: ReturnType<typeof chartsOf>[number], keys: ValuePath[]): string[] {
  const values = plainValue(chart.values) as Record<string, unknown>;
  return keys.map((key) => {
    const origin = originOf(chart.values, key);
    const { file, range } = origin.doc.sourceOf(origin.path);
    let value: unknown = values;
    for (const segment of key) value = (value as Record<string, unknown>)?.[segment as string];
    return `${key.join('.')}=${JSON.stringify(value)} @ ${relative(ROOT, file)}:${range.start.line + 1}`;
  });
}

const LAYERS = {
  'values.yaml': ['a: file', 'b: file', 'c: file', 'd: file', 'list: [file]', 'gone: file', ''].join('\n'),
  'extra1.yaml': ['c: extra1', 'e: extra1', 'gone: null', ''].join('\n'),
  'extra2.yaml': ['c: extra2', ''].join('\n'),
};

function chartEntry(merge?: string): string {
  return [
    'helmCharts:',
    '  - name: istiod',
    ...(merge ? [`    valuesMerge: ${merge}`] : []),
    '    valuesFile: values.yaml',
    '    additionalValuesFiles:',
    '      - extra1.yaml',
    '      - extra2.yaml',
    '    valuesInline:',
    '      b: inline',
    '      c: inline',
    '      list: [inline]',
    '',
  ].join('\n');
}

const KEYS: ValuePath[] = [['a'], ['b'], ['c'], ['d'], ['e'], ['list']];

test('values are composed in kustomize order: valuesFile, valuesInline over it, then each additionalValuesFile', () => {
  const workspace = workspaceOf({ 'o/kustomization.yaml': chartEntry(), ...Object.fromEntries(Object.entries(LAYERS).map(([k, v]) => [`o/${k}`, v])) });
  const [chart] = chartsOf(workspace, 'o');
  assert.deepEqual(writtenValues(chart, KEYS), [
    'a="file" @ o/values.yaml:1',
    'b="inline" @ o/kustomization.yaml:8',
    // The additional files are later `-f` files: they win over the inline values, the last one first.
    'c="extra2" @ o/extra2.yaml:1',
    'd="file" @ o/values.yaml:4',
    'e="extra1" @ o/extra1.yaml:2',
    // Lists are replaced, not merged.
    'list=["inline"] @ o/kustomization.yaml:10',
  ]);
  assert.equal('gone' in (plainValue(chart.values) as object), false, 'null in a later file deletes the key');
  assert.deepEqual(
    chart.valuesFiles.map((f) => relative(ROOT, f)),
    ['o/values.yaml', 'o/extra1.yaml', 'o/extra2.yaml'],
  );
  assert.equal(relative(ROOT, chart.base.file.file), 'o/values.yaml');
});

test('valuesMerge: merge keeps the file over the inline values, replace leaves the valuesFile unread', () => {
  const layers = Object.fromEntries(Object.entries(LAYERS).map(([k, v]) => [`o/${k}`, v]));
  const [merged] = chartsOf(workspaceOf({ 'o/kustomization.yaml': chartEntry('merge'), ...layers }), 'o');
  assert.deepEqual(writtenValues(merged, [['b'], ['c']]), ['b="file" @ o/values.yaml:2', 'c="extra2" @ o/extra2.yaml:1']);
  const [replaced] = chartsOf(workspaceOf({ 'o/kustomization.yaml': chartEntry('replace'), ...layers }), 'o');
  assert.deepEqual(writtenValues(replaced, [['a'], ['b'], ['c']]), [
    'a=undefined @ o/kustomization.yaml:8',
    'b="inline" @ o/kustomization.yaml:9',
    'c="extra2" @ o/extra2.yaml:1',
  ]);
  assert.deepEqual(
    replaced.valuesFiles.map((f) => relative(ROOT, f)),
    ['o/extra1.yaml', 'o/extra2.yaml'],
  );
  // Hovers on the kustomization's inline values show what they compose to.
  assert.equal(relative(ROOT, replaced.base.file.file), 'o/kustomization.yaml');
  assert.deepEqual(replaced.basePrefix, ['helmCharts', 0, 'valuesInline']);
});

test("a base's charts are inflated into each overlay, with the outermost namespace and the overlay's entry", () => {
  const workspace = workspaceOf({
    'base/kustomization.yaml':
      'namespace: istio-system\nhelmCharts:\n  - name: gateway\n    namespace: ingress\n    releaseName: istio-ingress\n  - name: cert-manager\n',
    'overlay/kustomization.yaml': 'namespace: istio-gateways\nresources:\n  - ../base\n',
    'plain/kustomization.yaml': 'resources:\n  - ../base\n',
  });
  const [overlayChart, ...more] = chartsOf(workspace, 'overlay');
  assert.equal(more.length, 0, 'only Istio charts are read');
  assert.equal(overlayChart.chart.value, 'gateway');
  assert.equal(overlayChart.releaseName, 'istio-ingress');
  assert.equal(overlayChart.namespace, 'istio-gateways');
  assert.deepEqual(overlayChart.entry, ['resources', 0]);
  assert.equal(chartsOf(workspace, 'plain')[0].namespace, 'istio-system');
  assert.deepEqual(chartsOf(workspace, 'base')[0].entry, ['helmCharts', 0, 'name']);
});

test('MESH104-clean-kustomize-helmcharts: each overlay installs its charts, located where their values are written', () => {
  const { meshes } = analyzeFolder(CLEAN);
  assert.equal(meshes.length, 1);
  const [mesh] = meshes;
  assert.deepEqual([...mesh.clusters.keys()].sort(), ['cluster1', 'cluster2']);
  assert.equal(mesh.multiNetwork, true);
  for (const [name, cluster] of mesh.clusters) {
    const network = name.replace('cluster', 'network');
    assert.equal(cluster.role, 'primary');
    assert.equal(cluster.network, network);
    assert.deepEqual(cluster.installs.map((i) => i.chart?.value).sort(), ['base', 'gateway', 'istiod']);
    assert.deepEqual(
      cluster.gateways.map((g) => `${g.namespace}/${g.name} ${g.labels.istio} ${g.networkLabel?.value}`),
      [`istio-system/istio-eastwestgateway eastwestgateway ${network}`],
    );
    const at = (located: { location(): { file: string; range: Parameters<typeof formatRange>[0] } } | undefined) => {
      const { file, range } = located!.location();
      return `${relative(CLEAN, file)}:${formatRange(range)}`;
    };
    assert.equal(at(cluster.meshID), 'base/mesh-values.yaml:3:11-3:16');
    const istiod = cluster.controlPlanes[0];
    assert.equal(at(istiod.clusterName), `overlays/${name}/istiod-values.yaml:3:18-3:26`);
    assert.equal(at(istiod.network), `overlays/${name}/kustomization.yaml:27:18-27:26`);
    assert.equal(at(istiod.version), `overlays/${name}/kustomization.yaml:19:14-19:20`);
  }
});

test('a shared values file is consumed by the charts, and editing it recomposes the overlays that read it', () => {
  const files = {
    'shared/values.yaml': 'global:\n  meshID: mesh1\n',
    'c1/kustomization.yaml':
      'helmCharts:\n  - name: istiod\n    valuesFile: ../shared/values.yaml\n    valuesInline:\n      global:\n        multiCluster:\n          clusterName: c1\n',
  };
  const workspace = workspaceOf(files);
  const resourcesOf = (path: string) => composeWorkspace(workspace.allFiles()).find((f) => f.path === join(ROOT, path))!.resources;
  assert.deepEqual(resourcesOf('shared/values.yaml'), [], 'the values file is no install of its own');
  const [first] = resourcesOf('c1/kustomization.yaml');
  assert.deepEqual(first.object, { global: { meshID: 'mesh1', multiCluster: { clusterName: 'c1' } } });
  workspace.setFile(join(ROOT, 'shared/values.yaml'), 'global:\n  meshID: mesh7\n');
  assert.deepEqual(resourcesOf('c1/kustomization.yaml')[0].object, { global: { meshID: 'mesh7', multiCluster: { clusterName: 'c1' } } });
});

test('helmCharts entries of the wrong shape are read without throwing', () => {
  const workspace = workspaceOf({
    'a/kustomization.yaml': 'helmCharts: not-a-list\n',
    'b/kustomization.yaml': [
      'helmCharts:',
      '  - 7',
      '  - name: [istiod]',
      '  - name: istiod',
      '    valuesFile: 7',
      '    valuesInline: [1, 2]',
      '    additionalValuesFiles: extra.yaml',
      '    valuesMerge: sideways',
      '  - name: ztunnel',
      '    valuesFile: https://example.com/values.yaml',
      '    additionalValuesFiles: [7, missing.yaml]',
      '',
    ].join('\n'),
  });
  assert.deepEqual(chartsOf(workspace, 'a'), []);
  const charts = chartsOf(workspace, 'b');
  assert.deepEqual(
    charts.map((c) => [c.chart.value, plainValue(c.values), c.valuesFiles.length]),
    [
      ['istiod', {}, 0],
      ['ztunnel', {}, 0],
    ],
  );
  assert.ok(composeWorkspace(workspace.allFiles()));
});

test('hovering a shared values file shows what each overlay makes of the value, and where', () => {
  const workspace = new Workspace([INLINE]);
  for (const path of yamlFilesUnder(INLINE)) workspace.setFile(path, readFileSync(path, 'utf8'));
  const { meshes } = new Analyzer().analyze(workspace, { roots: [INLINE], clusters: [] });
  const file = workspace.getFile(join(INLINE, 'base', 'istiod-values.yaml'))!;
  const hover = hoverFromMesh(file, file.yaml.text.indexOf('mesh1'), meshes) ?? '';
  assert.match(hover, /\| cluster1 \| overlays\/cluster1 \| `mesh1` \| base\/istiod-values.yaml:3 \|/);
  assert.match(hover, /\| cluster2 \| overlays\/cluster2 \| `mesh2` \| overlays\/cluster2\/kustomization.yaml:15 \|/);
});

/** The mesh of in-memory files, analysed as the CLI does. */
function analyzeFiles(files: Record<string, string>) {
  const result = new Analyzer(undefined, (message) => {
    throw new Error(message);
  }).analyze(workspaceOf(files), { roots: [ROOT], clusters: [] });
  return { findings: [...result.findings.values()].flat(), meshes: result.meshes };
}

const overlay = (chart: string, inline: string) =>
  `helmGlobals:\n  chartHome: ../../charts\nhelmCharts:\n  - name: ${chart}\n    releaseName: ${chart}\n    valuesInline:\n${inline.replace(/^/gm, '      ')}\n`;

test("a local chart of helmGlobals.chartHome: its own values.yaml is under the entry's values, an umbrella gives each dependency its part", () => {
  const { findings, meshes } = analyzeFiles({
    // A local copy of the istiod chart, and an umbrella of the team's that installs istio-csr.
    'charts/istiod/Chart.yaml': 'apiVersion: v2\nname: istiod\nversion: 1.27.1\n',
    'charts/istiod/values.yaml': 'global:\n  meshID: mesh1\n  caAddress: cert-manager-istio-csr.cert-manager.svc:443\n',
    'charts/trust/Chart.yaml':
      'apiVersion: v2\nname: trust\nversion: 0.1.0\ndependencies:\n  - name: cert-manager-istio-csr\n    alias: istio-csr\n    version: 0.14.0\n    repository: https://charts.jetstack.io\n    condition: istio-csr.enabled\n',
    'charts/trust/values.yaml': 'istio-csr:\n  enabled: true\n  app:\n    certmanager:\n      issuer:\n        name: istio-ca\n',
    ...Object.fromEntries(
      ['cluster1', 'cluster2'].flatMap((c) => [
        [
          `overlays/${c}/kustomization.yaml`,
          `${overlay('istiod', `global:\n  multiCluster:\n    clusterName: ${c}\n  network: network1`)}  - name: trust\n    releaseName: trust\n    namespace: cert-manager\n    valuesInline:\n      istio-csr:\n        app:\n          server:\n            clusterID: ${c}\n`,
        ],
      ]),
    ),
  });
  const clusters = new Map(meshes.flatMap((m) => [...m.clusters]));
  assert.deepEqual([...clusters.keys()].sort(), ['cluster1', 'cluster2']);
  assert.equal(clusters.get('cluster2')?.meshID?.value, 'mesh1');
  assert.equal(relative(ROOT, clusters.get('cluster2')!.meshID!.location().file), 'charts/istiod/values.yaml');
  assert.deepEqual(
    clusters.get('cluster1')?.trustProviders.map((p) => p.kind),
    ['istio-csr'],
  );
  // istio-csr is installed (no MESH609), and its `enabled` switch is the umbrella's, not a value of the chart.
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error' || f.severity === 'warning').map((f) => `${f.code} ${relative(ROOT, f.location.file)}`),
    [],
  );
});
