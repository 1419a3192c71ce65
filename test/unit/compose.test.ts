// Kustomize composition in the mesh model: composed values are located where they were written (the patch
// that set them, else the base), each overlay is its cluster, builds are reused until a file they read
// changes, and editing a base re-checks every cluster built from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { composeWorkspace, compositionUnitOf } from '../../server/src/compose';
import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import { hoverFromMesh } from '../../server/src/features/meshHover';
import type { MeshModel } from '../../server/src/mesh/model';
import type { Resource } from '../../server/src/resources/resource';
import { templateFileRule } from '../../server/src/rules/compose/templateFile';
import { formatRange, yamlFilesUnder } from '../support/analyze';
import { EXAMPLES } from '../support/paths';

const KUSTOMIZE = join(EXAMPLES, 'kustomize');

function exampleWorkspace(): Workspace {
  const workspace = new Workspace([KUSTOMIZE]);
  for (const path of yamlFilesUnder(KUSTOMIZE)) workspace.setFile(path, readFileSync(path, 'utf8'));
  return workspace;
}

function analyze(workspace: Workspace): MeshModel {
  const result = new Analyzer(undefined, (m) => {
    throw new Error(m);
  }).analyze(workspace, { roots: [KUSTOMIZE], clusters: [] });
  assert.equal(result.meshes.length, 1);
  return result.meshes[0];
}

function composedOf(mesh: MeshModel, cluster: string, kind: string, name: string): Resource {
  const found = mesh.clusters.get(cluster)?.resources.find((r) => r.kind === kind && r.name === name);
  assert.ok(found, `${kind} ${name} in ${cluster}`);
  return found;
}

/** `file:line:col-line:col` of where a composed value was written, relative to the example. */
function writtenAt(resource: Resource, path: (string | number)[]): string {
  const { file, range } = resource.location(path);
  return `${relative(KUSTOMIZE, file)}:${formatRange(range)}`;
}

test('each overlay of examples/kustomize is its cluster, with the base composed into it', () => {
  const mesh = analyze(exampleWorkspace());
  assert.deepEqual([...mesh.clusters.keys()].sort(), ['cluster1', 'cluster2']);
  for (const [name, cluster] of mesh.clusters) {
    assert.equal(cluster.role, 'primary');
    assert.equal(cluster.network, name.replace('cluster', 'network'));
    assert.equal(cluster.meshID?.value, 'mesh1');
    assert.deepEqual(cluster.resources.map((r) => r.displayName).sort(), [
      'Gateway istio-system/cross-network-gateway',
      'IstioOperator istio-system/control-plane',
      'IstioOperator istio-system/eastwest',
      'Namespace istio-system',
    ]);
    for (const resource of cluster.resources) {
      assert.equal(compositionUnitOf(resource)?.folder, join(KUSTOMIZE, 'overlays', name));
      assert.ok(['overlay', 'install-config'].includes(mesh.assignments.get(resource)!.reason));
    }
  }
  assert.equal(mesh.controlPlaneModel, 'multi-primary');
  assert.ok(mesh.multiNetwork);
});

test('composed values are located in the patch that set them, else in the base', () => {
  const mesh = analyze(exampleWorkspace());
  const controlPlane = composedOf(mesh, 'cluster2', 'IstioOperator', 'control-plane');
  assert.equal(writtenAt(controlPlane, ['spec', 'values', 'global', 'meshID']), 'base/control-plane.yaml:10:15-10:20');
  assert.equal(writtenAt(controlPlane, ['spec', 'values', 'global', 'multiCluster', 'clusterName']), 'overlays/cluster2/control-plane.yaml:10:22-10:30');
  // The base's kustomization set the namespace.
  assert.equal(writtenAt(controlPlane, ['metadata', 'namespace']), 'base/kustomization.yaml:5:12-5:24');
  const eastWest = composedOf(mesh, 'cluster2', 'IstioOperator', 'eastwest');
  const gateway = ['spec', 'components', 'ingressGateways', 0];
  // JSON patch operations written inline in the overlay's kustomization.
  assert.equal(writtenAt(eastWest, [...gateway, 'label', 'topology.istio.io/network']), 'overlays/cluster2/kustomization.yaml:29:16-29:24');
  assert.equal(writtenAt(eastWest, [...gateway, 'k8s', 'env', 0, 'value']), 'overlays/cluster2/kustomization.yaml:32:16-32:24');
  assert.equal(writtenAt(eastWest, [...gateway, 'label', 'istio']), 'base/eastwest-gateway.yaml:14:18-14:33');
  assert.equal(writtenAt(eastWest, [...gateway, 'k8s', 'env', 0, 'name']), 'base/eastwest-gateway.yaml:18:21-18:54');
  const namespace = composedOf(mesh, 'cluster1', 'Namespace', 'istio-system');
  assert.equal(writtenAt(namespace, ['metadata', 'labels', 'topology.istio.io/network']), 'overlays/cluster1/kustomization.yaml:20:38-20:46');
  // The same base value, composed into each cluster, is the same place in the base.
  assert.equal(
    writtenAt(composedOf(mesh, 'cluster1', 'IstioOperator', 'control-plane'), ['spec', 'values', 'global', 'meshID']),
    'base/control-plane.yaml:10:15-10:20',
  );
});

