// The mesh model built from each official istio.io multicluster setup must match the corpus's summary of it
// (cluster names, roles, networks, meshID), and the cluster association order must hold.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import { fileNameMentions } from '../../server/src/mesh/assignment';
import type { MeshModel } from '../../server/src/mesh/model';
import { analyzeFolder, analyzeTexts } from '../support/analyze';
import { layOutModel, OFFICIAL_MODELS } from '../support/officialModels';
import { REFERENCE_SKIP_REASON, referenceDir } from '../support/paths';
import { controlPlaneText } from '../support/texts';

const reference = referenceDir();

function onlyMesh(meshes: MeshModel[]): MeshModel {
  assert.equal(meshes.length, 1, `expected one mesh, got ${meshes.map((m) => m.root).join(', ')}`);
  return meshes[0];
}

for (const model of OFFICIAL_MODELS) {
  test(`the model of the official ${model} setup matches its cluster-config.json`, { skip: reference ? false : REFERENCE_SKIP_REASON }, () => {
    const { root, config } = layOutModel(reference!, model);
    try {
      const mesh = onlyMesh(analyzeFolder(root).meshes);
      assert.deepEqual([...mesh.clusters.keys()].sort(), config.clusters.map((c) => c.name).sort());
      for (const expected of config.clusters) {
        const cluster = mesh.clusters.get(expected.name)!;
        assert.equal(cluster.role, expected.role, `${expected.name} role`);
        assert.equal(cluster.network, expected.network, `${expected.name} network`);
        assert.equal(cluster.meshID?.value ?? null, expected.meshID, `${expected.name} meshID`);
        // Every file applied to the cluster belongs to it, and to it alone.
        for (const resource of cluster.resources) assert.deepEqual(mesh.assignments.get(resource)?.clusters, [expected.name]);
      }
      assert.equal(mesh.multiNetwork, !config.sameNetwork);
      assert.equal(mesh.controlPlaneModel, config.controlPlane);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

const iop = controlPlaneText;
const gateway = (name: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  selector:
    istio: eastwestgateway
`;

test('cluster association follows the documented order: comment, setting, folder, file name, unassigned', () => {
  const root = '/virtual/mesh';
  const { meshes } = analyzeTexts(
    root,
    {
      'east/istio.yaml': iop('east'),
      'west/istio.yaml': iop('west'),
      // (1) a comment beats the folder
      'east/commented.yaml': `# istio-mesh: cluster=west\n${gateway('by-comment')}`,
      // (1) a comment just before a document applies to that document only
      'east/two-docs.yaml': `${gateway('first')}---\n# istio-mesh: cluster=east,west\n${gateway('second')}`,
      // (2) the setting beats the folder
      'east/from-setting.yaml': gateway('by-setting'),
      // (3) a subfolder of a cluster's folder
      'east/gateways/deep.yaml': gateway('by-folder'),
      // (4) a cluster name as a whole token of the file name; "westward" is not "west"
      'west-expose.yaml': gateway('by-name'),
      'westward.yaml': gateway('unassigned'),
    },
    [{ name: 'west', paths: ['east/from-setting.yaml'] }],
  );
  const mesh = onlyMesh(meshes);
  const byName = new Map(mesh.resources.map((r) => [r.name ?? r.file, mesh.assignments.get(r)!]));
  assert.deepEqual(byName.get('by-comment'), { clusters: ['west'], reason: 'directive' });
  assert.deepEqual(byName.get('first'), { clusters: ['east'], reason: 'folder' });
  assert.deepEqual(byName.get('second'), { clusters: ['east', 'west'], reason: 'directive' });
  assert.deepEqual(byName.get('by-setting'), { clusters: ['west'], reason: 'setting' });
  assert.deepEqual(byName.get('by-folder'), { clusters: ['east'], reason: 'folder' });
  assert.deepEqual(byName.get('by-name'), { clusters: ['west'], reason: 'file-name' });
  assert.deepEqual(byName.get('unassigned'), { clusters: [], reason: 'unassigned' });
});

test('a folder whose subfolders hold two clusters belongs to neither', () => {
  const root = '/virtual/nested';
  const { meshes } = analyzeTexts(root, {
    'istio.yaml': iop('hub'),
    'spoke/istio.yaml': iop('spoke'),
    'shared.yaml': gateway('shared'),
    'spoke/gateway.yaml': gateway('spoke-gateway'),
  });
  const mesh = onlyMesh(meshes);
  const byName = new Map(mesh.resources.map((r) => [r.name ?? r.file, mesh.assignments.get(r)!]));
  assert.deepEqual(byName.get('shared')?.clusters, []);
  assert.deepEqual(byName.get('spoke-gateway')?.clusters, ['spoke']);
});

test('a remote is named by its injection path and a network is read from every source', () => {
  const root = '/virtual/remote';
  const { meshes } = analyzeTexts(root, {
    'primary/istio.yaml': iop('primary', '\n      externalIstiod: true'),
    'remote/istio.yaml': `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  profile: remote
  values:
    istiodRemote:
      injectionPath: /inject/cluster/remote-1/net/network2
    global:
      remotePilotAddress: \${DISCOVERY_ADDRESS}
`,
    'remote/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n  labels:\n    topology.istio.io/network: network2\n',
  });
  const mesh = onlyMesh(meshes);
  const remote = mesh.clusters.get('remote-1')!;
  assert.equal(remote.role, 'remote');
  assert.equal(remote.network, 'network2');
  assert.deepEqual(remote.networkSources.map((s) => s.kind).sort(), ['injection-path', 'namespace-label']);
  assert.ok(remote.istioSystemNamespace);
  assert.equal(mesh.controlPlaneModel, 'primary-remote');
  assert.equal(mesh.multiNetwork, true);
});

test('file names mention a cluster only as whole tokens, hyphenated names included', () => {
  assert.ok(fileNameMentions('cluster2-eastwest-gateway.yaml', 'cluster2'));
  assert.ok(fileNameMentions('expose.us-east-1.yaml', 'us-east-1'));
  assert.ok(!fileNameMentions('cluster20.yaml', 'cluster2'));
  assert.ok(!fileNameMentions('mycluster2.yml', 'cluster2'));
  assert.ok(fileNameMentions('CLUSTER2.yaml', 'cluster2'));
});
