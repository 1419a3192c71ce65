// Helm umbrella charts in the mesh model: each Istio dependency of a Chart.yaml is an install whose values are
// the subtree under its alias (else its name) with the umbrella's `global`, one install per release values
// file, every value located in the values file that set it.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { ComposedYamlDocument } from '../../server/src/compose';
import { composedValueHover } from '../../server/src/features/composedHover';
import type { MeshModel } from '../../server/src/mesh/model';
import type { InstallConfig } from '../../server/src/resources/installConfig';
import { analyzeFolder, analyzeTexts, formatRange } from '../support/analyze';
import { EXAMPLES } from '../support/paths';

const EXAMPLE = join(EXAMPLES, 'umbrella');
const ROOT = join(EXAMPLES, '..', 'virtual-umbrella');

function onlyMesh(meshes: MeshModel[]): MeshModel {
  assert.equal(meshes.length, 1);
  return meshes[0];
}

function writtenAt(root: string, located: { location(): { file: string; range: Parameters<typeof formatRange>[0] } } | undefined): string {
  assert.ok(located, 'a located value');
  const { file, range } = located.location();
  return `${relative(root, file)}:${formatRange(range)}`;
}

test('examples/umbrella: one release per values file, the gateway chart aliased twice', () => {
  const { findings, meshes } = analyzeFolder(EXAMPLE);
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error' || f.severity === 'warning'),
    [],
  );
  const mesh = onlyMesh(meshes);
  assert.deepEqual([...mesh.clusters.keys()].sort(), ['cluster1', 'cluster2']);
  assert.equal(mesh.controlPlaneModel, 'multi-primary');
  assert.equal(mesh.multiNetwork, true);
  for (const [name, cluster] of mesh.clusters) {
    const network = name.replace('cluster', 'network');
    assert.equal(cluster.network, network);
    assert.equal(cluster.meshID?.value, 'mesh1');
    assert.deepEqual(cluster.installs.map((i) => i.chart?.value).sort(), ['base', 'gateway', 'gateway', 'istiod']);
    assert.deepEqual(cluster.gateways.map((g) => `${g.name}:${g.networkLabel?.value ?? '-'}`).sort(), [
      `istio-eastwestgateway:${network}`,
      'istio-ingressgateway:-',
    ]);
  }
  const cluster2 = mesh.clusters.get('cluster2')!;
  const eastWest = cluster2.gateways.find((g) => g.name === 'istio-eastwestgateway')!;
  assert.equal(writtenAt(EXAMPLE, eastWest.networkLabel), 'istio/values-cluster2.yaml:7:19-7:27');
  assert.equal(writtenAt(EXAMPLE, eastWest.declaration), 'istio/values.yaml:7:9-7:30');
  assert.equal(writtenAt(EXAMPLE, cluster2.meshID), 'istio/values.yaml:3:11-3:16');
  // The chart each install is for is its dependency's entry in Chart.yaml.
  assert.equal(writtenAt(EXAMPLE, eastWest.install.chart), 'istio/Chart.yaml:20:11-20:18');
});

test('hovering a shared value lists each release once, with the value file that decides it', () => {
  const { meshes } = analyzeFolder(EXAMPLE);
  const install = onlyMesh(meshes).clusters.get('cluster1')!.controlPlanes[0];
  assert.ok(install.resource.doc instanceof ComposedYamlDocument);
  const shared = install.resource.doc.base;
  assert.equal(relative(EXAMPLE, shared.file.file), join('istio', 'values.yaml'));
  const hover = composedValueHover(shared, shared.file.lines.offsetAt({ line: 2, character: 10 }), meshes); // `meshID: mesh1`
  assert.ok(hover);
  const rows = hover.split('\n').filter((line) => /^\| cluster\d/.test(line));
  assert.deepEqual(rows.map((row) => row.split(' | ').slice(0, 2).join(' | ')).sort(), [
    '| cluster1 | the umbrella chart istio with values-cluster1.yaml',
    '| cluster2 | the umbrella chart istio with values-cluster2.yaml',
  ]);
  // A key under a dependency's alias reads as that dependency's value.
  const name = composedValueHover(shared, shared.file.lines.offsetAt({ line: 6, character: 10 }), meshes);
  assert.match(name ?? '', /\| cluster2 \| the umbrella chart istio with values-cluster2\.yaml \| `istio-eastwestgateway` \| istio\/values\.yaml:7 \|/);
});

