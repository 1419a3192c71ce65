// Layered installs (`helm install -f common.yaml -f cluster1.yaml`, `istioctl install -f base.yaml -f c1.yaml`):
// a shared file that says it is one is layered under each per-cluster file beside it; anything less certain
// is left as written, so a control plane that really names no cluster is still reported.
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { Analyzer } from '../../server/src/engine/analysis';
import { Workspace } from '../../server/src/engine/workspace';
import type { HelmValuesSetting } from '../../server/src/mesh/helmValues';
import type { MeshModel } from '../../server/src/mesh/model';
import type { Finding } from '../../server/src/rules/finding';
import { EXAMPLES } from '../support/paths';

const ROOT = join(EXAMPLES, '..', 'virtual-layered');

function analyze(files: Record<string, string>, helmValues: HelmValuesSetting[] = []): { findings: Finding[]; meshes: MeshModel[] } {
  const workspace = new Workspace([ROOT]);
  for (const [name, text] of Object.entries(files)) workspace.setFile(join(ROOT, name), text);
  const result = new Analyzer(undefined, (message) => {
    throw new Error(message);
  }).analyze(workspace, { roots: [ROOT], clusters: [], helmValues });
  return { findings: [...result.findings.values()].flat(), meshes: result.meshes };
}

const istiodValues = (cluster?: string, extra = '') => `global:\n${cluster ? `  multiCluster:\n    clusterName: ${cluster}\n` : ''}${extra}`;
const SHARED = 'global:\n  meshID: mesh1\n  network: network1\npilot:\n  autoscaleEnabled: false\n';

/** Each cluster's meshID, and which files give an install with no cluster name (MESH103). */
function summary(files: Record<string, string>, helmValues: HelmValuesSetting[] = []) {
  const { findings, meshes } = analyze(files, helmValues);
  const meshIDs = Object.fromEntries(meshes.flatMap((m) => [...m.clusters.values()]).map((c) => [c.name, c.meshID?.value]));
  const unnamed = findings
    .filter((f) => f.code === 'MESH103')
    .map((f) => relative(ROOT, f.location.file))
    .sort();
  return { meshIDs, unnamed };
}

test('a shared values file by name or folder is layered under each per-cluster file, which wins', () => {
  const layered = { meshIDs: { cluster1: 'mesh1', cluster2: 'mesh1' }, unnamed: [] };
  assert.deepEqual(summary({ 'common.yaml': SHARED, 'cluster1.yaml': istiodValues('cluster1'), 'cluster2.yaml': istiodValues('cluster2') }), layered);
  assert.deepEqual(summary({ 'istiod-defaults.yaml': SHARED, 'cluster1.yaml': istiodValues('cluster1'), 'cluster2.yaml': istiodValues('cluster2') }), layered);
  assert.deepEqual(
    summary({ 'values.yaml': SHARED, 'values-cluster1.yaml': istiodValues('cluster1'), 'values-cluster2.yaml': istiodValues('cluster2') }),
    layered,
  );
  assert.deepEqual(
    summary({ 'shared/istiod.yaml': SHARED, 'cluster1/istiod.yaml': istiodValues('cluster1'), 'cluster2/istiod.yaml': istiodValues('cluster2') }),
    layered,
  );
  assert.deepEqual(
    summary({ 'common.yaml': SHARED, 'cluster1.yaml': istiodValues('cluster1'), 'cluster2.yaml': istiodValues('cluster2', '  meshID: mesh2\n') }).meshIDs,
    { cluster1: 'mesh1', cluster2: 'mesh2' },
  );
});

test('the layer=shared comment and the istioMesh.helmValues setting make any file a shared layer', () => {
  const clusters = { 'cluster1.yaml': istiodValues('cluster1'), 'cluster2.yaml': istiodValues('cluster2') };
  const layered = { meshIDs: { cluster1: 'mesh1', cluster2: 'mesh1' }, unnamed: [] };
  assert.deepEqual(summary({ ...clusters, 'istiod.yaml': `# istio-mesh: layer=shared\n${SHARED}` }), layered);
  assert.deepEqual(summary({ ...clusters, 'istiod.yaml': SHARED }, [{ chart: 'istiod', paths: ['istiod.yaml'], layer: 'shared' }]), layered);
});

test('a control plane that names no cluster and does not say it is shared is still reported', () => {
  const clusters = { 'cluster1.yaml': istiodValues('cluster1', '  meshID: mesh1\n'), 'cluster2.yaml': istiodValues('cluster2', '  meshID: mesh1\n') };
  // A third cluster's file that forgot its name.
  assert.deepEqual(summary({ ...clusters, 'cluster3.yaml': SHARED }).unnamed, ['cluster3.yaml']);
  // Two shared files in one folder: which one Helm gets first is unknown.
  assert.deepEqual(summary({ ...clusters, 'common.yaml': SHARED, 'defaults.yaml': SHARED }).unnamed, ['common.yaml', 'defaults.yaml']);
  // A `cluster=` comment makes the file that cluster's, whatever its name.
  assert.deepEqual(summary({ ...clusters, 'common.yaml': `# istio-mesh: cluster=cluster3\n${SHARED}` }).unnamed, ['common.yaml']);
  // A per-cluster file elsewhere is not under the shared file's folder.
  assert.deepEqual(summary({ 'a/common.yaml': SHARED, 'b/cluster1.yaml': istiodValues('cluster1'), 'b/cluster2.yaml': istiodValues('cluster2') }).unnamed, [
    'a/common.yaml',
  ]);
  // Values of another chart are not layered under istiod's.
  const gateway = summary({ ...clusters, 'common.yaml': '# istio-mesh: chart=gateway\nnetworkGateway: network1\n' });
  assert.deepEqual(gateway, { meshIDs: { cluster1: 'mesh1', cluster2: 'mesh1' }, unnamed: [] });
});

test("istioctl overlays: a shared IstioOperator is layered under each cluster's, lists replaced", () => {
  const operator = (spec: string) => `apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n${spec}`;
  const { meshes, findings } = analyze({
    'base.yaml': operator(
      '  meshConfig:\n    trustDomain: example.org\n  components:\n    ingressGateways:\n      - name: istio-ingressgateway\n        enabled: true\n  values:\n    global:\n      meshID: mesh1\n',
    ),
    'cluster1.yaml': operator('  values:\n    global:\n      multiCluster:\n        clusterName: cluster1\n      network: network1\n'),
    'cluster2.yaml': operator(
      '  components:\n    ingressGateways: []\n  values:\n    global:\n      multiCluster:\n        clusterName: cluster2\n      network: network1\n',
    ),
  });
  assert.deepEqual(
    findings.filter((f) => f.code === 'MESH103' || f.code === 'MESH001'),
    [],
  );
  const clusters = new Map(meshes.flatMap((m) => [...m.clusters]));
  assert.equal(clusters.get('cluster1')?.meshID?.value, 'mesh1');
  assert.equal(clusters.get('cluster1')?.controlPlanes[0].trustDomain?.value, 'example.org');
  assert.deepEqual(
    clusters.get('cluster1')?.gateways.map((g) => g.name),
    ['istio-ingressgateway'],
  );
  assert.deepEqual(
    clusters.get('cluster2')?.gateways.map((g) => g.name),
    [],
  );
  // The shared value is located in the shared file.
  assert.equal(relative(ROOT, clusters.get('cluster2')!.meshID!.location().file), 'base.yaml');
});
