// Flux Kustomization `postBuild.substitute` / `substituteFrom`: the files under `spec.path` become each
// cluster's objects with `${var}` filled in, a value that is one variable located where the variable is set.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import type { MeshModel } from '../../server/src/mesh/model';
import { analyzeTexts, formatRange } from '../support/analyze';
import { FIXTURES } from '../support/paths';

const ROOT = join(FIXTURES, 'virtual-flux');

const CONTROL_PLANE = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: control-plane
  namespace: istio-system
spec:
  values:
    global:
      meshID: \${mesh_id}
      multiCluster:
        clusterName: \${cluster_name}
      network: net-\${network:=1}
`;

function fluxKustomization(substitute: string, extra = ''): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: istio
  namespace: flux-system
spec:
  path: ./infrastructure/istio
  postBuild:
    substitute:
${substitute}
${extra}`;
}

const VARS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: mesh-vars
  namespace: flux-system
data:
  mesh_id: mesh1
  cluster_name: from-configmap
`;

function mesh(files: Record<string, string>): MeshModel {
  const { meshes } = analyzeTexts(ROOT, files);
  assert.equal(meshes.length, 1);
  return meshes[0];
}

function summary(model: MeshModel): string[] {
  return [...model.clusters.values()].map((c) => `${c.name} ${c.meshID?.value} ${c.network}`).sort();
}

test('each Flux Kustomization substitutes the shared folder for its cluster; substitute wins over substituteFrom', () => {
  const from = '    substituteFrom:\n      - kind: ConfigMap\n        name: mesh-vars\n';
  const model = mesh({
    'infrastructure/istio/control-plane.yaml': CONTROL_PLANE,
    'clusters/cluster1/istio.yaml': fluxKustomization('      cluster_name: cluster1', from),
    'clusters/cluster2/istio.yaml': fluxKustomization('      cluster_name: cluster2\n      network: "2"', from),
    'clusters/vars.yaml': VARS,
  });
  assert.deepEqual(summary(model), ['cluster1 mesh1 net-1', 'cluster2 mesh1 net-2']);
  const cluster2 = model.clusters.get('cluster2')!;
  const install = cluster2.controlPlanes[0];
  const at = (located: { location(): { file: string; range: Parameters<typeof formatRange>[0] } } | undefined) => {
    const { file, range } = located!.location();
    return `${relative(ROOT, file)}:${formatRange(range)}`;
  };
  assert.equal(at(install.clusterName), 'clusters/cluster2/istio.yaml:10:21-10:29');
  assert.equal(at(install.meshID), 'clusters/vars.yaml:7:12-7:17');
  // Text around a variable: the value is the template's line.
  assert.equal(at(install.network), 'infrastructure/istio/control-plane.yaml:12:16-12:33');
});

test('a folder without kustomization.yaml is built whole; the disable annotation keeps variables as written', () => {
  const disabled = CONTROL_PLANE.replace(
    '  namespace: istio-system\n',
    '  namespace: istio-system\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
  );
  const model = mesh({
    'infrastructure/istio/control-plane.yaml': disabled,
    'clusters/cluster1/istio.yaml': fluxKustomization('      cluster_name: cluster1\n      mesh_id: mesh1'),
  });
  assert.deepEqual(
    model.installs.map((i) => i.clusterName?.value),
    ['${cluster_name}'],
  );
  const substituted = mesh({
    'infrastructure/istio/control-plane.yaml': CONTROL_PLANE,
    'infrastructure/istio/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [control-plane.yaml]\n',
    'clusters/cluster1/istio.yaml': fluxKustomization('      cluster_name: cluster1\n      mesh_id: mesh1'),
  });
  // The kustomization under the Flux path is built once, by the Flux Kustomization, not also as an overlay.
  assert.deepEqual(
    substituted.installs.map((i) => i.clusterName?.value),
    ['cluster1'],
  );
});

test('malformed Flux Kustomizations never throw', () => {
  for (const spec of [
    'spec: {path: 5, postBuild: {substitute: [a]}}',
    'spec: {postBuild: {substituteFrom: "x", substitute: {a: {b: 1}}}}',
    'spec: {path: ../../../../nowhere, postBuild: {substitute: {}}}',
  ]) {
    assert.doesNotThrow(
      () =>
        analyzeTexts(ROOT, {
          'infrastructure/istio/control-plane.yaml': CONTROL_PLANE,
          'clusters/c1/istio.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\n${spec}\n`,
        }),
      spec,
    );
  }
});