test('a composed build is reused until a file it read changes', () => {
  const workspace = exampleWorkspace();
  const resourcesOf = (overlay: string) =>
    composeWorkspace(workspace.allFiles()).find((f) => f.path === join(KUSTOMIZE, 'overlays', overlay, 'kustomization.yaml'))!.resources;
  const first = { cluster1: resourcesOf('cluster1'), cluster2: resourcesOf('cluster2') };
  assert.equal(first.cluster1.length, 4);
  workspace.setFile(join(KUSTOMIZE, 'unrelated.yaml'), 'kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: x\n');
  assert.equal(resourcesOf('cluster1'), first.cluster1, 'an unrelated file recomposes nothing');
  const patch = join(KUSTOMIZE, 'overlays', 'cluster1', 'control-plane.yaml');
  workspace.setFile(patch, readFileSync(patch, 'utf8').replace('network: network1', 'network: network9'));
  assert.notEqual(resourcesOf('cluster1'), first.cluster1, 'the overlay whose patch changed is recomposed');
  assert.equal(resourcesOf('cluster2'), first.cluster2, 'the other overlay is not');
  const base = join(KUSTOMIZE, 'base', 'control-plane.yaml');
  workspace.setFile(base, readFileSync(base, 'utf8').replace('meshID: mesh1', 'meshID: mesh7'));
  assert.notEqual(resourcesOf('cluster2'), first.cluster2, 'editing the base recomposes every overlay that uses it');
});

test('editing a base re-checks every cluster built from it', () => {
  const workspace = exampleWorkspace();
  const analyzer = new Analyzer(undefined, (m) => {
    throw new Error(m);
  });
  const settings = { roots: [KUSTOMIZE], clusters: [] };
  analyzer.analyze(workspace, settings);
  const base = join(KUSTOMIZE, 'base', 'control-plane.yaml');
  workspace.setFile(base, readFileSync(base, 'utf8').replace('meshID: mesh1', 'meshID: mesh7'));
  const [mesh] = analyzer.analyze(workspace, settings).meshes;
  assert.deepEqual([...mesh.clusters.values()].map((c) => `${c.name}:${c.meshID?.value}`).sort(), ['cluster1:mesh7', 'cluster2:mesh7']);
});

test('kustomizations that include each other, or hold the wrong types, are composed without throwing', () => {
  const root = '/virtual/compose';
  const workspace = new Workspace([root]);
  workspace.setFile(`${root}/a/kustomization.yaml`, 'resources:\n  - ../b\n  - cp.yaml\n');
  workspace.setFile(`${root}/b/kustomization.yaml`, 'resources:\n  - ../a\npatches: not-a-list\nnamespace: [1, 2]\n');
  workspace.setFile(`${root}/a/cp.yaml`, 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: cp\n');
  workspace.setFile(
    `${root}/c/kustomization.yaml`,
    [
      'resources: {oops: 1}',
      'patches:',
      '  - path: 7',
      '  - patch: 12',
      '  - target: {kind: "("}',
      '    patch: "- op: add\\n  path: /x/y/z\\n  value: 1"',
      'commonLabels: [a]',
      'components: [../a]',
    ].join('\n'),
  );
  const files = composeWorkspace(workspace.allFiles());
  assert.equal(files.length, 4);
  const a = files.find((f) => f.path === `${root}/a/kustomization.yaml`);
  assert.ok(a);
});

test('hovering a value of a base shows what it becomes in each cluster, and where that is written', () => {
  const workspace = exampleWorkspace();
  const { meshes } = new Analyzer().analyze(workspace, { roots: [KUSTOMIZE], clusters: [] });
  const file = workspace.getFile(join(KUSTOMIZE, 'base', 'eastwest-gateway.yaml'))!;
  const offset = file.yaml.text.indexOf('set-by-overlay') + 2;
  const hover = hoverFromMesh(file, offset, meshes);
  assert.equal(
    hover,
    [
      '**spec.components.ingressGateways.0.k8s.env.0.value** in each cluster built from this base',
      '',
      '| cluster | overlay | value | written at |',
      '|---|---|---|---|',
      '| cluster1 | overlays/cluster1 | `network1` | overlays/cluster1/kustomization.yaml:32 |',
      '| cluster2 | overlays/cluster2 | `network2` | overlays/cluster2/kustomization.yaml:32 |',
    ].join('\n'),
  );
  const meshIdFile = workspace.getFile(join(KUSTOMIZE, 'base', 'control-plane.yaml'))!;
  const meshIdHover = hoverFromMesh(meshIdFile, meshIdFile.yaml.text.indexOf('mesh1'), meshes) ?? '';
  assert.match(meshIdHover, /\| cluster1 \| overlays\/cluster1 \| `mesh1` \| base\/control-plane.yaml:10 \|/);
  assert.match(meshIdHover, /\| cluster2 \| overlays\/cluster2 \| `mesh1` \| base\/control-plane.yaml:10 \|/);
});

test('a template file is said to be one once, on its first placeholder', () => {
  const root = '/virtual/template';
  const workspace = new Workspace([root]);
  const file = workspace.setFile(
    `${root}/remote.yaml`,
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: istio-system',
      '---',
      'apiVersion: install.istio.io/v1alpha1',
      'kind: IstioOperator',
      'metadata:',
      '  name: remote',
      'spec:',
      '  values:',
      '    global:',
      '      multiCluster:',
      '        clusterName: cluster{i}',
      '      remotePilotAddress: ${DISCOVERY_ADDRESS}',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: "{{ .Values.name }}"',
    ].join('\n'),
  );
  const findings = file.resources.flatMap((r) => templateFileRule.check(r));
  assert.deepEqual(
    findings.map((f) => `${formatRange(f.location.range)} ${f.code}`),
    ['14:22-14:32 COMPOSE001'],
  );
  assert.match(findings[0].message, /"cluster\{i\}"/);
  const plain = new Workspace([root]).setFile(`${root}/plain.yaml`, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n');
  assert.deepEqual(
    plain.resources.flatMap((r) => templateFileRule.check(r)),
    [],
  );
});