const CHART = `apiVersion: v2
name: istio
version: 1.0.0
dependencies:
  - name: istiod
    version: 1.27.1
  - name: gateway
    alias: eastwest
    condition: eastwest.enabled
  - name: cert-manager
    version: 1.16.0
`;

function installs(files: Record<string, string>): InstallConfig[] {
  return onlyMesh(analyzeTexts(ROOT, files).meshes).installs;
}

test("the umbrella's global reaches every dependency and wins over a dependency's own global", () => {
  const found = installs({
    'istio/Chart.yaml': CHART,
    'istio/values.yaml':
      'global: {meshID: mesh1, network: network1}\nistiod:\n  global: {meshID: other, multiCluster: {clusterName: cluster1}}\neastwest: {networkGateway: network1}\n',
  });
  assert.deepEqual(
    found.map((i) => `${i.chart?.value} ${i.meshID?.value} ${i.clusterName?.value ?? '-'} ${i.network?.value}`),
    ['istiod mesh1 cluster1 network1', 'gateway mesh1 - network1'],
  );
});

test('a dependency switched off by its condition, and charts that are not Istio, install nothing', () => {
  const found = installs({
    'istio/Chart.yaml': CHART,
    'istio/values.yaml':
      'istiod: {global: {meshID: mesh1, multiCluster: {clusterName: cluster1}}}\neastwest: {enabled: false}\ncert-manager: {installCRDs: true}\n',
  });
  assert.deepEqual(
    found.map((i) => i.chart?.value),
    ['istiod'],
  );
});

test('malformed charts and values compose to nothing and never throw', () => {
  const charts = [
    'apiVersion: v2\nname: x\ndependencies: istiod\n',
    'apiVersion: v2\nname: x\ndependencies: [istiod, {name: 3}, null]\n',
    'apiVersion: v2\nname: x\ndependencies: [{name: istiod, alias: [1], condition: {a: 1}}]\n',
  ];
  for (const chart of charts) {
    for (const values of ['istiod: text\n', '- a\n- b\n', 'global: 5\nistiod: {global: [1]}\n']) {
      assert.doesNotThrow(
        () => analyzeTexts(ROOT, { 'istio/Chart.yaml': chart, 'istio/values.yaml': values, 'istio/values-c1.yaml': values }),
        `${chart} ${values}`,
      );
    }
  }
});

test("a condition key is the umbrella's switch, not a value of the chart; without a condition Helm installs the chart", () => {
  const chart = (condition: string) =>
    `apiVersion: v2\nname: mesh\nversion: 0.1.0\ndependencies:\n  - name: istiod\n    version: 1.27.1\n    repository: https://istio-release.storage.googleapis.com/charts\n${condition}`;
  const values = 'istiod:\n  enabled: true\n  global:\n    meshID: mesh1\n';
  const unknownValues = (files: Record<string, string>) =>
    analyzeTexts(ROOT, files)
      .findings.filter((f) => f.code === 'MESH811')
      .map((f) => f.message.split(' ')[0]);
  assert.deepEqual(unknownValues({ 'Chart.yaml': chart('    condition: istiod.enabled\n'), 'values.yaml': values }), []);
  // Helm reads `enabled` only through a condition: here it is a value istiod does not have.
  assert.deepEqual(unknownValues({ 'Chart.yaml': chart(''), 'values.yaml': values }), ['`enabled`']);
  const disabled = analyzeTexts(ROOT, { 'Chart.yaml': chart('    condition: istiod.enabled\n'), 'values.yaml': values.replace('true', 'false') });
  assert.equal(disabled.meshes.flatMap((m) => m.installs).length, 0);
});
